package io.cairn.sync.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.sync.BlockSync;
import io.cairn.sync.internal.BlockCheck.Checked;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The sync component. Three kinds of thread, none holding a lock while calling another component:
 * <ul>
 * <li>the <b>sync loop</b> owns the peer table and the requests in flight: it handles every inbound message
 * (queued by {@link #onMessage}, which only enqueues), serves GET_BLOCKS from the block store, broadcasts
 * STATUS, expires requests and hands out block ranges to up to {@code maxParallelPeers} peers at once;</li>
 * <li>the <b>verify threads</b> check each response (decoding, seals, body, signatures: the expensive part)
 * out of order;</li>
 * <li>the <b>apply thread</b> takes checked blocks strictly in order, executes each on the head and commits it
 * when the executed header is the sealed one.</li>
 * </ul>
 * A peer sending garbage, unsealed, unlinked or mis-executing blocks is penalised: everything it sent is
 * dropped and it is ignored for {@code penaltyMs}; its ranges go to other peers. Consensus may commit the
 * same blocks meanwhile: a commit refused because the head moved just means someone else was first.
 */
@Component(service = {BlockSync.class, MessageHandler.class, BlockListener.class}, immediate = true,
        configurationPid = "io.cairn.sync",
        property = {"cairn.component=sync", "cairn.engine=parallel", MessageHandler.TOPIC + "=" + SyncMessage.TOPIC})
@Designate(ocd = BlockSyncEngine.Config.class, factory = false)
public final class BlockSyncEngine implements BlockSync, MessageHandler, BlockListener {

    @ObjectClassDefinition(name = "Cairn block sync", description = "Fetches missing blocks from several peers at once and serves blocks (pid io.cairn.sync)")
    public @interface Config {
        @AttributeDefinition(description = "Broadcast this node's height every this many ms (and on each commit)")
        long statusIntervalMs() default 1000;

        @AttributeDefinition(description = "Blocks per request; also the most served per request")
        int batchBlocks() default 64;

        @AttributeDefinition(description = "Peers asked at once, each for a different range")
        int maxParallelPeers() default 4;

        @AttributeDefinition(description = "A request unanswered this long (ms) goes to another peer")
        long requestTimeoutMs() default 5000;

        @AttributeDefinition(description = "The largest encoded block accepted from a peer")
        int maxBlockBytes() default 32 * 1024 * 1024;

        @AttributeDefinition(description = "How long (ms) a peer that sent bad data is ignored")
        long penaltyMs() default 60000;

        @AttributeDefinition(description = "Threads checking fetched blocks (signatures); 0: one per processor")
        int verifyThreads() default 0;
    }

    private static final System.Logger LOG = System.getLogger(BlockSyncEngine.class.getName());
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long GATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long MIN_STATUS_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long STOP_MS = 5000;
    /** Inbound messages queued per peer before more from it are dropped: one flooding peer must not crowd out others. */
    private static final int MAX_QUEUED_PER_PEER = 64;
    private static final int MAX_QUEUED = 4096;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Executor executor;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile CryptoSuite suite;

    /** Only to reuse the pool's verified transactions: a block's transactions are not verified twice. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile TxPool txPool;

    /** This node's id when no network is bound, so that its own messages are recognised. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile NodeIdentity identity;

    /** Closed by an upgrade at a block boundary: sync then commits nothing, like consensus. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PipelineGate gate;

    private final long statusIntervalNanos;
    private final int batchBlocks;
    private final int maxParallelPeers;
    private final long requestTimeoutNanos;
    private final int maxBlockBytes;
    private final long penaltyNanos;

    // ---- shared between threads
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition loopWake = lock.newCondition();
    private final ArrayDeque<Event> inbox = new ArrayDeque<>(); // guarded by lock
    private final Map<String, Integer> queuedPerPeer = new HashMap<>(); // guarded by lock
    private boolean loopSignalled; // guarded by lock
    private final ReentrantLock applyLock = new ReentrantLock();
    private final Condition applyWake = applyLock.newCondition();
    private boolean applySignalled; // guarded by applyLock
    private volatile boolean headDirty = true;
    private volatile boolean running = true;

    /** Checked blocks by number, waiting for their turn; the apply thread removes what it commits. */
    private final ConcurrentSkipListMap<Long, Checked> ready = new ConcurrentSkipListMap<>();
    /** Written by the sync loop only; read by {@link #status()}. */
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private volatile int inFlight;
    private volatile boolean syncing;
    private volatile long highestKnown = -1;

    private final AtomicLong blocksFetched = new AtomicLong();
    private final AtomicLong blocksApplied = new AtomicLong();
    private final AtomicLong badBlocks = new AtomicLong();
    private final AtomicLong badMessages = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong requestsServed = new AtomicLong();
    private final AtomicLong committedByOthers = new AtomicLong();
    private final AtomicLong droppedMessages = new AtomicLong();

    // ---- owned by the sync loop
    private final TreeMap<Long, Request> requests = new TreeMap<>();
    private ChainFacts chainFacts;
    private long nextStatusAt;
    private long lastStatusAt;
    private long seenHead = Long.MIN_VALUE;
    private long headChangedAt;

    private final Thread loop;
    private final Thread applier;
    private final ExecutorService verifier;

    /** A peer as sync sees it. Fields are written by the sync loop only. */
    static final class Peer {
        final String id;
        volatile long height = -1;
        volatile boolean foreign;
        volatile long penalisedUntil;
        volatile long penalties;
        volatile String lastFault;
        long backoffUntil;
        long lastHeard;
        long statusSentAt;
        long requestsSent;
        Request inFlight;

        Peer(String id) {
            this.id = id;
        }

        boolean penalised(long now) {
            return penalties > 0 && now - penalisedUntil < 0;
        }
    }

    /** Blocks {@code from .. from + count - 1} asked of one peer. */
    static final class Request {
        final Peer peer;
        final long from;
        final int count;
        final long deadline;
        boolean checking;

        Request(Peer peer, long from, int count, long deadline) {
            this.peer = peer;
            this.from = from;
            this.count = count;
            this.deadline = deadline;
        }

        long end() {
            return from + count;
        }
    }

    /** The facts of the local chain that every peer must share, read once per block store. */
    private record ChainFacts(BlockStore store, Hash genesisHash, BlockCheck.Chain chain) {}

    private sealed interface Event permits Inbound, CheckDone, BadBlock {}

    private record Inbound(String peerId, byte[] payload) implements Event {}

    private record CheckDone(Request request, BlockCheck.Result result) implements Event {}

    private record BadBlock(String peerId, String why) implements Event {}

    @Activate
    public BlockSyncEngine(Config config) {
        check(config);
        statusIntervalNanos = TimeUnit.MILLISECONDS.toNanos(config.statusIntervalMs());
        batchBlocks = config.batchBlocks();
        maxParallelPeers = config.maxParallelPeers();
        requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        maxBlockBytes = config.maxBlockBytes();
        penaltyNanos = TimeUnit.MILLISECONDS.toNanos(config.penaltyMs());
        int threads = config.verifyThreads() > 0 ? config.verifyThreads() : Runtime.getRuntime().availableProcessors();
        AtomicInteger n = new AtomicInteger();
        verifier = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> thread(r, "cairn-sync-verify-" + n.incrementAndGet()));
        long now = System.nanoTime();
        nextStatusAt = now;
        headChangedAt = now;
        loop = thread(this::runLoop, "cairn-sync");
        applier = thread(this::runApplier, "cairn-sync-apply");
        loop.start();
        applier.start();
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.setContextClassLoader(null);
        return t;
    }

    private static void check(Config c) {
        List<String> wrong = new ArrayList<>();
        if (c.statusIntervalMs() < 1) {
            wrong.add("statusIntervalMs must be at least 1, got " + c.statusIntervalMs());
        }
        if (c.batchBlocks() < 1 || c.batchBlocks() > SyncMessage.MAX_BLOCKS) {
            wrong.add("batchBlocks must be 1-" + SyncMessage.MAX_BLOCKS + ", got " + c.batchBlocks());
        }
        if (c.maxParallelPeers() < 1) {
            wrong.add("maxParallelPeers must be at least 1, got " + c.maxParallelPeers());
        }
        if (c.requestTimeoutMs() < 1) {
            wrong.add("requestTimeoutMs must be at least 1, got " + c.requestTimeoutMs());
        }
        if (c.maxBlockBytes() < 1024) {
            wrong.add("maxBlockBytes must be at least 1024, got " + c.maxBlockBytes());
        }
        if (c.penaltyMs() < 0) {
            wrong.add("penaltyMs must not be negative, got " + c.penaltyMs());
        }
        if (c.verifyThreads() < 0) {
            wrong.add("verifyThreads must not be negative, got " + c.verifyThreads());
        }
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("io.cairn.sync: " + String.join("; ", wrong));
        }
    }

    @Deactivate
    public void deactivate() {
        running = false;
        wakeLoop();
        wakeApplier();
        verifier.shutdownNow();
        join(loop);
        join(applier);
        try {
            verifier.awaitTermination(STOP_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(STOP_MS);
            if (t.isAlive()) {
                // Stuck in another component's call: interrupting is the last resort before leaving it behind.
                t.interrupt();
                t.join(STOP_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- services called by others

    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        if (!SyncMessage.TOPIC.equals(topic) || peerId == null || payload == null) {
            return;
        }
        lock.lock();
        try {
            int queued = queuedPerPeer.getOrDefault(peerId, 0);
            if (!running || queued >= MAX_QUEUED_PER_PEER || inbox.size() >= MAX_QUEUED) {
                droppedMessages.incrementAndGet(); // requests time out and STATUS repeats: nothing is lost for good
                return;
            }
            queuedPerPeer.put(peerId, queued + 1);
            inbox.add(new Inbound(peerId, payload));
            loopSignalled = true;
            loopWake.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes) {
        headDirty = true;
        wakeLoop();
        wakeApplier();
    }

    @Override
    public Map<String, Object> status() {
        BlockStore store = blockStore;
        long height = store == null ? -1 : store.height();
        long now = System.nanoTime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("height", height);
        m.put("highestKnown", Math.max(height, highestKnown));
        m.put("syncing", syncing);
        Map<String, Object> peerHeights = new TreeMap<>();
        List<String> penalised = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.penalised(now)) {
                penalised.add(p.id);
            } else if (!p.foreign && p.height >= 0) {
                peerHeights.put(p.id, p.height);
            }
        }
        m.put("peers", peerHeights);
        m.put("penalisedPeers", penalised);
        m.put("inFlight", inFlight);
        m.put("readyBlocks", ready.size());
        m.put("blocksFetched", blocksFetched.get());
        m.put("blocksApplied", blocksApplied.get());
        m.put("badBlocks", badBlocks.get());
        m.put("badMessages", badMessages.get());
        m.put("timeouts", timeouts.get());
        m.put("requestsServed", requestsServed.get());
        m.put("committedByOthers", committedByOthers.get());
        return m;
    }

    @Override
    public Health health() {
        if (network == null) {
            return Health.notReady("no network");
        }
        BlockStore store = blockStore;
        if (store == null) {
            return Health.notReady("no ledger (block store)");
        }
        if (executor == null) {
            return Health.notReady("no executor");
        }
        if (suite == null) {
            return Health.notReady("no crypto suite");
        }
        long height = store.height();
        if (height < 0) {
            return Health.notReady("no genesis block yet");
        }
        long known = Math.max(height, highestKnown);
        return Health.ready("height " + height + (syncing ? ", syncing to " + known : ", in step") + ", "
                + peers.size() + " peers");
    }

    /** Whether the peer is ignored for now (for tests and diagnostics). */
    boolean isPenalised(String peerId) {
        Peer p = peers.get(peerId);
        return p != null && p.penalised(System.nanoTime());
    }

    // ---- the sync loop

    private void runLoop() {
        long backoff = 0;
        while (running) {
            long waitNanos;
            try {
                waitNanos = step();
                backoff = 0;
            } catch (RuntimeException | LinkageError e) {
                // A component departing mid-call must not end sync: look again after a backoff.
                backoff = backoff == 0 ? IDLE_NANOS : Math.min(MAX_BACKOFF_NANOS, backoff * 2);
                LOG.log(Level.WARNING, "sync: a step failed; retrying in " + TimeUnit.NANOSECONDS.toMillis(backoff) + " ms", e);
                waitNanos = backoff;
            }
            awaitLoop(waitNanos);
        }
    }

    private void awaitLoop(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (running && !loopSignalled && left > 0) {
                left = loopWake.awaitNanos(left);
            }
            loopSignalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void wakeLoop() {
        lock.lock();
        try {
            loopSignalled = true;
            loopWake.signal();
        } finally {
            lock.unlock();
        }
    }

    private void post(Event e) {
        lock.lock();
        try {
            inbox.add(e);
            loopSignalled = true;
            loopWake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** One round of the loop; returns how long it may sleep. */
    private long step() {
        Network net = network;
        BlockStore store = blockStore;
        ChainFacts facts = store == null ? null : facts(store);
        for (Event e; (e = nextEvent()) != null;) {
            if (net != null && facts != null) {
                handle(e, net, store, facts);
            } else if (e instanceof CheckDone done) {
                release(done.request());
            }
        }
        long now = System.nanoTime();
        if (net == null || facts == null) {
            return IDLE_NANOS;
        }
        long head = store.height();
        if (head != seenHead) {
            seenHead = head;
            headChangedAt = now;
        }
        expire(now);
        if (now - nextStatusAt >= 0 || (headDirty && now - lastStatusAt >= Math.min(MIN_STATUS_GAP_NANOS, statusIntervalNanos))) {
            broadcastStatus(net, store, facts, now);
        }
        schedule(net, head, now);
        long wake = nextStatusAt - now;
        if (headDirty) {
            wake = Math.min(wake, lastStatusAt + MIN_STATUS_GAP_NANOS - now);
        }
        for (Request r : requests.values()) {
            if (!r.checking) {
                wake = Math.min(wake, r.deadline - now);
            }
        }
        return Math.max(TimeUnit.MILLISECONDS.toNanos(1), wake);
    }

    private Event nextEvent() {
        lock.lock();
        try {
            Event e = inbox.poll();
            if (e instanceof Inbound in) {
                queuedPerPeer.computeIfPresent(in.peerId(), (k, v) -> v <= 1 ? null : v - 1);
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    private ChainFacts facts(BlockStore store) {
        ChainFacts f = chainFacts;
        if (f != null && f.store() == store) {
            return f;
        }
        Optional<Hash> genesisHash = store.hash(0);
        Optional<Genesis> genesis = store.genesis();
        if (genesisHash.isEmpty() || genesis.isEmpty()) {
            return null;
        }
        f = new ChainFacts(store, genesisHash.get(), new BlockCheck.Chain(genesis.get().chainId(), genesis.get().sealers()));
        chainFacts = f;
        return f;
    }

    private void handle(Event e, Network net, BlockStore store, ChainFacts facts) {
        long now = System.nanoTime();
        if (e instanceof Inbound in) {
            onInbound(in, net, store, facts, now);
        } else if (e instanceof CheckDone done) {
            onChecked(done, store, now);
        } else if (e instanceof BadBlock bad) {
            Peer p = peers.get(bad.peerId());
            if (p != null) {
                penalise(p, bad.why(), now);
            }
        }
    }

    private void onInbound(Inbound in, Network net, BlockStore store, ChainFacts facts, long now) {
        if (in.peerId().equals(selfId(net))) {
            return;
        }
        Peer p = peers.computeIfAbsent(in.peerId(), Peer::new);
        if (p.penalised(now)) {
            return;
        }
        SyncMessage m;
        try {
            m = SyncMessage.decode(in.payload(), maxBlockBytes);
        } catch (SyncMessage.UnsupportedVersionException newer) {
            return; // a newer engine on the peer: not a fault, just nothing we can read
        } catch (MalformedDataException e) {
            badMessages.incrementAndGet();
            penalise(p, "sent a malformed sync message: " + e.getMessage(), now);
            return;
        }
        p.lastHeard = now;
        if (m instanceof SyncMessage.Status s) {
            onStatus(p, s, net, store, facts, now);
        } else if (m instanceof SyncMessage.GetBlocks g) {
            if (!p.foreign) {
                serve(p, g, net, store);
            }
        } else if (m instanceof SyncMessage.Blocks b) {
            onBlocks(p, b, facts, now);
        }
    }

    private String selfId(Network net) {
        try {
            return net.self();
        } catch (RuntimeException departing) {
            NodeIdentity id = identity;
            return id == null ? null : io.cairn.api.chain.Bytes.toHex(id.publicKey());
        }
    }

    private void onStatus(Peer p, SyncMessage.Status s, Network net, BlockStore store, ChainFacts facts, long now) {
        if (!s.genesis().equals(facts.genesisHash())) {
            if (!p.foreign) {
                LOG.log(Level.WARNING, "sync: peer {0} has genesis {1}, this chain''s is {2}: ignoring it", p.id,
                        s.genesis(), facts.genesisHash());
            }
            p.foreign = true;
            p.height = -1;
            return;
        }
        p.foreign = false;
        p.height = s.height();
        long mine = store.height();
        // A peer behind us learns our height now rather than at our next broadcast: a new node starts at once.
        if (s.height() < mine && now - p.statusSentAt >= statusIntervalNanos / 2) {
            Optional<Hash> head = store.hash(mine);
            if (head.isPresent() && net.send(p.id, SyncMessage.TOPIC,
                    new SyncMessage.Status(mine, head.get(), facts.genesisHash()).encode())) {
                p.statusSentAt = now;
            }
        }
    }

    /** Answers from the block store, at most batchBlocks blocks and what fits the network's payload limit. */
    private void serve(Peer p, SyncMessage.GetBlocks g, Network net, BlockStore store) {
        long head = store.height();
        int count = Math.min(g.count(), batchBlocks);
        long budget = (long) net.maxPayload() - SyncMessage.Blocks.OVERHEAD;
        List<byte[]> out = new ArrayList<>();
        long used = 0;
        for (long n = g.from(); n < g.from() + count && n <= head; n++) {
            Optional<Block> b = store.block(n);
            if (b.isEmpty()) {
                break;
            }
            byte[] encoded = b.get().encode();
            if (used + SyncMessage.Blocks.PER_BLOCK + encoded.length > budget) {
                break;
            }
            used += SyncMessage.Blocks.PER_BLOCK + encoded.length;
            out.add(encoded);
        }
        requestsServed.incrementAndGet();
        net.send(p.id, SyncMessage.TOPIC, SyncMessage.Blocks.encode(g.from(), out));
    }

    private void onBlocks(Peer p, SyncMessage.Blocks b, ChainFacts facts, long now) {
        Request r = p.inFlight;
        if (r == null || r.from != b.from() || r.checking) {
            return; // late (after a timeout) or unasked: harmless, and not worth checking
        }
        if (b.blocks().size() > r.count) {
            badMessages.incrementAndGet();
            penalise(p, "sent " + b.blocks().size() + " blocks for a request of " + r.count, now);
            return;
        }
        if (b.blocks().isEmpty()) {
            // It no longer has (or never had) them: believe it holds less, and ask someone else.
            p.height = Math.min(p.height, r.from - 1);
            release(r);
            return;
        }
        CryptoSuite s = suite;
        if (s == null) {
            release(r);
            return;
        }
        TxPool pool = txPool;
        r.checking = true;
        try {
            verifier.execute(() -> {
                BlockCheck.Result result;
                try {
                    result = BlockCheck.check(p.id, b.from(), b.blocks(), facts.chain(), s, pool);
                } catch (RuntimeException e) {
                    // The suite or pool departing mid-check is no fault of the peer's: ask again later.
                    result = null;
                    LOG.log(Level.DEBUG, "sync: checking blocks from " + p.id + " failed", e);
                }
                post(new CheckDone(r, result));
            });
        } catch (RejectedExecutionException stopping) {
            release(r);
        }
    }

    private void onChecked(CheckDone done, BlockStore store, long now) {
        Request r = done.request();
        Peer p = r.peer;
        release(r);
        BlockCheck.Result result = done.result();
        if (result == null || p.penalised(now)) {
            return;
        }
        if (result.bad()) {
            badBlocks.incrementAndGet();
            penalise(p, result.failure(), now);
            return;
        }
        long head = store.height();
        int added = 0;
        for (Checked c : result.blocks()) {
            if (c.number() > head) {
                ready.put(c.number(), c);
                added++;
            }
        }
        blocksFetched.addAndGet(result.blocks().size());
        if (added > 0) {
            wakeApplier();
        }
    }

    private void release(Request r) {
        requests.remove(r.from, r);
        if (r.peer.inFlight == r) {
            r.peer.inFlight = null;
        }
        inFlight = requests.size();
    }

    private void penalise(Peer p, String why, long now) {
        p.penalisedUntil = now + penaltyNanos;
        p.penalties++;
        p.lastFault = why;
        LOG.log(Level.WARNING, "sync: ignoring peer {0} for {1} ms: {2}", p.id,
                TimeUnit.NANOSECONDS.toMillis(penaltyNanos), why);
        Request r = p.inFlight;
        if (r != null && !r.checking) {
            release(r);
        }
        ready.values().removeIf(c -> c.source().equals(p.id));
    }

    private void expire(long now) {
        List<Request> late = new ArrayList<>();
        for (Request r : requests.values()) {
            if (!r.checking && now - r.deadline >= 0) {
                late.add(r);
            }
        }
        for (Request r : late) {
            release(r);
            r.peer.backoffUntil = now + requestTimeoutNanos;
            timeouts.incrementAndGet();
            LOG.log(Level.INFO, "sync: peer {0} did not answer for blocks {1}..{2} in time; asking another",
                    r.peer.id, r.from, r.end() - 1);
        }
    }

    private void broadcastStatus(Network net, BlockStore store, ChainFacts facts, long now) {
        long height = store.height();
        Optional<Hash> head = store.hash(height);
        headDirty = false;
        lastStatusAt = now;
        nextStatusAt = now + statusIntervalNanos;
        if (head.isPresent()) {
            net.broadcast(SyncMessage.TOPIC, new SyncMessage.Status(height, head.get(), facts.genesisHash()).encode());
        }
    }

    /** Peers that can be asked for blocks at all: same chain, not penalised, heard from lately. */
    private boolean usable(Peer p, long now) {
        long staleAfter = 5 * statusIntervalNanos + requestTimeoutNanos;
        return !p.foreign && p.height >= 0 && !p.penalised(now) && now - p.lastHeard < staleAfter;
    }

    /** Hands the missing ranges above the head, lowest first, to free peers that hold them. */
    private void schedule(Network net, long head, long now) {
        long target = -1;
        for (Peer p : peers.values()) {
            if (usable(p, now)) {
                target = Math.max(target, p.height);
            }
        }
        highestKnown = target;
        // Drop what the chain already has (consensus may have committed it first).
        ready.headMap(head, true).clear();
        // One block behind is the normal state at the tip while consensus commits: leave it to consensus
        // unless the head has stood still for a status interval.
        boolean behind = target - head >= 2 || (target > head && now - headChangedAt >= statusIntervalNanos);
        syncing = behind || !requests.isEmpty() || !ready.isEmpty();
        if (!behind) {
            return;
        }
        long limit = Math.min(target, head + (long) batchBlocks * maxParallelPeers * 2);
        long p = head + 1;
        while (p <= limit && requests.size() < maxParallelPeers) {
            if (ready.containsKey(p)) {
                p++;
                continue;
            }
            Map.Entry<Long, Request> covering = requests.floorEntry(p);
            if (covering != null && covering.getValue().end() > p) {
                p = covering.getValue().end();
                continue;
            }
            long end = Math.min(limit, p + batchBlocks - 1);
            Long nextReady = ready.ceilingKey(p);
            if (nextReady != null) {
                end = Math.min(end, nextReady - 1);
            }
            Long nextRequest = requests.ceilingKey(p);
            if (nextRequest != null) {
                end = Math.min(end, nextRequest - 1);
            }
            Peer peer = freePeer(p, now);
            if (peer == null) {
                return;
            }
            int count = (int) (Math.min(end, peer.height) - p + 1);
            Request r = new Request(peer, p, count, now + requestTimeoutNanos);
            if (!net.send(peer.id, SyncMessage.TOPIC, new SyncMessage.GetBlocks(p, count).encode())) {
                peer.backoffUntil = now + Math.min(statusIntervalNanos, requestTimeoutNanos); // not connected or full
                continue;
            }
            peer.inFlight = r;
            peer.requestsSent++;
            requests.put(p, r);
            inFlight = requests.size();
            p += count;
        }
    }

    /** The least-asked usable peer without a request in flight that holds block {@code from}. */
    private Peer freePeer(long from, long now) {
        Peer best = null;
        for (Peer p : peers.values()) {
            if (p.inFlight == null && usable(p, now) && p.height >= from && now - p.backoffUntil >= 0
                    && (best == null || p.requestsSent < best.requestsSent)) {
                best = p;
            }
        }
        return best;
    }

    // ---- the apply thread

    private void runApplier() {
        long backoff = 0;
        while (running) {
            long waitNanos;
            try {
                waitNanos = applyNext();
                backoff = 0;
            } catch (RuntimeException | LinkageError e) {
                backoff = backoff == 0 ? IDLE_NANOS : Math.min(MAX_BACKOFF_NANOS, backoff * 2);
                LOG.log(Level.WARNING, "sync: applying a block failed; retrying in "
                        + TimeUnit.NANOSECONDS.toMillis(backoff) + " ms", e);
                waitNanos = backoff;
            }
            if (waitNanos > 0) {
                awaitApplier(waitNanos);
            }
        }
    }

    private void awaitApplier(long nanos) {
        applyLock.lock();
        try {
            long left = nanos;
            while (running && !applySignalled && left > 0) {
                left = applyWake.awaitNanos(left);
            }
            applySignalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            applyLock.unlock();
        }
    }

    private void wakeApplier() {
        applyLock.lock();
        try {
            applySignalled = true;
            applyWake.signal();
        } finally {
            applyLock.unlock();
        }
    }

    /** Applies the block after the head if it has arrived; returns how long to wait before looking again. */
    private long applyNext() {
        BlockStore store = blockStore;
        Executor exec = executor;
        CryptoSuite s = suite;
        if (store == null || exec == null || s == null) {
            return IDLE_NANOS;
        }
        long head = store.height();
        if (head < 0) {
            return IDLE_NANOS;
        }
        Checked next = ready.get(head + 1);
        if (next == null) {
            return IDLE_NANOS;
        }
        PipelineGate g = gate;
        if (g != null && !g.tryEnter()) {
            return GATE_NANOS; // an upgrade holds the pipeline at a block boundary; the block waits
        }
        try {
            return apply(store, exec, s, head, next);
        } finally {
            if (g != null) {
                g.exit();
            }
        }
    }

    private long apply(BlockStore store, Executor exec, CryptoSuite s, long head, Checked next) {
        BlockHeader parent = store.header(head).orElse(null);
        if (parent == null) {
            return IDLE_NANOS;
        }
        BlockHeader header = next.block().header();
        Hash parentHash = s.digest(parent.encode());
        if (!header.parentHash().equals(parentHash)) {
            if (store.height() == head) {
                rejected(next, "block " + next.number() + " has parent " + header.parentHash() + ", the head block "
                        + head + " is " + parentHash);
            }
            return 0;
        }
        ExecutedBlock executed;
        try {
            executed = exec.execute(parent, header.timestamp(), header.sealer(), next.txs());
        } catch (IllegalStateException e) {
            if (store.height() != head) {
                return 0; // consensus committed meanwhile: go on from the new head
            }
            throw e;
        }
        Hash got = s.digest(executed.header().encode());
        if (!got.equals(next.hash())) {
            if (store.height() == head) {
                rejected(next, "executing block " + next.number() + " gives block hash " + got
                        + " (state root " + executed.header().stateRoot() + "), the sealed block is " + next.hash()
                        + " (state root " + header.stateRoot() + ")");
            }
            return 0;
        }
        try {
            store.commit(executed, next.block().seals());
        } catch (IllegalStateException headMoved) {
            committedByOthers.incrementAndGet();
            ready.remove(next.number(), next);
            return 0;
        }
        ready.remove(next.number(), next);
        blocksApplied.incrementAndGet();
        headDirty = true;
        wakeLoop();
        return 0;
    }

    private void rejected(Checked block, String why) {
        badBlocks.incrementAndGet();
        ready.remove(block.number(), block);
        post(new BadBlock(block.source(), why));
    }
}
