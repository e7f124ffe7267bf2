package io.cairn.consensus.pbft.internal;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Component;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.NodeRecords;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
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
 * The PBFT consensus component: configuration, references, and the one event thread that feeds the protocol
 * ({@link PbftEngine}) with what the network queued and with ticks. The network thread only queues payloads.
 * Stop-first on upgrade: two instances would both hold this node's right to vote.
 */
@Designate(ocd = PbftConsensus.Config.class, factory = false)
@org.osgi.service.component.annotations.Component(service = {Consensus.class, MessageHandler.class},
        configurationPid = "io.cairn.consensus.pbft", immediate = true, property = {
            Component.COMPONENT + "=consensus", Component.ENGINE + "=pbft", MessageHandler.TOPIC + "=" + PbftEngine.TOPIC,
            Component.UPGRADE + "=" + Component.STOP_FIRST})
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
    }

    /** The event thread is {@code cairn-pbft}. */
    static final String THREAD_NAME = "pbft";
    private static final System.Logger LOG = System.getLogger(PbftConsensus.class.getName());
    private static final long TICK_MS = 5;
    private static final int INBOX = 8192;
    private static final int BATCH = 256;
    private static final long STOP_WAIT_MS = TimeUnit.SECONDS.toMillis(30);

    private record Inbound(String peerId, byte[] payload) {}

    // ---- references: dynamic, greedy, optional (a swap pauses the engine, never breaks it)
    private volatile TxPool txPool;
    private volatile Executor executor;
    private volatile BlockStore blockStore;
    private volatile NodeIdentity identity;
    private volatile Network network;
    private volatile PipelineGate gate;
    private final List<CryptoSuite> suites = new CopyOnWriteArrayList<>();

    private final NodeThreads threads;
    private final PbftEngine engine;
    private final BlockingQueue<Inbound> inbox = new ArrayBlockingQueue<>(INBOX);
    private volatile boolean running;
    private Thread thread;

    @Activate
    public PbftConsensus(Config config, @Reference(name = "metrics") Metrics metrics,
            @Reference(name = "threads") NodeThreads threads, @Reference(name = "reputation") PeerReputation reputation,
            @Reference(name = "records") NodeRecords records) {
        this(config, metrics, threads, reputation, records, NodeClock.SYSTEM);
    }

    PbftConsensus(Config config, Metrics metrics, NodeThreads threads, PeerReputation reputation, NodeRecords records,
            NodeClock clock) {
        this.threads = threads;
        this.engine = new PbftEngine(new Bound(metrics, threads, reputation, records, clock), settings(config));
    }

    private static Settings settings(Config c) {
        return new Settings(c.blockTxs(), c.intervalMs(), c.viewTimeoutMs(), c.emptyBlocks());
    }

    @Activate
    void activate() {
        running = true;
        thread = threads.start(THREAD_NAME, this::run);
    }

    @Modified
    void modified(Config config) {
        engine.configure(settings(config));
    }

    @Deactivate
    void deactivate() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(STOP_WAIT_MS);
                if (t.isAlive()) {
                    LOG.log(Level.WARNING, "pbft: the event thread did not stop within 30 s; interrupting it");
                    t.interrupt();
                    t.join(TimeUnit.SECONDS.toMillis(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        inbox.clear();
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

    /** Every suite: several may be registered, and the chain's is the one its genesis names. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindSuite(CryptoSuite s) { suites.add(s); }
    void unbindSuite(CryptoSuite s) { suites.remove(s); }

    /** The references and the node's services, as the engine reaches them. */
    private final class Bound implements Ports {
        private final Metrics metrics;
        private final NodeThreads nodeThreads;
        private final PeerReputation reputation;
        private final NodeRecords records;
        private final NodeClock clock;

        Bound(Metrics metrics, NodeThreads nodeThreads, PeerReputation reputation, NodeRecords records, NodeClock clock) {
            this.metrics = metrics;
            this.nodeThreads = nodeThreads;
            this.reputation = reputation;
            this.records = records;
            this.clock = clock;
        }

        @Override public BlockStore blockStore() { return blockStore; }
        @Override public Executor executor() { return executor; }
        @Override public TxPool txPool() { return txPool; }
        @Override public NodeIdentity identity() { return identity; }
        @Override public Network network() { return network; }
        @Override public PipelineGate gate() { return gate; }
        @Override public List<CryptoSuite> suites() { return suites; }
        @Override public NodeRecords records() { return records; }
        @Override public PeerReputation reputation() { return reputation; }
        @Override public NodeThreads threads() { return nodeThreads; }
        @Override public Metrics metrics() { return metrics; }
        @Override public NodeClock clock() { return clock; }
    }

    // ---- the network side: queue and return

    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        if (!PbftEngine.TOPIC.equals(topic) || payload == null || engine.ignoring(peerId)) {
            return; // a banned peer's flood never reaches the inbox
        }
        if (!inbox.offer(new Inbound(peerId, payload))) {
            engine.dropped(); // a flood must not block the network thread; view change recovers
        }
    }

    // ---- the event thread

    private void run() {
        long backoffMs = 0;
        try {
            while (running) {
                try {
                    Inbound in = inbox.poll(backoffMs > 0 ? backoffMs : TICK_MS, TimeUnit.MILLISECONDS);
                    int n = 0;
                    while (in != null && running) {
                        engine.onMessage(in.peerId(), in.payload());
                        in = ++n < BATCH ? inbox.poll() : null;
                    }
                    engine.onTick();
                    backoffMs = 0;
                } catch (InterruptedException e) {
                    break;
                } catch (RuntimeException | LinkageError e) {
                    // A provider failing or leaving mid-call must not end consensus.
                    engine.failed();
                    backoffMs = backoffMs == 0 ? 50 : Math.min(1000, backoffMs * 2);
                    LOG.log(Level.WARNING, "pbft: " + e.getMessage() + "; carrying on in " + backoffMs + " ms", e);
                }
            }
        } finally {
            engine.close();
        }
    }

    Thread eventThread() {
        return thread;
    }

    // ---- Consensus

    @Override
    public String engine() {
        return "pbft";
    }

    @Override
    public ConsensusStatus status() {
        return engine.status();
    }

    @Override
    public Health health() {
        return engine.health();
    }
}
