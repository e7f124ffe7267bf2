package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.storage.Storage;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * PBFT consensus for n = 3f + 1 sealers (the genesis sealer list), one height at a time, in the manner of
 * FISCO BCOS: the leader of (height h, view v), {@code sealers[(h + v) mod n]}, proposes a block
 * (PRE-PREPARE); every sealer re-executes it and votes PREPARE; on a quorum (2f + 1) of prepares it votes
 * COMMIT, whose body is its seal (signature over the block hash); on a quorum of commits the block is
 * committed with those seals, so any node can check it with {@link Seals#isFinal}. When no block commits
 * within the view timeout, sealers ask for the next view (VIEW-CHANGE carrying their highest prepared
 * certificate); the next leader gathers a quorum into NEW-VIEW and must re-propose the highest prepared
 * block, if any. Nodes whose key is not listed are observers: they follow proposals and commits but never
 * vote.
 *
 * <p>Peers: a message must come from the node that signed it (the TLS peer id is its node key), except a
 * NEW-VIEW, which a sealer passes on to a peer behind in views. A peer that sends what no honest node sends
 * (an undecodable or wrongly signed message, another chain's, one signed by another node, votes while it is
 * no sealer, two votes at one height and view...) is penalised: its messages are ignored for penaltyMs and
 * the network is asked to disconnect it. Races of honest nodes (old or future heights and views, a
 * proposal this node cannot check yet) are never penalised.
 *
 * <p>Threading: one event thread ({@value #THREAD_NAME}) owns all protocol state; the network thread only
 * queues payloads. Votes are written to storage ({@link VoteLog}) before they are sent.
 */
@Designate(ocd = PbftConsensus.Config.class, factory = false)
@Component(service = {Consensus.class, MessageHandler.class}, configurationPid = "io.cairn.consensus.pbft",
        immediate = true, property = {"cairn.component=consensus", "cairn.engine=pbft", "cairn.topic=pbft"})
public final class PbftConsensus implements Consensus, MessageHandler {

    @ObjectClassDefinition(name = "Cairn PBFT consensus", description = "Byzantine fault-tolerant consensus of the genesis sealers")
    public @interface Config {
        @AttributeDefinition(description = "The leader proposes as soon as this many transactions can run; also the most per block")
        int blockTxs() default 2000;

        @AttributeDefinition(description = "The leader proposes fewer once the oldest waiting transaction has waited this long (ms)")
        long intervalMs() default 500;

        @AttributeDefinition(description = "Ask for the next view when no block commits within this time (ms); doubles per consecutive view change, up to 8x")
        long viewTimeoutMs() default 3000;

        @AttributeDefinition(description = "Propose a block every intervalMs even with no transactions")
        boolean emptyBlocks() default false;

        @AttributeDefinition(description = "A peer that sent a provably invalid message (bad signature, signed by another node, garbage...) is ignored for this many ms and the network is asked to disconnect it; 0 turns penalties off")
        long penaltyMs() default 60_000;
    }

    static final String TOPIC = "pbft";
    static final String THREAD_NAME = "cairn-pbft";
    private static final System.Logger LOG = System.getLogger(PbftConsensus.class.getName());
    private static final long TICK_MS = 5;
    private static final int MAX_TIMEOUT_SHIFT = 3;
    private static final int INBOX = 8192;
    private static final int BUFFER_PER_SENDER = 512;
    private static final int VIEW_CHANGE_TARGETS_PER_SENDER = 4;
    /** Proposals dated further ahead of this node's clock are refused (clocks of a consortium are roughly in step). */
    private static final long MAX_FUTURE_MS = 10_000;
    private static final long FETCH_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int DECIDED_ANSWERS_KEPT = 4;
    private static final long NONE = Long.MIN_VALUE;
    /** How often at most the peer table is read to see whether a message that missed peers can reach them now. */
    private static final long REACH_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int MAX_OWN_MESSAGES = 16;
    /** The view timeout is at least this many times the recent block time (blocks under load take longer). */
    private static final int TIMEOUT_PER_BLOCK_TIME = 4;
    /** ... but the adaptation never stretches it beyond this many times the configured one. */
    private static final int MAX_ADAPTIVE_FACTOR = 8;
    /** Below this many unpooled transactions a proposal is verified on the event thread. */
    private static final int PARALLEL_VERIFY_MIN = 32;

    // ---- references (dynamic, greedy, optional: a swap pauses the engine, never breaks it)
    private volatile TxPool txPool;
    private volatile Executor executor;
    private volatile BlockStore blockStore;
    private volatile NodeIdentity identity;
    private volatile Network network;
    private volatile PipelineGate gate;
    private volatile Storage storage;
    private volatile CryptoSuite suite;

    private volatile int blockTxs;
    private volatile long intervalNanos;
    private volatile long viewTimeoutNanos;
    private volatile boolean emptyBlocks;
    private volatile long penaltyMs;

    private record Inbound(String peerId, byte[] payload) {}

    /** A DECIDED message as sent, and the node key that signed it (a swapped identity signs anew). */
    private record DecidedAnswer(byte[] signer, byte[] encoded) {}

    private final BlockingQueue<Inbound> inbox = new ArrayBlockingQueue<>(INBOX);
    private volatile boolean running = true;
    private final Thread thread;

    // ---- counters and the snapshot status() shows
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong equivocations = new AtomicLong();
    private final AtomicLong viewChanges = new AtomicLong();
    private final AtomicLong blocksCommitted = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    /** Peers whose messages are ignored for a while, by peer id; read by the network thread too. */
    private final Map<String, Penalty> penalised = new ConcurrentHashMap<>();
    private volatile long shownHeight = -1;
    private volatile long shownView;
    private volatile boolean shownChanging;
    private volatile Hash lastBlockHash;
    private volatile Chain shownChain;
    private volatile String lastRejection;
    private volatile long shownTimeoutNanos;

    // ---- protocol state, owned by the event thread
    private Chain chain;
    private final VoteLog votes = new VoteLog();
    private long height = -1;
    private long view;
    /** The view this node asked for and is waiting to enter, or -1. */
    private long changingTo = -1;
    /** Entered {@link #view} on a quorum of VIEW-CHANGEs; waiting for its leader's NEW-VIEW. */
    private boolean awaitingNewView;
    /** The prepared certificate the current view's proposal must repeat (from NEW-VIEW), or null. */
    private PreparedCert required;
    private PbftMessage lastNewView;
    private final TreeMap<Long, Round> roundsByView = new TreeMap<>();
    /** VIEW-CHANGEs at this height: target view -> sender -> message. */
    private final TreeMap<Long, Map<String, PbftMessage>> viewChangeVotes = new TreeMap<>();
    private final Map<String, ArrayDeque<Buffered>> future = new HashMap<>();
    private final ArrayDeque<Buffered> gated = new ArrayDeque<>();
    private long deadline = NONE;
    private int consecutiveViewChanges;
    private boolean insideGate;
    private PipelineGate enteredGate;
    private long firstWaitingAt = NONE;
    private long lastProposalAt = System.nanoTime();
    private Set<Hash> lastSealedTxs = Set.of();
    private long lastFetchAt = System.nanoTime() - FETCH_EVERY_NANOS;
    private final Map<String, Long> lastAnswerAt = new HashMap<>();
    /**
     * The DECIDED answers last sent, by block number: a lagging node asks for the same recent blocks every
     * {@code FETCH_EVERY} while it catches up, and each answer costs reading, encoding and signing (hashing)
     * a whole block. A committed block never changes, so its signed answer can be sent again as is.
     */
    private final Map<Long, DecidedAnswer> decidedAnswers = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, DecidedAnswer> eldest) {
            return size() > DECIDED_ANSWERS_KEPT;
        }
    };
    /**
     * This node's own votes and proposals at the height in progress. PBFT has no retransmission of its own:
     * a PRE-PREPARE broadcast while the network had no peers (a network engine just swapped in, a
     * reconnect) would otherwise be lost and cost a whole view timeout. Receivers count a repeated vote once.
     */
    private final List<OwnMessage> own = new ArrayList<>();
    private long lastReachCheckAt = System.nanoTime();
    /** When the height in progress first had work (timer armed), for the block time the view timeout adapts to. */
    private long heightBusySince = NONE;
    /** Smoothed time from work to commit of recent view-0 blocks (ns); 0 until one is measured. */
    private long recentBlockNanos;
    private final ExecutorService verifiers;
    private final int verifierThreads;

    /** One of this node's messages, with how many peers the last broadcast reached, through which network. */
    private static final class OwnMessage {
        final PbftMessage message;
        final byte[] encoded;
        Network via;
        int reached;
        long sentAt;

        OwnMessage(PbftMessage message, byte[] encoded) {
            this.message = message;
            this.encoded = encoded;
        }
    }

    private record Buffered(String peerId, PbftMessage message) {}

    private record Penalty(String reason, long sinceMillis, long untilMillis) {}

    /** The chain facts consensus needs, read once per block store. */
    record Chain(BlockStore store, long chainId, String suite, List<String> sealers, Set<String> sealerSet, int f, int quorum) {
        int n() {
            return sealers.size();
        }

        String leader(long h, long v) {
            return sealers.get((int) Math.floorMod(h + v, (long) sealers.size()));
        }
    }

    @Activate
    public PbftConsensus(Config config) {
        configure(config);
        verifierThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicLong verifierCount = new AtomicLong();
        verifiers = Executors.newFixedThreadPool(verifierThreads, r -> {
            Thread t = new Thread(r, THREAD_NAME + "-verify-" + verifierCount.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(null);
            return t;
        });
        thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.setContextClassLoader(null);
        thread.start();
    }

    @Modified
    void modified(Config config) {
        configure(config);
    }

    private void configure(Config config) {
        if (config.blockTxs() < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: blockTxs must be at least 1, got " + config.blockTxs());
        }
        if (config.intervalMs() < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: intervalMs must be at least 1, got " + config.intervalMs());
        }
        if (config.viewTimeoutMs() < 10) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: viewTimeoutMs must be at least 10, got "
                    + config.viewTimeoutMs());
        }
        if (config.penaltyMs() < 0) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: penaltyMs must not be negative (0 turns penalties off), got "
                    + config.penaltyMs());
        }
        blockTxs = config.blockTxs();
        penaltyMs = config.penaltyMs();
        intervalNanos = TimeUnit.MILLISECONDS.toNanos(config.intervalMs());
        viewTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.viewTimeoutMs());
        emptyBlocks = config.emptyBlocks();
    }

    // ---- references: an unbind only clears the reference it was given (greedy swaps bind the new one first)

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindTxPool(TxPool p) { txPool = p; }
    synchronized void unbindTxPool(TxPool p) { if (txPool == p) txPool = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindExecutor(Executor e) { executor = e; }
    synchronized void unbindExecutor(Executor e) { if (executor == e) executor = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindBlockStore(BlockStore s) { blockStore = s; }
    synchronized void unbindBlockStore(BlockStore s) { if (blockStore == s) blockStore = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindIdentity(NodeIdentity i) { identity = i; }
    synchronized void unbindIdentity(NodeIdentity i) { if (identity == i) identity = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindNetwork(Network n) { network = n; }
    synchronized void unbindNetwork(Network n) { if (network == n) network = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindGate(PipelineGate g) { gate = g; }
    synchronized void unbindGate(PipelineGate g) { if (gate == g) gate = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindStorage(Storage s) { storage = s; }
    synchronized void unbindStorage(Storage s) { if (storage == s) storage = null; }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindSuite(CryptoSuite s) { suite = s; }
    synchronized void unbindSuite(CryptoSuite s) { if (suite == s) suite = null; }

    // ---- the network side: queue and return

    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        if (!TOPIC.equals(topic) || payload == null || ignoring(peerId)) {
            return; // a penalised peer's flood never reaches the inbox
        }
        if (!inbox.offer(new Inbound(peerId, payload))) {
            dropped.incrementAndGet(); // a flood must not block the network thread; view change recovers
        }
    }

    // ---- the event thread

    private void run() {
        long backoffMs = 0;
        while (running) {
            try {
                Inbound in = inbox.poll(backoffMs > 0 ? backoffMs : TICK_MS, TimeUnit.MILLISECONDS);
                int n = 0;
                while (in != null && running) {
                    handle(in);
                    in = ++n < 256 ? inbox.poll() : null;
                }
                tick();
                backoffMs = 0;
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | LinkageError e) {
                // A provider failing or leaving mid-call must not end consensus.
                failures.incrementAndGet();
                backoffMs = backoffMs == 0 ? 50 : Math.min(1000, backoffMs * 2);
                LOG.log(Level.WARNING, "pbft: " + e.getMessage() + "; carrying on in " + backoffMs + " ms", e);
            }
            rounds.incrementAndGet();
        }
        exitGate();
    }

    /** The collaborators of one step, read once so that a swap in the middle cannot mix providers. */
    private record Ctx(BlockStore store, Executor exec, TxPool pool, NodeIdentity id, CryptoSuite suite, Storage storage,
            Network net, Chain chain, String me, boolean sealer) {}

    private Ctx ctx() {
        BlockStore store = blockStore;
        Executor exec = executor;
        NodeIdentity id = identity;
        TxPool pool = txPool;
        if (store == null || exec == null || id == null || pool == null) {
            return null;
        }
        Chain c = chain;
        if (c == null || c.store != store) {
            Optional<Genesis> g = store.genesis();
            if (g.isEmpty() || g.get().sealers().isEmpty()) {
                return null;
            }
            List<String> sealers = g.get().sealers().stream().map(k -> Bytes.toHex(Bytes.fromHex(k))).toList();
            int f = Seals.faultTolerance(sealers.size());
            c = new Chain(store, g.get().chainId(), g.get().suite(), sealers, new HashSet<>(sealers), f, Seals.quorum(sealers.size()));
            chain = c;
            shownChain = c;
        }
        // Several suites may be registered: the chain's is the one its genesis names (the node key's otherwise).
        CryptoSuite bound = suite;
        CryptoSuite s = bound != null && bound.name().equals(c.suite) ? bound : id.suite();
        String me = Bytes.toHex(id.publicKey());
        boolean sealer = c.sealerSet.contains(me);
        Storage st = storage;
        if (sealer && st == null) {
            return null; // a sealer that cannot persist its votes must not vote
        }
        return new Ctx(store, exec, pool, id, s, st, network, c, me, sealer);
    }

    private void handle(Inbound in) {
        if (ignoring(in.peerId)) {
            return; // queued before its sender was penalised
        }
        Ctx c = ctx();
        if (c == null) {
            dropped.incrementAndGet();
            return;
        }
        PbftMessage m;
        try {
            m = PbftMessage.decode(in.payload);
        } catch (MalformedDataException e) {
            penalise(c, in.peerId, e.getMessage());
            return;
        }
        if (m.chainId() != c.chain.chainId) {
            penalise(c, in.peerId, m + " is for chain " + Long.toUnsignedString(m.chainId()));
            return;
        }
        String sender = m.senderHex();
        if (!sender.equals(in.peerId)) {
            // Every message comes from the node that signed it, but for a NEW-VIEW: a sealer shows it to a peer
            // that asks for a view already entered (onViewChange). Nobody else passes on another node's message.
            if (m.type() != PbftMessage.NEW_VIEW || !c.chain.sealerSet.contains(in.peerId)) {
                penalise(c, in.peerId, m + " is signed by " + sender + ", not by the peer that sent it");
                return;
            }
        }
        if (!c.chain.sealerSet.contains(sender)) {
            if (m.type() == PbftMessage.FETCH) {
                reject(in.peerId, m + ": the sender is not a sealer"); // asking proves nothing; only sealers are answered
            } else {
                penalise(c, in.peerId, m + ": the sender is not a sealer");
            }
            return;
        }
        if (sender.equals(c.me)) {
            // Only as a NEW-VIEW passed back by a sealer (this node led that view): harmless.
            reject(in.peerId, m + " claims to be from this node");
            return;
        }
        if (!m.verify(c.suite)) {
            penalise(c, in.peerId, m + ": the signature does not verify");
            return;
        }
        syncHeight(c);
        dispatch(c, in.peerId, m);
    }

    /** Whether the peer's messages are ignored now (penalised); counts the message if so. Any thread. */
    private boolean ignoring(String peerId) {
        if (peerId == null || penalised.isEmpty()) {
            return false;
        }
        Penalty p = penalised.get(peerId);
        if (p == null) {
            return false;
        }
        if (System.currentTimeMillis() < p.untilMillis()) {
            ignored.incrementAndGet();
            return true;
        }
        penalised.remove(peerId, p);
        return false;
    }

    /**
     * Rejects a message that proves its sender misbehaves (no honest node, however late or early, sends it):
     * the peer's messages are ignored for penaltyMs, what it had buffered here is dropped, and the network is
     * asked to disconnect it.
     */
    private void penalise(Ctx c, String peerId, String why) {
        reject(peerId, why);
        long ms = penaltyMs;
        if (ms <= 0 || peerId == null || peerId.equals(c.me)) {
            return;
        }
        long now = System.currentTimeMillis();
        Penalty had = penalised.get(peerId);
        if (had != null && now < had.untilMillis()) {
            return;
        }
        penalised.values().removeIf(p -> now >= p.untilMillis()); // served: forget them
        penalised.put(peerId, new Penalty(why, now, now + ms));
        for (ArrayDeque<Buffered> q : future.values()) {
            q.removeIf(b -> b.peerId.equals(peerId));
        }
        future.values().removeIf(ArrayDeque::isEmpty);
        gated.removeIf(b -> b.peerId.equals(peerId));
        LOG.log(Level.WARNING, "pbft: penalising peer " + peerId + " (ignored for " + ms + " ms, disconnect asked): " + why);
        Network net = c.net;
        if (net != null) {
            try {
                net.disconnect(peerId, "pbft: " + why);
            } catch (RuntimeException | LinkageError e) {
                // a network engine leaving, or an older one without the method: the penalty holds here all the same
                LOG.log(Level.WARNING, "pbft: the network could not disconnect " + peerId + ": " + e);
            }
        }
        disconnects.incrementAndGet(); // counted once asked, so whoever reads the count finds the request made
    }

    private void reject(String peerId, String why) {
        rejected.incrementAndGet();
        lastRejection = why;
        LOG.log(Level.DEBUG, () -> "pbft: ignoring a message from " + peerId + ": " + why);
    }

    /** A verified message from a sealer (or this node's own, delivered locally). */
    private void dispatch(Ctx c, String peerId, PbftMessage m) {
        if (ignoring(peerId)) {
            return; // buffered or gated before its sender was penalised
        }
        switch (m.type()) {
            case PbftMessage.FETCH -> answerFetch(c, peerId, m.height());
            case PbftMessage.DECIDED -> {
                if (m.height() == height) {
                    onDecided(c, peerId, m);
                }
            }
            default -> {
                if (m.height() < height) {
                    answerFetch(c, peerId, m.height()); // the sender is behind: hand it the block it is stuck on
                } else if (m.height() > height) {
                    buffer(peerId, m);
                    maybeFetch(c, peerId);
                } else {
                    switch (m.type()) {
                        case PbftMessage.PRE_PREPARE -> onPrePrepare(c, peerId, m);
                        case PbftMessage.PREPARE -> onPrepare(c, peerId, m);
                        case PbftMessage.COMMIT -> onCommit(c, peerId, m);
                        case PbftMessage.VIEW_CHANGE -> onViewChange(c, peerId, m);
                        case PbftMessage.NEW_VIEW -> onNewView(c, peerId, m);
                        default -> reject(peerId, "unexpected " + m);
                    }
                }
            }
        }
    }

    private boolean ahead(long v) {
        return v > view || (v == view && awaitingNewView);
    }

    private boolean mayVote(Ctx c, long v) {
        return c.sealer && v == view && !awaitingNewView && changingTo < 0;
    }

    private Round round(long v) {
        return roundsByView.computeIfAbsent(v, Round::new);
    }

    // ---- PRE-PREPARE

    private void onPrePrepare(Ctx c, String peerId, PbftMessage m) {
        if (ahead(m.view())) {
            buffer(peerId, m);
            return;
        }
        if (m.view() < view) {
            return;
        }
        if (!m.senderHex().equals(c.chain.leader(height, view))) {
            penalise(c, peerId, m + ": the sender is not the leader of this view");
            return;
        }
        Round r = round(view);
        if (r.proposalHash != null) {
            if (!r.proposalHash.equals(m.blockHash())) {
                equivocation(c, peerId, m, "two proposals " + r.proposalHash + " and " + m.blockHash());
            }
            return;
        }
        if (!enterGate()) {
            gated.add(new Buffered(peerId, m));
            return;
        }
        ExecutedBlock executed;
        try {
            executed = validateProposal(c, m.blockHash(), m.body(), required == null ? m.senderHex() : null);
        } catch (IllegalArgumentException | IllegalStateException e) {
            reject(peerId, m + ": " + e.getMessage());
            exitGateIfIdle();
            return;
        }
        r.proposalHash = m.blockHash();
        r.proposalBlock = m.body();
        r.executed = executed;
        armTimer();
        if (mayVote(c, view)) {
            sendPrepare(c, r);
        }
        checkPrepared(c, r);
        checkCommitted(c, r);
    }

    /**
     * Checks a proposed block against the head and re-executes it; returns the executed block.
     *
     * @param sealer the key the header must name as sealer, or null when the proposal repeats a prepared
     *               block (made by an earlier leader)
     */
    private ExecutedBlock validateProposal(Ctx c, Hash hash, byte[] body, String sealer) {
        if (required != null && !required.hash().equals(hash)) {
            throw new IllegalArgumentException("this view must re-propose the prepared block " + required.hash());
        }
        Decoder d = new Decoder(body, "proposal");
        BlockHeader header = BlockHeader.decode(d.bytes(1 << 20, "header"));
        int n = d.u32("transaction count");
        if (n < 0 || n > Block.MAX_TRANSACTIONS) {
            throw new MalformedDataException("proposal: transaction count " + n + " out of range");
        }
        List<byte[]> raw = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            raw.add(d.bytes(Transaction.MAX_ENCODED, "transaction " + i));
        }
        if (d.u32("seal count") != 0) {
            throw new MalformedDataException("proposal: a proposal carries no seals");
        }
        d.end();
        if (!Hash.of(c.suite.hash(header.encode())).equals(hash)) {
            throw new IllegalArgumentException("the block hash is not the hash of the proposed header");
        }
        return execute(c, header, raw, sealer);
    }

    private ExecutedBlock execute(Ctx c, BlockHeader header, List<byte[]> raw, String sealer) {
        if (header.number() != height) {
            throw new IllegalArgumentException("block " + header.number() + " proposed at height " + height);
        }
        BlockHeader parent = c.store.header(height - 1).orElseThrow(
                () -> new IllegalStateException("the block store has no header for block " + (height - 1)));
        if (!header.parentHash().equals(Hash.of(c.suite.hash(parent.encode())))) {
            throw new IllegalArgumentException("the parent hash is not the hash of block " + (height - 1));
        }
        String headerSealer = Bytes.toHex(header.sealer());
        if (sealer != null ? !sealer.equals(headerSealer) : !c.chain.sealerSet.contains(headerSealer)) {
            throw new IllegalArgumentException("the header names " + headerSealer + " as sealer");
        }
        if (header.timestamp() < parent.timestamp()) {
            throw new IllegalArgumentException("timestamp " + header.timestamp() + " is before its parent's " + parent.timestamp());
        }
        if (header.timestamp() > System.currentTimeMillis() + MAX_FUTURE_MS) {
            throw new IllegalArgumentException("timestamp " + header.timestamp() + " is too far in the future");
        }
        if (header.txCount() != raw.size()) {
            throw new IllegalArgumentException("the header counts " + header.txCount() + " transactions, the block has " + raw.size());
        }
        List<VerifiedTransaction> txs = verifyAll(c, raw);
        ExecutedBlock executed = c.exec.execute(parent, header.timestamp(), header.sealer(), txs);
        byte[] mine = executed.header().encode();
        if (!Arrays.equals(mine, header.encode())) {
            throw new IllegalArgumentException("re-executing the block gives another header (hash "
                    + Hash.of(c.suite.hash(mine)) + ")");
        }
        return executed;
    }

    /**
     * The transactions of a proposed block, verified: those in the pool were verified on admission; the
     * others (gossip often arrives after the proposal) are checked here, spread over the verifier threads
     * when there are many, since signature checks dominate a replica's time on a block.
     */
    private List<VerifiedTransaction> verifyAll(Ctx c, List<byte[]> raw) {
        int n = raw.size();
        VerifiedTransaction[] out = new VerifiedTransaction[n];
        List<Transaction> decoded = new ArrayList<>(n);
        List<Integer> unpooled = new ArrayList<>();
        List<byte[]> digests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Transaction tx = Transaction.decode(raw.get(i));
            if (tx.chainId() != c.chain.chainId) {
                throw new IllegalArgumentException("a transaction is for chain " + Long.toUnsignedString(tx.chainId()));
            }
            decoded.add(tx);
            byte[] h32 = c.suite.hash(tx.signingPayload());
            Optional<VerifiedTransaction> pooled = c.pool.get(Hash.of(h32));
            if (pooled.isPresent()) {
                out[i] = pooled.get(); // verified once, on admission
            } else {
                unpooled.add(i);
                digests.add(h32);
            }
        }
        int k = unpooled.size();
        int parts = k < PARALLEL_VERIFY_MIN ? 1 : Math.min(verifierThreads, k / (PARALLEL_VERIFY_MIN / 2));
        if (parts <= 1) {
            verifyRange(c, raw, decoded, unpooled, digests, out, 0, k);
        } else {
            List<Future<?>> running = new ArrayList<>(parts);
            for (int p = 0; p < parts; p++) {
                int from = (int) ((long) k * p / parts);
                int to = (int) ((long) k * (p + 1) / parts);
                running.add(verifiers.submit(() -> verifyRange(c, raw, decoded, unpooled, digests, out, from, to)));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    running.forEach(r -> r.cancel(false));
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException("verifying the transactions of a block failed", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while verifying the transactions of a block", e);
                }
            }
        }
        return Arrays.asList(out);
    }

    private static void verifyRange(Ctx c, List<byte[]> raw, List<Transaction> decoded, List<Integer> unpooled,
            List<byte[]> digests, VerifiedTransaction[] out, int from, int to) {
        for (int j = from; j < to; j++) {
            int i = unpooled.get(j);
            Transaction tx = decoded.get(i);
            byte[] h32 = digests.get(j);
            byte[] pub = tx.publicKey();
            if (!c.suite.verify(h32, tx.signature(), pub)) {
                throw new IllegalArgumentException("transaction " + Hash.of(h32) + ": the signature does not verify");
            }
            out[i] = new VerifiedTransaction(tx, Hash.of(h32), c.suite.address(pub), raw.get(i));
        }
    }

    // ---- PREPARE / COMMIT

    private void sendPrepare(Ctx c, Round r) {
        if (r.prepareSent || r.done) {
            return;
        }
        votes.refresh(c.storage); // another instance of this engine (a blue/green swap) may have voted
        if (!votes.mayPrepare(height, r.view, r.proposalHash)) {
            LOG.log(Level.WARNING, "pbft: not preparing " + r.proposalHash + " at height " + height + " view " + r.view
                    + ": this node already voted for another block there");
            return;
        }
        votes.recordPrepare(c.storage, height, r.view, r.proposalHash, r.proposalBlock);
        r.prepareSent = true;
        send(c, PbftMessage.sign(c.id, PbftMessage.PREPARE, c.chain.chainId, height, r.view, r.proposalHash, new byte[0]));
    }

    private void onPrepare(Ctx c, String peerId, PbftMessage m) {
        if (ahead(m.view())) {
            buffer(peerId, m);
            return;
        }
        Round r = round(m.view());
        if (record(c, peerId, r.prepares, m, m.signature())) {
            armTimer();
            checkPrepared(c, r);
        }
    }

    private void checkPrepared(Ctx c, Round r) {
        if (r.prepared || r.proposalHash == null || r.done) {
            return;
        }
        List<Round.Vote> ok = Round.votesFor(r.prepares, r.proposalHash);
        if (ok.size() < c.chain.quorum) {
            return;
        }
        r.prepared = true;
        if (!mayVote(c, r.view) || r.commitSent) {
            return;
        }
        votes.refresh(c.storage);
        if (!votes.mayCommit(height, r.view, r.proposalHash)) {
            return;
        }
        List<byte[]> proof = new ArrayList<>(ok.size());
        for (Round.Vote v : ok) {
            proof.add(Seals.of(v.sender(), v.signature()));
        }
        PreparedCert cert = new PreparedCert(r.view, r.proposalHash, r.proposalBlock, proof);
        votes.recordCommit(c.storage, height, r.view, cert);
        r.commitSent = true;
        byte[] seal = c.id.sign(r.proposalHash.toByteArray());
        send(c, PbftMessage.sign(c.id, PbftMessage.COMMIT, c.chain.chainId, height, r.view, r.proposalHash, seal));
    }

    private void onCommit(Ctx c, String peerId, PbftMessage m) {
        if (ahead(m.view())) {
            buffer(peerId, m);
            return;
        }
        Round r = round(m.view());
        Round.Vote had = r.commits.get(m.senderHex());
        if (had != null && had.hash().equals(m.blockHash()) && Arrays.equals(had.signature(), m.body())) {
            return; // a re-sent vote: counted once, its seal already checked
        }
        if (m.body().length != 64 || !c.suite.verify(m.blockHash().toByteArray(), m.body(), m.sender())) {
            penalise(c, peerId, m + ": the seal does not verify");
            return;
        }
        if (record(c, peerId, r.commits, m, m.body())) {
            armTimer();
            checkCommitted(c, r);
        }
    }

    private void checkCommitted(Ctx c, Round r) {
        if (r.executed == null || r.done) {
            return; // the block is missing here; FETCH brings it once the others have moved on
        }
        List<Round.Vote> ok = Round.votesFor(r.commits, r.proposalHash);
        if (ok.size() < c.chain.quorum) {
            return;
        }
        List<byte[]> seals = new ArrayList<>(ok.size());
        for (Round.Vote v : ok) {
            seals.add(Seals.of(v.sender(), v.signature()));
        }
        commit(c, r.executed, r.proposalHash, seals);
    }

    /** Records a vote; false for a duplicate or an equivocation (never counted twice). */
    private boolean record(Ctx c, String peerId, Map<String, Round.Vote> votes, PbftMessage m, byte[] signature) {
        String sender = m.senderHex();
        Round.Vote had = votes.get(sender);
        if (had != null) {
            if (!had.hash().equals(m.blockHash())) {
                equivocation(c, peerId, m, "votes for " + had.hash() + " and " + m.blockHash());
            }
            return false;
        }
        votes.put(sender, new Round.Vote(m.blockHash(), m.sender(), signature));
        return true;
    }

    private void equivocation(Ctx c, String peerId, PbftMessage m, String what) {
        equivocations.incrementAndGet();
        LOG.log(Level.WARNING, "pbft: equivocation by " + m.senderHex() + " at height " + m.height() + " view "
                + m.view() + " (" + PbftMessage.typeName(m.type()) + "): " + what + "; only the first counts");
        if (m.senderHex().equals(peerId)) {
            // Its own two signed votes: the vote log keeps an honest node, even restarted or swapped, from this.
            penalise(c, peerId, "equivocation: " + m + ": " + what);
        }
    }

    private void commit(Ctx c, ExecutedBlock executed, Hash hash, List<byte[]> seals) {
        if (!enterGate()) {
            return; // retried by the tick once the gate reopens
        }
        c.store.commit(executed, seals);
        Set<Hash> sealed = new HashSet<>(executed.transactions().size() * 2);
        for (VerifiedTransaction t : executed.transactions()) {
            sealed.add(t.hash());
        }
        lastSealedTxs = sealed;
        lastBlockHash = hash;
        learnBlockTime();
        blocksCommitted.incrementAndGet();
        exitGate();
        syncHeight(c);
    }

    // ---- VIEW-CHANGE / NEW-VIEW

    /**
     * The configured view timeout, stretched to a few recent block times: under load a block takes longer
     * to verify and execute, and a timeout shorter than that only replaces a slow leader by another slow one.
     */
    private long baseTimeoutNanos() {
        long configured = viewTimeoutNanos;
        long adaptive = Math.min(configured * MAX_ADAPTIVE_FACTOR, recentBlockNanos * TIMEOUT_PER_BLOCK_TIME);
        return Math.max(configured, adaptive);
    }

    private long timeoutNanos() {
        return baseTimeoutNanos() << Math.min(consecutiveViewChanges, MAX_TIMEOUT_SHIFT);
    }

    private void armTimer() {
        if (deadline == NONE) {
            deadline = System.nanoTime() + timeoutNanos();
            if (heightBusySince == NONE) {
                heightBusySince = System.nanoTime();
            }
        }
    }

    /** Learns the block time from blocks decided in their first view (a view change's wait is not block time). */
    private void learnBlockTime() {
        if (view != 0 || consecutiveViewChanges != 0 || heightBusySince == NONE) {
            return;
        }
        long took = System.nanoTime() - heightBusySince;
        recentBlockNanos = recentBlockNanos == 0 ? took : (recentBlockNanos * 3 + took) / 4;
        shownTimeoutNanos = baseTimeoutNanos();
    }

    private void startViewChange(Ctx c, long target) {
        if (!c.sealer) {
            return;
        }
        votes.refresh(c.storage);
        if (!votes.mayViewChange(height, target)) {
            return;
        }
        votes.recordViewChange(c.storage, height, target);
        exitGate(); // the block in progress is abandoned; what the pool holds stays there
        changingTo = target;
        consecutiveViewChanges++;
        deadline = System.nanoTime() + timeoutNanos();
        PreparedCert cert = votes.certAt(height);
        PbftMessage vc = PbftMessage.sign(c.id, PbftMessage.VIEW_CHANGE, c.chain.chainId, height, target,
                cert == null ? Hash.ZERO : cert.hash(), PreparedCert.encode(cert));
        LOG.log(Level.INFO, "pbft: asking for view " + target + " at height " + height
                + (cert == null ? "" : " with block " + cert.hash() + " prepared in view " + cert.view()));
        send(c, vc);
    }

    private void onViewChange(Ctx c, String peerId, PbftMessage m) {
        if (m.view() < view || (m.view() == view && !awaitingNewView)) {
            // The sender is behind in views: show it how this view was entered.
            PbftMessage nv = lastNewView;
            if (c.sealer && nv != null && nv.height() == height && nv.view() == view && !m.senderHex().equals(c.me)
                    && answerDue(peerId) && c.net != null) {
                c.net.send(peerId, TOPIC, nv.encode());
            }
            return;
        }
        Map<String, PbftMessage> known = viewChangeVotes.get(m.view());
        PbftMessage seen = known == null ? null : known.get(m.senderHex());
        if (seen != null && seen.blockHash().equals(m.blockHash())) {
            return; // a re-sent request: counted once, its certificate already checked
        }
        PreparedCert cert;
        try {
            cert = checkViewChange(c, m);
        } catch (IllegalArgumentException e) {
            penalise(c, peerId, m + ": " + e.getMessage()); // the checks depend on the message alone
            return;
        }
        Map<String, PbftMessage> forView = viewChangeVotes.computeIfAbsent(m.view(), v -> new HashMap<>());
        PbftMessage had = forView.get(m.senderHex());
        if (had != null) {
            if (!had.blockHash().equals(m.blockHash())) {
                equivocation(c, peerId, m, "view changes carrying " + had.blockHash() + " and " + m.blockHash());
            }
            return;
        }
        forView.put(m.senderHex(), m);
        trimViewChanges(m.senderHex());
        armTimer();
        // f + 1 sealers ask for later views: at least one is correct, so join the lowest of their views.
        if (c.sealer) {
            long current = Math.max(view, changingTo);
            Map<String, Long> highest = new HashMap<>();
            for (Map.Entry<Long, Map<String, PbftMessage>> e : viewChangeVotes.tailMap(current, false).entrySet()) {
                for (String s : e.getValue().keySet()) {
                    if (!s.equals(c.me)) {
                        highest.merge(s, e.getKey(), Math::max);
                    }
                }
            }
            if (highest.size() >= c.chain.f + 1 && c.chain.f > 0) {
                long join = highest.values().stream().sorted(Comparator.reverseOrder()).skip(c.chain.f).findFirst()
                        .orElseThrow();
                if (join > current) {
                    startViewChange(c, join);
                }
            }
        }
        checkViewChangeQuorum(c, m.view());
        if (cert != null) {
            LOG.log(Level.DEBUG, () -> "pbft: " + m + " carries a certificate from view " + cert.view());
        }
    }

    /** Validates a VIEW-CHANGE's certificate; returns it, or null when it carries none. */
    private PreparedCert checkViewChange(Ctx c, PbftMessage m) {
        PreparedCert cert = PreparedCert.decode(m.body(), m.blockHash(), c.chain.n());
        if (cert == null) {
            if (!m.blockHash().equals(Hash.ZERO)) {
                throw new IllegalArgumentException("names block " + m.blockHash() + " without a certificate");
            }
            return null;
        }
        if (cert.view() >= m.view()) {
            throw new IllegalArgumentException("certificate of view " + cert.view() + " is not before view " + m.view());
        }
        Decoder d = new Decoder(cert.block(), "certified block");
        BlockHeader header = BlockHeader.decode(d.bytes(1 << 20, "header"));
        if (header.number() != m.height() || !Hash.of(c.suite.hash(header.encode())).equals(m.blockHash())) {
            throw new IllegalArgumentException("the certified block is not block " + m.blockHash() + " at height " + m.height());
        }
        if (!cert.valid(c.suite, c.chain.chainId, m.height(), c.chain.sealers, c.chain.quorum)) {
            throw new IllegalArgumentException("the prepared certificate lacks a quorum of valid prepares");
        }
        return cert;
    }

    private void trimViewChanges(String sender) {
        int seen = 0;
        for (Iterator<Map.Entry<Long, Map<String, PbftMessage>>> it = viewChangeVotes.descendingMap().entrySet().iterator();
                it.hasNext();) {
            Map<String, PbftMessage> m = it.next().getValue();
            if (m.containsKey(sender) && ++seen > VIEW_CHANGE_TARGETS_PER_SENDER) {
                m.remove(sender);
                if (m.isEmpty()) {
                    it.remove();
                }
            }
        }
    }

    private void checkViewChangeQuorum(Ctx c, long target) {
        Map<String, PbftMessage> vcs = viewChangeVotes.get(target);
        if (vcs == null || vcs.size() < c.chain.quorum || !ahead(target) || (target == view && awaitingNewView
                && !c.me.equals(c.chain.leader(height, target)))) {
            return;
        }
        if (c.sealer && c.me.equals(c.chain.leader(height, target))) {
            if (votes.height == height && votes.votedView > target) {
                return; // this node has moved past that view: leading it now would stall the others
            }
            List<PbftMessage> chosen = new ArrayList<>(vcs.values());
            chosen.sort(Comparator.comparing(PbftMessage::senderHex));
            chosen = chosen.subList(0, c.chain.quorum);
            PreparedCert cert = highest(c, chosen);
            Encoder e = new Encoder().u32(chosen.size());
            for (PbftMessage vc : chosen) {
                e.bytes(vc.encode());
            }
            PbftMessage nv = PbftMessage.sign(c.id, PbftMessage.NEW_VIEW, c.chain.chainId, height, target,
                    cert == null ? Hash.ZERO : cert.hash(), e.toByteArray());
            send(c, nv);
        } else if (target > view) {
            view = target;
            awaitingNewView = true;
            changingTo = -1;
            deadline = System.nanoTime() + timeoutNanos();
        }
    }

    private PreparedCert highest(Ctx c, List<PbftMessage> vcs) {
        PreparedCert best = null;
        for (PbftMessage vc : vcs) {
            PreparedCert cert = checkViewChange(c, vc);
            if (cert != null && (best == null || cert.view() > best.view()
                    || (cert.view() == best.view() && cert.hash().compareTo(best.hash()) < 0))) {
                best = cert;
            }
        }
        return best;
    }

    private void onNewView(Ctx c, String peerId, PbftMessage m) {
        if (!ahead(m.view())) {
            return;
        }
        if (!m.senderHex().equals(c.chain.leader(height, m.view()))) {
            penalise(c, peerId, m + ": the sender is not the leader of view " + m.view());
            return;
        }
        PreparedCert cert;
        try {
            Decoder d = new Decoder(m.body(), "new view");
            int k = d.u32("view change count");
            if (k < c.chain.quorum || k > c.chain.n()) {
                throw new MalformedDataException("new view: " + k + " view changes, need " + c.chain.quorum);
            }
            List<PbftMessage> vcs = new ArrayList<>(k);
            Set<String> senders = new HashSet<>();
            for (int i = 0; i < k; i++) {
                PbftMessage vc = PbftMessage.decode(d.bytes(PbftMessage.MAX_BODY, "view change " + i));
                if (vc.type() != PbftMessage.VIEW_CHANGE || vc.chainId() != c.chain.chainId || vc.height() != height
                        || vc.view() != m.view() || !c.chain.sealerSet.contains(vc.senderHex())
                        || !senders.add(vc.senderHex()) || !vc.verify(c.suite)) {
                    throw new IllegalArgumentException("view change " + i + " is not a valid, distinct vote for view " + m.view());
                }
                vcs.add(vc);
            }
            d.end();
            cert = highest(c, vcs);
            if (!(cert == null ? Hash.ZERO : cert.hash()).equals(m.blockHash())) {
                throw new IllegalArgumentException("names " + m.blockHash() + " but the highest prepared block is "
                        + (cert == null ? "none" : cert.hash()));
            }
        } catch (IllegalArgumentException e) {
            penalise(c, peerId, m + ": " + e.getMessage()); // the checks depend on the message alone
            return;
        }
        if (c.sealer && votes.height == height && votes.votedView > m.view()) {
            return; // this node has moved past that view
        }
        enterView(c, m, cert);
    }

    private void enterView(Ctx c, PbftMessage newView, PreparedCert cert) {
        exitGate(); // a block of an earlier view may still commit: commit() enters again
        view = newView.view();
        awaitingNewView = false;
        changingTo = -1;
        required = cert;
        lastNewView = newView;
        viewChanges.incrementAndGet();
        deadline = System.nanoTime() + timeoutNanos();
        viewChangeVotes.headMap(view, true).clear();
        roundsByView.headMap(view, false).values().removeIf(Round::idle);
        forgetOwnBefore(view);
        LOG.log(Level.INFO, "pbft: entered view " + view + " at height " + height + ", leader "
                + c.chain.leader(height, view) + (cert == null ? "" : ", re-proposing " + cert.hash()));
        replay(c);
    }

    // ---- the leader

    private void maybePropose(Ctx c) {
        Round r = round(view);
        if (r.proposalHash != null) {
            return;
        }
        byte[] repeat = null;
        if (required != null) {
            repeat = required.block();
        } else if (votes.height == height && votes.prepareView == view && votes.prepareBlock != null) {
            repeat = votes.prepareBlock; // proposed before a restart: the same block again, never another
        }
        if (repeat != null) {
            if (!enterGate()) {
                return;
            }
            Hash hash = Hash.of(c.suite.hash(BlockHeader.decode(new Decoder(repeat, "block").bytes(1 << 20, "header")).encode()));
            ExecutedBlock executed = validateProposal(c, hash, repeat, null);
            propose(c, r, executed, hash, repeat);
            return;
        }
        long now = System.nanoTime();
        int waiting = c.pool.size();
        if (waiting == 0) {
            firstWaitingAt = NONE;
        } else if (firstWaitingAt == NONE) {
            firstWaitingAt = now;
        }
        int max = blockTxs;
        boolean aged = waiting > 0 && now - firstWaitingAt >= intervalNanos;
        boolean emptyDue = emptyBlocks && now - lastProposalAt >= intervalNanos;
        if (waiting < max && !aged && !emptyDue) {
            return;
        }
        List<VerifiedTransaction> txs = withoutLastSealed(c.pool.pending(max));
        if ((txs.size() < max && !aged && !emptyDue) || (txs.isEmpty() && !emptyDue)) {
            return;
        }
        if (!enterGate()) {
            return;
        }
        BlockHeader parent = c.store.header(height - 1).orElseThrow(
                () -> new IllegalStateException("the block store has no header for block " + (height - 1)));
        int limit = c.net == null ? Integer.MAX_VALUE : c.net.maxPayload() - 4096;
        while (true) {
            long timestamp = Math.max(System.currentTimeMillis(), parent.timestamp());
            ExecutedBlock executed = c.exec.execute(parent, timestamp, c.id.publicKey(), txs);
            Encoder e = new Encoder(1024 + txs.size() * 256).bytes(executed.header().encode()).u32(txs.size());
            for (VerifiedTransaction t : txs) {
                e.bytes(t.encoded());
            }
            byte[] block = e.u32(0).toByteArray();
            if (block.length + 256 > limit && txs.size() > 1) {
                txs = txs.subList(0, txs.size() / 2); // too big for one message
                continue;
            }
            propose(c, r, executed, Hash.of(c.suite.hash(executed.header().encode())), block);
            return;
        }
    }

    private void propose(Ctx c, Round r, ExecutedBlock executed, Hash hash, byte[] block) {
        if (!votes.mayPrepare(height, view, hash)) {
            LOG.log(Level.WARNING, "pbft: not proposing " + hash + " at height " + height + " view " + view
                    + ": this node already proposed another block there");
            exitGateIfIdle();
            return;
        }
        votes.recordPrepare(c.storage, height, view, hash, block);
        r.proposalHash = hash;
        r.proposalBlock = block;
        r.executed = executed;
        r.prepareSent = true;
        lastProposalAt = System.nanoTime();
        firstWaitingAt = NONE;
        armTimer();
        send(c, PbftMessage.sign(c.id, PbftMessage.PRE_PREPARE, c.chain.chainId, height, view, hash, block));
        send(c, PbftMessage.sign(c.id, PbftMessage.PREPARE, c.chain.chainId, height, view, hash, new byte[0]));
    }

    /** Leaves out the transactions of the block just committed, in case the pool has not heard of it yet. */
    private List<VerifiedTransaction> withoutLastSealed(List<VerifiedTransaction> txs) {
        Set<Hash> last = lastSealedTxs;
        if (last.isEmpty()) {
            return txs;
        }
        List<VerifiedTransaction> out = new ArrayList<>(txs.size());
        for (VerifiedTransaction t : txs) {
            if (!last.contains(t.hash())) {
                out.add(t);
            }
        }
        if (out.size() == txs.size()) {
            lastSealedTxs = Set.of();
        }
        return out;
    }

    /** Whether the pool holds a transaction that could go into the next block: work the leader owes. */
    private boolean hasRunnable(TxPool pool) {
        if (pool.size() == 0) {
            return false;
        }
        for (VerifiedTransaction t : pool.pending(1)) {
            if (!lastSealedTxs.contains(t.hash())) {
                return true;
            }
        }
        return false;
    }

    // ---- catching up one block: FETCH / DECIDED

    private boolean answerDue(String peerId) {
        long now = System.nanoTime();
        Long last = lastAnswerAt.get(peerId);
        if (last != null && now - last < FETCH_EVERY_NANOS) {
            return false;
        }
        lastAnswerAt.put(peerId, now);
        return true;
    }

    private void answerFetch(Ctx c, String peerId, long number) {
        if (!c.sealer || c.net == null || number < 1 || number > c.store.height() || !answerDue(peerId)) {
            return;
        }
        DecidedAnswer cached = decidedAnswers.get(number);
        byte[] signer = c.id.publicKey();
        byte[] answer = cached != null && Arrays.equals(cached.signer(), signer) ? cached.encoded() : null;
        if (answer == null) {
            Optional<Block> b = c.store.block(number);
            Optional<Hash> h = c.store.hash(number);
            if (b.isEmpty() || h.isEmpty()) {
                return;
            }
            answer = PbftMessage.sign(c.id, PbftMessage.DECIDED, c.chain.chainId, number, 0, h.get(), b.get().encode())
                    .encode();
            decidedAnswers.put(number, new DecidedAnswer(signer, answer));
        }
        c.net.send(peerId, TOPIC, answer);
    }

    private void maybeFetch(Ctx c, String peerId) {
        long now = System.nanoTime();
        if (c.sealer && c.net != null && now - lastFetchAt >= FETCH_EVERY_NANOS) {
            lastFetchAt = now;
            c.net.send(peerId, TOPIC, PbftMessage.sign(c.id, PbftMessage.FETCH, c.chain.chainId, height, 0, Hash.ZERO,
                    new byte[0]).encode());
        }
    }

    private void onDecided(Ctx c, String peerId, PbftMessage m) {
        Block block;
        try {
            block = Block.decode(m.body());
            if (!Hash.of(c.suite.hash(block.header().encode())).equals(m.blockHash())) {
                throw new IllegalArgumentException("the block is not " + m.blockHash());
            }
            if (!Seals.isFinal(m.blockHash(), block.seals(), c.chain.sealers, c.suite)) {
                throw new IllegalArgumentException("the block lacks a quorum of valid seals");
            }
        } catch (IllegalArgumentException e) {
            penalise(c, peerId, m + ": " + e.getMessage()); // not the block it names, or not final: no honest answer
            return;
        }
        if (!enterGate()) {
            return;
        }
        ExecutedBlock executed = null;
        for (Round r : roundsByView.values()) {
            if (m.blockHash().equals(r.proposalHash) && r.executed != null) {
                executed = r.executed;
            }
        }
        try {
            if (executed == null) {
                List<byte[]> raw = new ArrayList<>(block.transactions().size());
                for (Transaction t : block.transactions()) {
                    raw.add(t.encode());
                }
                executed = execute(c, block.header(), raw, null);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            reject(peerId, m + ": " + e.getMessage()); // final, yet it does not run here: not the peer's fault
            exitGateIfIdle();
            return;
        }
        commit(c, executed, m.blockHash(), block.seals());
    }

    // ---- heights, buffering, ticks

    /** Moves to head + 1, view 0 when the head advanced (this engine's commit, or sync's). */
    private void syncHeight(Ctx c) {
        long next = c.store.height() + 1;
        if (next == height || next < 1) {
            return;
        }
        exitGate();
        for (Round r : roundsByView.values()) {
            r.done = true; // frames up the stack may still hold it
        }
        height = next;
        view = 0;
        changingTo = -1;
        awaitingNewView = false;
        required = null;
        lastNewView = null;
        roundsByView.clear();
        viewChangeVotes.clear();
        gated.clear();
        deadline = NONE;
        consecutiveViewChanges = 0;
        own.clear();
        heightBusySince = NONE;
        if (c.storage != null) {
            votes.refresh(c.storage);
        }
        if (votes.height == height) {
            // Restarted (or swapped in) mid-height: resume where this node's votes left it.
            view = Math.max(0, Math.max(votes.prepareView, votes.commitView));
            if (votes.votedView > view) {
                consecutiveViewChanges = (int) Math.min(MAX_TIMEOUT_SHIFT, votes.votedView - view - 1);
                startViewChange(c, votes.votedView);
            }
        }
        replay(c);
    }

    private void buffer(String peerId, PbftMessage m) {
        ArrayDeque<Buffered> q = future.computeIfAbsent(m.senderHex(), k -> new ArrayDeque<>());
        if (q.size() >= BUFFER_PER_SENDER) {
            q.pollFirst();
            dropped.incrementAndGet();
        }
        q.addLast(new Buffered(peerId, m));
    }

    private void replay(Ctx c) {
        if (future.isEmpty()) {
            return;
        }
        List<Buffered> all = new ArrayList<>();
        for (ArrayDeque<Buffered> q : future.values()) {
            all.addAll(q);
        }
        future.clear();
        long h = height;
        for (Buffered b : all) {
            if (b.message.height() >= h && height == h) {
                dispatch(c, b.peerId, b.message);
            } else if (b.message.height() > height) {
                buffer(b.peerId, b.message);
            }
        }
    }

    private void tick() {
        Ctx c = ctx();
        if (c == null) {
            return;
        }
        syncHeight(c);
        if (height < 1) {
            return;
        }
        if (!gated.isEmpty() && enterGate()) {
            List<Buffered> again = new ArrayList<>(gated);
            gated.clear();
            for (Buffered b : again) {
                dispatch(c, b.peerId, b.message);
            }
            exitGateIfIdle();
        }
        for (Round r : new ArrayList<>(roundsByView.values())) {
            if (height == c.store.height() + 1) {
                checkCommitted(c, r); // a commit the gate held back
            }
        }
        if (c.sealer && mayVote(c, view) && c.me.equals(c.chain.leader(height, view))) {
            maybePropose(c);
        }
        resendOwn(c);
        long now = System.nanoTime();
        if (deadline == NONE && c.sealer && (emptyBlocks || changingTo >= 0 || awaitingNewView
                || hasRunnable(c.pool))) {
            armTimer();
        }
        if (deadline != NONE && now - deadline >= 0) {
            if (c.sealer) {
                startViewChange(c, Math.max(view, changingTo) + 1);
            } else {
                deadline = NONE;
            }
        }
        shownHeight = height;
        shownView = view;
        shownChanging = changingTo >= 0 || awaitingNewView;
    }

    private void send(Ctx c, PbftMessage m) {
        if (c.sealer && m.height() == height) {
            OwnMessage o = new OwnMessage(m, m.encode());
            remember(o);
            broadcast(c, o);
        }
        dispatch(c, c.me, m); // one's own vote counts too
    }

    private void broadcast(Ctx c, OwnMessage o) {
        Network net = c.net;
        o.sentAt = System.nanoTime();
        o.via = net;
        o.reached = net == null ? 0 : net.broadcast(TOPIC, o.encoded);
    }

    private void remember(OwnMessage o) {
        int type = o.message.type();
        if (type == PbftMessage.VIEW_CHANGE || type == PbftMessage.NEW_VIEW) {
            own.removeIf(p -> p.message.type() == type); // only the latest request for a view matters
        }
        own.add(o);
        if (own.size() > MAX_OWN_MESSAGES) {
            own.remove(0);
        }
    }

    /** Forgets own messages a new view made useless; COMMITs of earlier views stay (their block may still commit). */
    private void forgetOwnBefore(long v) {
        own.removeIf(o -> o.message.view() < v && o.message.type() != PbftMessage.COMMIT
                || o.message.type() == PbftMessage.VIEW_CHANGE && o.message.view() <= v);
    }

    /**
     * Sends this node's messages of the unfinished height again: at once when a broadcast missed peers that
     * are connected now (or went out through a network engine since replaced), and every quarter view
     * timeout in any case (a message may be lost on the way). The height moving on ends it.
     */
    private void resendOwn(Ctx c) {
        Network net = c.net;
        if (own.isEmpty() || net == null || !c.sealer) {
            return;
        }
        long now = System.nanoTime();
        int connected = -1;
        long every = Math.max(TimeUnit.MILLISECONDS.toNanos(20), timeoutNanos() / 4);
        Round current = roundsByView.get(view);
        boolean mayCheckReach = now - lastReachCheckAt >= REACH_CHECK_NANOS;
        for (OwnMessage o : own) {
            boolean due = now - o.sentAt >= every;
            if (due && o.message.type() == PbftMessage.PRE_PREPARE && current != null && current.prepared
                    && o.message.view() == view) {
                due = false; // a quorum holds the block: a straggler gets it by FETCH, not another full copy
            }
            if (!due && mayCheckReach && (o.via != net || o.reached < c.chain.n() - 1)) {
                if (connected < 0) {
                    lastReachCheckAt = now;
                    connected = connectedPeers(net);
                }
                due = o.via != net ? connected > 0 : connected > o.reached;
            }
            if (due) {
                resent.incrementAndGet();
                broadcast(c, o);
            }
        }
    }

    private static int connectedPeers(Network net) {
        int n = 0;
        for (Network.Peer p : net.peers()) {
            if (p.connected()) {
                n++;
            }
        }
        return n;
    }

    // ---- the pipeline gate: held from the first execution of a block until it commits or is abandoned

    private boolean enterGate() {
        if (insideGate) {
            return true;
        }
        PipelineGate g = gate;
        if (g != null && !g.tryEnter()) {
            return false;
        }
        insideGate = true;
        enteredGate = g;
        return true;
    }

    private void exitGate() {
        if (insideGate) {
            insideGate = false;
            PipelineGate g = enteredGate;
            enteredGate = null;
            if (g != null) {
                g.exit();
            }
        }
    }

    private void exitGateIfIdle() {
        Round r = roundsByView.get(view);
        if (r == null || r.executed == null) {
            exitGate();
        }
    }

    @Deactivate
    void deactivate() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                LOG.log(Level.WARNING, "pbft: the event thread did not stop within 30 s; interrupting it");
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        verifiers.shutdownNow();
        inbox.clear();
    }

    Thread eventThread() {
        return thread;
    }

    long rounds() {
        return rounds.get();
    }

    // ---- Consensus

    @Override
    public String engine() {
        return "pbft";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        Chain c = shownChain;
        NodeIdentity id = identity;
        String me = id == null ? null : Bytes.toHex(id.publicKey());
        long h = shownHeight;
        long v = shownView;
        s.put("engine", "pbft");
        s.put("height", h);
        s.put("view", v);
        s.put("leader", c == null || h < 0 ? null : c.leader(h, v));
        s.put("sealers", c == null ? List.of() : c.sealers);
        s.put("f", c == null ? 0 : c.f);
        s.put("quorum", c == null ? 0 : c.quorum);
        s.put("role", c == null || me == null ? "unknown" : c.sealerSet.contains(me) ? "sealer" : "observer");
        s.put("viewChanging", shownChanging);
        Hash last = lastBlockHash;
        s.put("lastBlockHash", last == null ? null : last.toHex());
        s.put("blocksCommitted", blocksCommitted.get());
        s.put("viewChanges", viewChanges.get());
        s.put("equivocationsSeen", equivocations.get());
        s.put("messagesRejected", rejected.get());
        s.put("messagesDropped", dropped.get());
        s.put("lastRejection", lastRejection);
        s.put("failures", failures.get());
        s.put("blockTxs", blockTxs);
        s.put("intervalMs", TimeUnit.NANOSECONDS.toMillis(intervalNanos));
        s.put("viewTimeoutMs", TimeUnit.NANOSECONDS.toMillis(viewTimeoutNanos));
        s.put("viewTimeoutNowMs", TimeUnit.NANOSECONDS.toMillis(Math.max(viewTimeoutNanos, shownTimeoutNanos)));
        s.put("messagesResent", resent.get());
        s.put("emptyBlocks", emptyBlocks);
        s.put("penaltyMs", penaltyMs);
        s.put("peersDisconnected", disconnects.get());
        s.put("messagesIgnored", ignored.get());
        s.put("penalisedPeers", penalisedPeers());
        return s;
    }

    /** The peers whose messages are ignored now: peer, reason, sinceMillis, untilMillis. */
    private List<Map<String, Object>> penalisedPeers() {
        long now = System.currentTimeMillis();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Penalty> e : penalised.entrySet()) {
            Penalty p = e.getValue();
            if (now < p.untilMillis()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("peer", e.getKey());
                m.put("reason", p.reason());
                m.put("sinceMillis", p.sinceMillis());
                m.put("untilMillis", p.untilMillis());
                out.add(m);
            }
        }
        return out;
    }

    @Override
    public Health health() {
        List<String> missing = new ArrayList<>();
        if (txPool == null) missing.add("txpool");
        if (executor == null) missing.add("executor");
        if (blockStore == null) missing.add("block store");
        if (identity == null) missing.add("node identity");
        if (network == null) missing.add("network");
        if (storage == null) missing.add("storage");
        if (!missing.isEmpty()) {
            return Health.notReady("waiting for " + String.join(", ", missing));
        }
        Chain c = shownChain;
        if (c == null) {
            return Health.notReady("no genesis block with sealers yet");
        }
        boolean sealer = c.sealerSet.contains(Bytes.toHex(identity.publicKey()));
        int bad = penalisedPeers().size();
        return Health.ready((sealer ? "sealer" : "observer") + " at height " + shownHeight + ", view " + shownView
                + " of " + c.n() + " sealers" + (bad == 0 ? "" : "; " + bad + " peer(s) penalised for invalid messages"));
    }
}
