package io.cairn.sync.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.sync.BlockSync;
import io.cairn.api.sync.SyncStatus;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
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
 * The sync component: wiring, threads and status. Two threads, started on activate, none holding a lock while
 * calling another component:
 * <ul>
 * <li>the <b>sync loop</b> runs the {@link ChainDownloader}: every inbound message (queued by {@link #onMessage},
 * which only enqueues), STATUS, the peer table and the requests in flight; the responses are checked on the
 * node's compute pool ({@link BlockCheck}), out of order;</li>
 * <li>the <b>apply thread</b> runs the {@link BlockImport}: checked blocks strictly in order, executed on the head
 * and committed when the executed header is the sealed one.</li>
 * </ul>
 * Misbehaving peers are reported to the node's {@link PeerReputation}, which bans them for the whole node.
 */
@Component(service = {BlockSync.class, MessageHandler.class, BlockListener.class}, immediate = true,
        configurationPid = "io.cairn.sync",
        property = {io.cairn.api.node.Component.COMPONENT + "=sync", io.cairn.api.node.Component.ENGINE + "=parallel",
                io.cairn.api.node.Component.UPGRADE + "=" + io.cairn.api.node.Component.BLUE_GREEN,
                MessageHandler.TOPIC + "=" + SyncMessage.TOPIC})
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
    }

    private static final System.Logger LOG = System.getLogger(BlockSyncEngine.class.getName());
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long STOP_MS = 5000;

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

    private final NodeThreads threads;
    private final PeerReputation reputation;
    private final NodeClock clock;
    private final SyncCounters counters;
    private final SyncInbox inbox = new SyncInbox();
    private final BlockImport imports;
    private final ChainDownloader downloader;
    private final Metrics.Gauge lag;
    private volatile SyncContext.Facts facts;
    private volatile boolean running = true;
    private Thread loop;
    private Thread applier;

    @Activate
    public BlockSyncEngine(Config config, @Reference Metrics metrics, @Reference NodeThreads threads,
            @Reference PeerReputation reputation) {
        this(config, metrics, threads, reputation, NodeClock.SYSTEM);
    }

    BlockSyncEngine(Config config, Metrics metrics, NodeThreads threads, PeerReputation reputation, NodeClock clock) {
        check(config);
        this.threads = threads;
        this.reputation = reputation;
        this.clock = clock;
        counters = new SyncCounters(metrics);
        imports = new BlockImport(counters, inbox::post, this::headMoved);
        downloader = new ChainDownloader(new ChainDownloader.Settings(
                TimeUnit.MILLISECONDS.toNanos(config.statusIntervalMs()), config.batchBlocks(), config.maxParallelPeers(),
                TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs()), config.maxBlockBytes()),
                reputation, threads, imports, counters, inbox::post, clock.nanoTime());
        lag = metrics.gauge("sync_lag_blocks", "Blocks this node is behind the highest head a peer reported",
                this::lagBlocks);
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
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("io.cairn.sync: " + String.join("; ", wrong));
        }
    }

    @Activate
    void activate() {
        loop = threads.start("sync", this::runLoop);
        applier = threads.start("sync-apply", this::runApplier);
    }

    @Deactivate
    public void deactivate() {
        running = false;
        inbox.close();
        imports.wake();
        join(loop);
        join(applier);
        lag.close();
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
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
        if (!inbox.offer(peerId, payload)) {
            counters.droppedMessages.incrementAndGet(); // requests time out and STATUS repeats: nothing is lost for good
        }
    }

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes) {
        headMoved();
        imports.wake();
    }

    private void headMoved() {
        downloader.headChanged();
        inbox.wake();
    }

    @Override
    public SyncStatus status() {
        BlockStore store = blockStore;
        long height = store == null ? -1 : store.height();
        Map<String, Long> heights = new TreeMap<>();
        List<String> banned = new ArrayList<>();
        for (PeerTable.Peer p : downloader.table().peers()) {
            if (reputation.isBanned(p.id)) {
                banned.add(p.id);
            } else if (!p.foreign && p.height >= 0) {
                heights.put(p.id, p.height);
            }
        }
        SyncCounters c = counters;
        return new SyncStatus(height, Math.max(height, downloader.highestKnown()), downloader.syncing(), heights, banned,
                downloader.table().inFlight(), imports.size(), c.blocksFetched.get(), c.blocksApplied.get(),
                c.badBlocks.get(), c.badMessages.get(), c.timeouts.get(), c.requestsServed.get(),
                c.committedByOthers.get());
    }

    private double lagBlocks() {
        BlockStore store = blockStore;
        long height = store == null ? -1 : store.height();
        return height < 0 ? 0 : Math.max(0, downloader.highestKnown() - height);
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
        CryptoSuite s = suite;
        if (s == null) {
            return Health.notReady("no crypto suite");
        }
        long height = store.height();
        SyncContext.Facts f = facts(store, s);
        if (height < 0 || f == null) {
            return Health.notReady("no genesis block yet");
        }
        if (f.verifier() == null) {
            return Health.notReady("the crypto suite '" + s.name() + "' is not the chain's: its genesis names '"
                    + f.spec().suite() + "'");
        }
        long known = Math.max(height, downloader.highestKnown());
        return Health.ready("height " + height + (downloader.syncing() ? ", syncing to " + known : ", in step") + ", "
                + downloader.table().peers().size() + " peers");
    }

    /** Whether the peer's messages are ignored now (for tests and diagnostics). */
    boolean isPenalised(String peerId) {
        return reputation.isBanned(peerId);
    }

    private SyncContext.Facts facts(BlockStore store, CryptoSuite s) {
        SyncContext.Facts f = facts;
        if (f != null && f.isFor(store, s)) {
            return f;
        }
        f = SyncContext.Facts.of(store, s);
        facts = f;
        return f;
    }

    /** The services one step works with, or null while the network or the chain is missing. */
    SyncContext context() {
        Network net = network;
        BlockStore store = blockStore;
        if (net == null || store == null) {
            return null;
        }
        SyncContext.Facts f = facts(store, suite);
        return f == null ? null : new SyncContext(net, store, f, txPool, selfId(net));
    }

    private String selfId(Network net) {
        try {
            return net.self();
        } catch (RuntimeException departing) {
            NodeIdentity id = identity;
            return id == null ? null : Bytes.toHex(id.publicKey());
        }
    }

    // ---- the sync loop

    private void runLoop() {
        repeat("a step", this::step, inbox::await);
    }

    /**
     * Runs {@code round} while sync runs, waiting as long as it returns ({@code await} false: interrupted, stop).
     * A failing round (a component departing mid-call) must not end sync: it is tried again after a backoff that
     * doubles, up to a cap, while it keeps failing.
     */
    private void repeat(String what, LongSupplier round, LongPredicate await) {
        long backoff = 0;
        while (running) {
            long waitNanos;
            try {
                waitNanos = round.getAsLong();
                backoff = 0;
            } catch (RuntimeException | LinkageError e) {
                backoff = backoff == 0 ? BlockImport.IDLE_NANOS : Math.min(MAX_BACKOFF_NANOS, backoff * 2);
                LOG.log(Level.WARNING, "sync: " + what + " failed; retrying in "
                        + TimeUnit.NANOSECONDS.toMillis(backoff) + " ms", e);
                waitNanos = backoff;
            }
            if (running && !await.test(waitNanos)) {
                break;
            }
        }
    }

    /** One round of the loop: every queued event, then the periodic work; returns how long it may wait. */
    long step() {
        SyncContext ctx = context();
        for (SyncEvent e; (e = inbox.poll()) != null;) {
            if (ctx != null) {
                downloader.handle(e, ctx, clock.nanoTime());
            } else {
                downloader.discard(e);
            }
        }
        return ctx == null ? BlockImport.IDLE_NANOS : downloader.tick(ctx, clock.nanoTime());
    }

    // ---- the apply thread

    private void runApplier() {
        // No wait at all when a block was applied: waiting 0 would also consume a wake-up meant for the next one.
        repeat("applying a block", this::applyNext, waitNanos -> waitNanos <= 0 || imports.await(waitNanos));
    }

    /** Applies the next block if it is there; returns how long to wait before looking again. */
    long applyNext() {
        BlockStore store = blockStore;
        CryptoSuite s = suite;
        SyncContext.Facts f = store == null ? null : facts(store, s);
        if (f == null || f.verifier() == null) {
            return BlockImport.IDLE_NANOS;
        }
        return imports.applyNext(store, executor, f.suite(), gate);
    }
}
