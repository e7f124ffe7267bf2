package io.cairn.consensus.solo.internal;

import io.cairn.api.consensus.BlockTrigger;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 * Solo consensus: this node alone seals every block. The component owns the sealer thread and its wake-ups;
 * what a step does is {@link SoloSealer}'s. The references are dynamic and optional: while one is missing
 * (being swapped) the sealer waits, and the pool keeps what it accepted. Stop-first on upgrade: two solo
 * engines would seal the same height.
 */
@Designate(ocd = SoloConsensus.Config.class, factory = false)
@Component(service = Consensus.class, configurationPid = "io.cairn.consensus.solo", immediate = true,
        property = {"cairn.component=consensus", "cairn.engine=solo", "cairn.upgrade=stop-first"})
public final class SoloConsensus implements Consensus {

    @ObjectClassDefinition(name = "Cairn solo consensus", description = "One node seals every block")
    public @interface Config {
        @AttributeDefinition(description = "Seal as soon as this many transactions can run; also the most per block")
        int blockTxs() default 2000;

        @AttributeDefinition(description = "Seal fewer once the oldest waiting transaction has waited this long (ms)")
        long intervalMs() default 500;

        @AttributeDefinition(description = "Seal a block every intervalMs even with no transactions")
        boolean emptyBlocks() default false;
    }

    static final String THREAD_NAME = "solo-sealer";
    private static final System.Logger LOG = System.getLogger(SoloConsensus.class.getName());

    private volatile TxPool txPool;
    private volatile Executor executor;
    private volatile BlockStore blockStore;
    private volatile NodeIdentity identity;

    /** Closed by an upgrade at a block boundary; with no gate (no admin bundle) blocks are made freely. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PipelineGate gate;

    private final NodeThreads threads;
    private final SoloSealer sealer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean signalled; // guarded by lock
    private volatile boolean running = true;
    private volatile Thread thread;
    /** Sealer loop iterations, so tests can wait for rounds instead of sleeping. */
    private final AtomicLong rounds = new AtomicLong();

    @Activate
    public SoloConsensus(Config config, @Reference NodeThreads threads, @Reference Metrics metrics) {
        this(config, threads, metrics, NodeClock.SYSTEM);
    }

    SoloConsensus(Config config, NodeThreads threads, Metrics metrics, NodeClock clock) {
        this.threads = threads;
        this.sealer = new SoloSealer(clock, new BlockTrigger(checked(config).blockTxs(), config.intervalMs(),
                config.emptyBlocks(), clock.nanoTime()), metrics);
    }

    /** Starts the sealer once every reference the component had at activation is bound. */
    @Activate
    void start() {
        thread = threads.start(THREAD_NAME, this::run);
    }

    @Modified
    void modified(Config config) {
        checked(config);
        sealer.trigger().configure(config.blockTxs(), config.intervalMs(), config.emptyBlocks());
        signal();
    }

    private static Config checked(Config config) {
        if (config.blockTxs() < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.solo: blockTxs must be at least 1, got "
                    + config.blockTxs());
        }
        if (config.intervalMs() < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.solo: intervalMs must be at least 1, got "
                    + config.intervalMs());
        }
        return config;
    }

    // ---- references: a bind wakes the sealer; an unbind only clears the reference it was given

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTxPool(TxPool p) {
        txPool = p;
        signal();
    }

    synchronized void unbindTxPool(TxPool p) {
        if (txPool == p) {
            txPool = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindExecutor(Executor e) {
        executor = e;
        signal();
    }

    synchronized void unbindExecutor(Executor e) {
        if (executor == e) {
            executor = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBlockStore(BlockStore s) {
        blockStore = s;
        signal();
    }

    synchronized void unbindBlockStore(BlockStore s) {
        if (blockStore == s) {
            blockStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindIdentity(NodeIdentity i) {
        identity = i;
        signal();
    }

    synchronized void unbindIdentity(NodeIdentity i) {
        if (identity == i) {
            identity = null;
        }
    }

    SoloSealer.Parts parts() {
        return new SoloSealer.Parts(txPool, executor, blockStore, identity, gate);
    }

    // ---- the sealer thread

    private void run() {
        while (running) {
            rounds.incrementAndGet();
            long wait = sealer.step(parts());
            if (wait > 0) {
                await(wait);
            }
        }
    }

    private void await(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (running && !signalled && left > 0) {
                left = wake.awaitNanos(left);
            }
            signalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            signalled = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Deactivate
    void deactivate() {
        running = false;
        signal();
        Thread t = thread;
        if (t == null) {
            return;
        }
        try {
            // A block in the making is finished and committed, not torn: wait for it, within bounds.
            t.join(TimeUnit.SECONDS.toMillis(30));
            if (t.isAlive()) {
                LOG.log(Level.WARNING, "solo: the sealer did not stop within 30 s; interrupting it");
                t.interrupt();
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Thread sealerThread() {
        return thread;
    }

    long rounds() {
        return rounds.get();
    }

    SoloSealer sealer() {
        return sealer;
    }

    // ---- Consensus

    @Override
    public String engine() {
        return "solo";
    }

    @Override
    public ConsensusStatus status() {
        BlockStore store = blockStore;
        SoloSealer.LastBlock last = sealer.lastBlock();
        BlockTrigger t = sealer.trigger();
        long head = store == null ? (last == null ? -1 : last.number()) : store.height();
        return new ConsensusStatus("solo", head + 1, last == null ? null : last.hash(), last == null ? 0 : last.txs(),
                sealer.blocksSealed(), sealer.failures(), t.blockTxs(), t.intervalMs(), t.emptyBlocks(), null);
    }

    @Override
    public Health health() {
        List<String> missing = new ArrayList<>(4);
        if (txPool == null) {
            missing.add("txpool");
        }
        if (executor == null) {
            missing.add("executor");
        }
        BlockStore store = blockStore;
        if (store == null) {
            missing.add("block store");
        }
        NodeIdentity id = identity;
        if (id == null) {
            missing.add("node identity");
        }
        if (!missing.isEmpty()) {
            return Health.notReady("waiting for " + String.join(", ", missing));
        }
        String refusal = sealer.refusal(store, id);
        if (refusal != null) {
            return Health.notReady(refusal);
        }
        Thread t = thread;
        if (t == null || !t.isAlive()) {
            return Health.notReady("the sealer thread has stopped");
        }
        return Health.ready("sealing on block " + store.height() + ", " + sealer.blocksSealed() + " blocks sealed");
    }
}
