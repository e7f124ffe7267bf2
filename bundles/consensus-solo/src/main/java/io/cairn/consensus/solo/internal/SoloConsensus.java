package io.cairn.consensus.solo.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * Solo consensus: this node alone seals every block. One sealer thread takes what the pool can run
 * next, has the executor build the block on the head, signs the block hash and commits it. The
 * references are dynamic and optional: while one is missing (being swapped) the sealer simply waits,
 * and the pool keeps what it accepted.
 */
@Designate(ocd = SoloConsensus.Config.class, factory = false)
@Component(service = Consensus.class, configurationPid = "io.cairn.consensus.solo", immediate = true,
        property = {"cairn.component=consensus", "cairn.engine=solo"})
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

    static final String THREAD_NAME = "cairn-solo-sealer";
    private static final System.Logger LOG = System.getLogger(SoloConsensus.class.getName());
    /** How often the pool's size is looked at: the cheap signal that a full block may be waiting. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2000;
    private static final long NONE = Long.MIN_VALUE;
    /** How soon to look again while an upgrade holds the gate: short, since the pause is what the upgrade measures. */
    private static final long GATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private volatile TxPool txPool;
    private volatile Executor executor;
    private volatile BlockStore blockStore;
    private volatile NodeIdentity identity;

    /** Closed by an upgrade at a block boundary; with no gate (no admin bundle) blocks are made freely. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PipelineGate gate;

    private volatile int blockTxs;
    private volatile long intervalNanos;
    private volatile boolean emptyBlocks;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean signalled; // guarded by lock
    private volatile boolean running = true;
    private final Thread sealer;

    private volatile LastBlock lastBlock;
    private volatile SealerCheck sealerCheck;
    private final AtomicLong blocksSealed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** Sealer loop iterations, so tests can wait for rounds instead of sleeping. */
    private final AtomicLong rounds = new AtomicLong();
    /** Rounds skipped because the gate was closed. */
    private final AtomicLong gatedRounds = new AtomicLong();

    // Owned by the sealer thread:
    private long firstWaitingAt = NONE;
    private long lastBlockAt = System.nanoTime();
    private Set<Hash> lastSealedTxs = Set.of();

    private record LastBlock(long number, Hash hash, int txs, long sealMs) {}

    /** Whether this node's key is a sealer of the chain, decided once per block store and identity. */
    private record SealerCheck(BlockStore store, NodeIdentity identity, String refusal) {}

    @Activate
    public SoloConsensus(Config config) {
        configure(config);
        sealer = new Thread(this::run, THREAD_NAME);
        sealer.setDaemon(true);
        sealer.setContextClassLoader(null);
        sealer.start();
    }

    @Modified
    void modified(Config config) {
        configure(config);
        signal();
    }

    private void configure(Config config) {
        if (config.blockTxs() < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.solo: blockTxs must be at least 1, got "
                    + config.blockTxs());
        }
        if (config.intervalMs() < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.solo: intervalMs must be at least 1, got "
                    + config.intervalMs());
        }
        blockTxs = config.blockTxs();
        intervalNanos = TimeUnit.MILLISECONDS.toNanos(config.intervalMs());
        emptyBlocks = config.emptyBlocks();
    }

    // ---- references: a bind wakes the sealer; an unbind only clears the reference it was given

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTxPool(TxPool p) {
        synchronized (this) {
            txPool = p;
        }
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
        synchronized (this) {
            executor = e;
        }
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
        synchronized (this) {
            blockStore = s;
        }
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
        synchronized (this) {
            identity = i;
        }
        signal();
    }

    synchronized void unbindIdentity(NodeIdentity i) {
        if (identity == i) {
            identity = null;
        }
    }

    // ---- the sealer

    private void run() {
        long backoffMs = 0;
        while (running) {
            rounds.incrementAndGet();
            long waitNanos;
            try {
                waitNanos = round();
                backoffMs = 0;
            } catch (RuntimeException | LinkageError e) {
                // A provider failing or departing mid-call must not end sealing: retry after a backoff.
                failures.incrementAndGet();
                backoffMs = backoffMs == 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                LOG.log(Level.WARNING, "solo: sealing a block failed; retrying in " + backoffMs + " ms", e);
                waitNanos = TimeUnit.MILLISECONDS.toNanos(backoffMs);
            }
            if (waitNanos > 0) {
                await(waitNanos);
            }
        }
    }

    /**
     * One look at the pool, inside the pipeline gate: reading the head, taking transactions, executing and
     * committing is one step that an upgrade must not cut in two, and the references are read afresh after
     * the gate reopens (an upgrade may have replaced any of them).
     */
    private long round() {
        PipelineGate g = gate;
        if (g != null && !g.tryEnter()) {
            gatedRounds.incrementAndGet();
            return GATE_NANOS; // the pool keeps what waits
        }
        try {
            return gatedRound();
        } finally {
            if (g != null) {
                g.exit();
            }
        }
    }

    /** Seals when due. Returns how long to wait before the next look. */
    private long gatedRound() {
        TxPool pool = txPool;
        Executor exec = executor;
        BlockStore store = blockStore;
        NodeIdentity id = identity;
        if (pool == null || exec == null || store == null || id == null) {
            return IDLE_NANOS;
        }
        long height = store.height();
        if (height < 0 || refusal(store, id) != null) {
            return IDLE_NANOS;
        }
        long now = System.nanoTime();
        int waiting = pool.size();
        if (waiting == 0) {
            firstWaitingAt = NONE;
        } else if (firstWaitingAt == NONE) {
            firstWaitingAt = now;
        }
        int max = blockTxs;
        long interval = intervalNanos;
        boolean aged = waiting > 0 && now - firstWaitingAt >= interval;
        boolean emptyDue = emptyBlocks && now - lastBlockAt >= interval;
        if (waiting < max && !aged && !emptyDue) {
            long due = waiting > 0 ? firstWaitingAt + interval - now : emptyBlocks ? lastBlockAt + interval - now : POLL_NANOS;
            return Math.max(1, Math.min(POLL_NANOS, due));
        }
        List<VerifiedTransaction> txs = withoutLastSealed(pool.pending(max));
        if (txs.size() < max && !aged && !emptyDue) {
            return POLL_NANOS; // some of what waits is not executable yet (nonce gaps)
        }
        if (txs.isEmpty() && !emptyDue) {
            return 4 * POLL_NANOS; // only gapped transactions wait: look less often
        }
        seal(pool, exec, store, id, height, txs);
        return 0;
    }

    private void seal(TxPool pool, Executor exec, BlockStore store, NodeIdentity id, long height,
            List<VerifiedTransaction> txs) {
        BlockHeader parent = store.header(height).orElseThrow(
                () -> new IllegalStateException("the block store has no header for its head block " + height));
        long started = System.nanoTime();
        byte[] publicKey = id.publicKey();
        // Timestamps never decrease, even if the wall clock steps back.
        long timestamp = Math.max(System.currentTimeMillis(), parent.timestamp());
        ExecutedBlock executed = exec.execute(parent, timestamp, publicKey, txs);
        byte[] blockHash = id.suite().hash(executed.header().encode());
        byte[] signature = id.sign(blockHash);
        byte[] seal = new byte[publicKey.length + signature.length];
        System.arraycopy(publicKey, 0, seal, 0, publicKey.length);
        System.arraycopy(signature, 0, seal, publicKey.length, signature.length);
        store.commit(executed, List.of(seal));
        long done = System.nanoTime();
        Set<Hash> sealed = new HashSet<>(txs.size() * 2);
        for (VerifiedTransaction t : txs) {
            sealed.add(t.hash());
        }
        lastSealedTxs = sealed;
        lastBlock = new LastBlock(executed.header().number(), Hash.of(blockHash), txs.size(),
                TimeUnit.NANOSECONDS.toMillis(done - started));
        blocksSealed.incrementAndGet();
        lastBlockAt = done;
        // What is left behind keeps waiting since the pool was last empty: under steady load the next block
        // is sealed at once, its size whatever arrived meanwhile. Restarting the wait here idled the sealer a
        // whole interval per block whenever the pool (under admission control) held less than blockTxs.
        if (pool.size() == 0) {
            firstWaitingAt = NONE;
        }
    }

    /**
     * Drops transactions of the block just sealed, in case the pool has not yet heard of the commit:
     * sealing one twice would make the next block fail.
     */
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
            lastSealedTxs = Set.of(); // the pool has caught up
        }
        return out;
    }

    /** Null when this node may seal the chain, else why not. */
    private String refusal(BlockStore store, NodeIdentity id) {
        SealerCheck c = sealerCheck;
        if (c != null && c.store == store && c.identity == id) {
            return c.refusal;
        }
        Optional<Genesis> genesis = store.genesis();
        if (genesis.isEmpty()) {
            return "no genesis block yet";
        }
        String key = Bytes.toHex(id.publicKey());
        List<String> sealers = genesis.get().sealers();
        // A genesis that names no sealers leaves sealing to whichever single node runs solo.
        String refusal = sealers.isEmpty() || sealers.stream().anyMatch(key::equalsIgnoreCase) ? null
                : "this node (" + id.address() + ") is not a sealer of chain " + genesis.get().chainId();
        if (refusal != null && (c == null || !refusal.equals(c.refusal))) {
            LOG.log(Level.WARNING, "solo: not sealing: " + refusal);
        }
        sealerCheck = new SealerCheck(store, id, refusal);
        return refusal;
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
        try {
            // A block in the making is finished and committed, not torn: wait for it.
            sealer.join(TimeUnit.SECONDS.toMillis(30));
            if (sealer.isAlive()) {
                LOG.log(Level.WARNING, "solo: the sealer did not stop within 30 s; interrupting it");
                sealer.interrupt();
                sealer.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Thread sealerThread() {
        return sealer;
    }

    long rounds() {
        return rounds.get();
    }

    long gatedRounds() {
        return gatedRounds.get();
    }

    // ---- Consensus

    @Override
    public String engine() {
        return "solo";
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        BlockStore store = blockStore;
        NodeIdentity id = identity;
        LastBlock last = lastBlock;
        s.put("engine", "solo");
        s.put("height", store == null ? (last == null ? -1L : last.number) : store.height());
        s.put("lastBlockHash", last == null ? null : last.hash.toHex());
        s.put("lastBlockTxs", last == null ? 0 : last.txs);
        s.put("lastSealMs", last == null ? 0L : last.sealMs);
        s.put("blocksSealed", blocksSealed.get());
        s.put("sealer", id == null ? null : id.address().toHex());
        s.put("failures", failures.get());
        s.put("blockTxs", blockTxs);
        s.put("intervalMs", TimeUnit.NANOSECONDS.toMillis(intervalNanos));
        s.put("emptyBlocks", emptyBlocks);
        return s;
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
        String refusal = refusal(store, id);
        if (refusal != null) {
            return Health.notReady(refusal);
        }
        if (!sealer.isAlive()) {
            return Health.notReady("the sealer thread has stopped");
        }
        return Health.ready("sealing on block " + store.height() + ", " + blocksSealed.get() + " blocks sealed");
    }
}
