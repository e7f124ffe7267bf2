package io.cairn.sync.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.HeadMovedException;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.sync.internal.BlockCheck.Checked;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The in-order apply step: checked blocks wait here by number; the block after the head is executed on the head
 * and committed when the executed header is the sealed one, byte for byte (its hash). A block that does not link
 * to the head or executes to another header is the sending peer's fault, reported to the sync loop. Consensus
 * may commit the same blocks meanwhile: a commit refused because the head moved just means someone else was
 * first; one refused because a component is away is tried again. Thread-safe: the loop adds, one thread applies.
 */
final class BlockImport {
    /** How long to wait when there is nothing to apply or a component is away. */
    static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How long to wait while an upgrade holds the pipeline. */
    static final long GATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ConcurrentSkipListMap<Long, Checked> ready = new ConcurrentSkipListMap<>();
    private final Signal arrived = new Signal();
    private final SyncCounters counters;
    private final Consumer<SyncEvent> loop;
    private final Runnable applied;

    /**
     * @param loop    where bad blocks are reported: the sync loop owns the peer table
     * @param applied told after each commit (the head moved)
     */
    BlockImport(SyncCounters counters, Consumer<SyncEvent> loop, Runnable applied) {
        this.counters = counters;
        this.loop = loop;
        this.applied = applied;
    }

    /** Takes the checked blocks above the head and wakes the applying thread; returns how many. */
    int offer(List<Checked> blocks, long head) {
        int added = 0;
        for (Checked c : blocks) {
            if (c.number() > head) {
                ready.put(c.number(), c);
                added++;
            }
        }
        if (added > 0) {
            arrived.set();
        }
        return added;
    }

    /** Makes the applying thread look now (the head moved, or it should stop). */
    void wake() {
        arrived.set();
    }

    /** The applying thread waits here for a block, at most {@code nanos}; false if interrupted. */
    boolean await(long nanos) {
        return arrived.await(nanos);
    }

    /** Drops what the chain already has (consensus may have committed it first). */
    void dropThrough(long head) {
        ready.headMap(head, true).clear();
    }

    /** Drops everything a peer sent: it proved to send bad blocks. */
    void dropFrom(String peerId) {
        ready.values().removeIf(c -> c.source().equals(peerId));
    }

    NavigableSet<Long> numbers() {
        return ready.keySet();
    }

    int size() {
        return ready.size();
    }

    /** Applies the block after the head if it has arrived; returns how long to wait before looking again. */
    long applyNext(BlockStore store, Executor exec, CryptoSuite suite, PipelineGate gate) {
        if (store == null || exec == null || suite == null) {
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
        if (gate != null && !gate.tryEnter()) {
            return GATE_NANOS; // an upgrade holds the pipeline at a block boundary; the block waits
        }
        try {
            return apply(store, exec, suite, head, next);
        } finally {
            if (gate != null) {
                gate.exit();
            }
        }
    }

    private long apply(BlockStore store, Executor exec, CryptoSuite suite, long head, Checked next) {
        BlockHeader parent = store.header(head).orElse(null);
        if (parent == null) {
            return IDLE_NANOS;
        }
        BlockHeader header = next.header();
        Hash parentHash = suite.digest(parent.encode());
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
        } catch (NotReadyException away) {
            return IDLE_NANOS;
        } catch (IllegalStateException e) {
            if (store.height() != head) {
                return 0; // consensus committed meanwhile: go on from the new head
            }
            throw e;
        }
        Hash got = suite.digest(executed.header().encode());
        if (!got.equals(next.hash())) {
            if (store.height() == head) {
                rejected(next, "executing block " + next.number() + " gives block hash " + got
                        + " (state root " + executed.header().stateRoot() + "), the sealed block is " + next.hash()
                        + " (state root " + header.stateRoot() + ")");
            }
            return 0;
        }
        try {
            store.commit(executed, next.seals());
        } catch (HeadMovedException first) {
            counters.committedByOthers.incrementAndGet();
            ready.remove(next.number(), next);
            return 0;
        } catch (NotReadyException away) {
            return IDLE_NANOS; // nothing was committed: the block waits for the store
        }
        ready.remove(next.number(), next);
        counters.applied();
        applied.run();
        return 0;
    }

    private void rejected(Checked block, String why) {
        counters.badBlock();
        ready.remove(block.number(), block);
        loop.accept(new SyncEvent.BadBlock(block.source(), why));
    }
}
