package io.cairn.consensus.solo.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.consensus.BlockTrigger;
import io.cairn.api.consensus.Sealing;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the solo sealer does on each look at the pool, with no thread of its own: inside the pipeline gate,
 * ask the {@link BlockTrigger} whether a block is due, build it on the head, seal it and commit it. A step that
 * fails (a component leaving mid-call) is counted and retried after a backoff. Owned by one thread.
 */
final class SoloSealer {
    /** The components of one step, read once so that a swap in the middle cannot mix providers. */
    record Parts(TxPool pool, Executor executor, BlockStore store, NodeIdentity identity, PipelineGate gate) {}

    /** The last block this sealer made. */
    record LastBlock(long number, Hash hash, int txs, long sealMs) {}

    private static final System.Logger LOG = System.getLogger(SoloSealer.class.getName());
    static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How soon to look again while an upgrade holds the gate: short, since the pause is what the upgrade measures. */
    static final long GATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 2000;

    private final NodeClock clock;
    private final BlockTrigger trigger;
    private final Metrics.Counter blocks;
    private final Metrics.Counter failureCount;
    private long backoffMs;
    private volatile LastBlock lastBlock;
    private volatile long blocksSealed;
    private volatile long failures;
    private volatile long gatedRounds;
    private volatile SealerCheck sealerCheck;

    /** Whether this node may seal the chain, decided once per block store and identity. */
    private record SealerCheck(BlockStore store, NodeIdentity identity, String refusal) {}

    SoloSealer(NodeClock clock, BlockTrigger trigger, Metrics metrics) {
        this.clock = clock;
        this.trigger = trigger;
        // The same families as every consensus engine's (docs/metrics.md): an engine replacing this one counts on.
        this.blocks = metrics.counter("consensus_blocks_committed", "Blocks consensus decided and committed");
        this.failureCount = metrics.counter("consensus_failures",
                "Consensus steps that failed on an exception and were retried");
    }

    /** One look; returns how long to wait before the next (0: look again at once). */
    long step(Parts parts) {
        try {
            long wait = gated(parts);
            backoffMs = 0;
            return wait;
        } catch (RuntimeException | LinkageError e) {
            // A provider failing or departing mid-call must not end sealing: retry after a backoff.
            failures++;
            failureCount.inc();
            backoffMs = backoffMs == 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            LOG.log(Level.WARNING, "solo: sealing a block failed; retrying in " + backoffMs + " ms", e);
            return TimeUnit.MILLISECONDS.toNanos(backoffMs);
        }
    }

    /**
     * Reading the head, taking transactions, executing and committing is one step that an upgrade must not cut in
     * two, so it runs inside the gate; the components are read afresh after the gate reopens.
     */
    private long gated(Parts parts) {
        PipelineGate g = parts.gate();
        if (g != null && !g.tryEnter()) {
            gatedRounds++;
            return GATE_NANOS; // the pool keeps what waits
        }
        try {
            return look(parts);
        } finally {
            if (g != null) {
                g.exit();
            }
        }
    }

    private long look(Parts p) {
        if (p.pool() == null || p.executor() == null || p.store() == null || p.identity() == null) {
            return IDLE_NANOS;
        }
        long height = p.store().height();
        if (height < 0 || refusal(p.store(), p.identity()) != null) {
            return IDLE_NANOS;
        }
        long now = clock.nanoTime();
        List<VerifiedTransaction> txs = trigger.due(p.pool(), now);
        if (txs == null) {
            return trigger.waitNanos();
        }
        seal(p, height, txs, now);
        return 0;
    }

    private void seal(Parts p, long height, List<VerifiedTransaction> txs, long started) {
        BlockHeader parent = p.store().header(height).orElseThrow(
                () -> new IllegalStateException("the block store has no header for its head block " + height));
        NodeIdentity id = p.identity();
        ExecutedBlock executed = Sealing.build(p.executor(), parent, id.publicKey(), txs, clock.millis());
        Hash hash = Sealing.hash(id.suite(), executed.header());
        p.store().commit(executed, List.of(Sealing.seal(id, hash)));
        long done = clock.nanoTime();
        // What is left keeps waiting since the pool was last empty: under steady load the next block is sealed
        // at once, its size whatever arrived meanwhile (restarting the wait idled the sealer an interval a block).
        trigger.made(txs, done, p.pool().size() == 0);
        lastBlock = new LastBlock(executed.header().number(), hash, txs.size(), TimeUnit.NANOSECONDS.toMillis(done - started));
        blocksSealed++;
        blocks.inc();
    }

    /** Null when this node may seal the chain, else why not. */
    String refusal(BlockStore store, NodeIdentity id) {
        SealerCheck c = sealerCheck;
        if (c != null && c.store == store && c.identity == id) {
            return c.refusal;
        }
        Optional<ChainSpec> spec = store.spec();
        if (spec.isEmpty()) {
            return "no genesis block yet";
        }
        ChainSpec chain = spec.get();
        String key = Bytes.toHex(id.publicKey());
        String refusal;
        if (!chain.usesSuite(id.suite())) {
            refusal = "the node key is a " + id.suite().name() + " key but " + chain + " uses " + chain.suite();
        } else if (chain.n() > 0 && !chain.isSealer(key)) {
            refusal = "this node (" + id.address() + ") is not a sealer of chain " + chain.chainIdText();
        } else {
            refusal = null; // a genesis that names no sealers leaves sealing to whichever single node runs solo
        }
        if (refusal != null && (c == null || !refusal.equals(c.refusal))) {
            LOG.log(Level.WARNING, "solo: not sealing: " + refusal);
        }
        sealerCheck = new SealerCheck(store, id, refusal);
        return refusal;
    }

    BlockTrigger trigger() {
        return trigger;
    }

    LastBlock lastBlock() {
        return lastBlock;
    }

    long blocksSealed() {
        return blocksSealed;
    }

    long failures() {
        return failures;
    }

    long gatedRounds() {
        return gatedRounds;
    }
}
