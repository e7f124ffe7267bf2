package io.cairn.api.consensus;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxPool;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * When the node that makes blocks (a solo sealer, a PBFT leader) makes the next one, and with which
 * transactions: as soon as {@code blockTxs} can run, or once the oldest waiting transaction has waited
 * {@code intervalMs}, or every {@code intervalMs} with no transactions when empty blocks are on. The
 * transactions of the block just made are left out until the pool has heard of its commit, so no block repeats
 * one. Owned by one thread; {@link #configure} may be called from another.
 */
public final class BlockTrigger {
    /** How often the pool is looked at while a block may soon be due. */
    public static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NONE = Long.MIN_VALUE;

    private volatile int blockTxs;
    private volatile long intervalNanos;
    private volatile boolean emptyBlocks;

    private long firstWaitingAt = NONE;
    private long lastBlockAt;
    private Set<Hash> lastSealed = Set.of();
    private long waitNanos;

    /** @param now the clock's nanoTime: empty blocks count their interval from here */
    public BlockTrigger(int blockTxs, long intervalMs, boolean emptyBlocks, long now) {
        configure(blockTxs, intervalMs, emptyBlocks);
        lastBlockAt = now;
    }

    /** New settings; the wait in progress is judged by them at the next look. */
    public void configure(int blockTxs, long intervalMs, boolean emptyBlocks) {
        if (blockTxs < 1) {
            throw new IllegalArgumentException("blockTxs must be at least 1, got " + blockTxs);
        }
        if (intervalMs < 1) {
            throw new IllegalArgumentException("intervalMs must be at least 1, got " + intervalMs);
        }
        this.blockTxs = blockTxs;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.emptyBlocks = emptyBlocks;
    }

    public int blockTxs() {
        return blockTxs;
    }

    public long intervalMs() {
        return TimeUnit.NANOSECONDS.toMillis(intervalNanos);
    }

    public boolean emptyBlocks() {
        return emptyBlocks;
    }

    /**
     * Looks at the pool: the transactions of the block due now (possibly none, for an empty block), or null when
     * no block is due; {@link #waitNanos()} then says how soon to look again.
     */
    public List<VerifiedTransaction> due(TxPool pool, long now) {
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
            long due = waiting > 0 ? firstWaitingAt + interval - now
                    : emptyBlocks ? lastBlockAt + interval - now : POLL_NANOS;
            waitNanos = Math.max(1, Math.min(POLL_NANOS, due));
            return null;
        }
        List<VerifiedTransaction> txs = candidates(pool, max);
        if (txs.size() < max && !aged && !emptyDue) {
            waitNanos = POLL_NANOS; // some of what waits cannot run yet (nonce gaps)
            return null;
        }
        if (txs.isEmpty() && !emptyDue) {
            waitNanos = 4 * POLL_NANOS; // only gapped transactions wait: look less often
            return null;
        }
        waitNanos = 0;
        return txs;
    }

    /** How long to wait before the next look, after {@link #due} returned null. */
    public long waitNanos() {
        return waitNanos;
    }

    /**
     * A block with {@code txs} was made at {@code now} by this node (a solo sealer makes and commits in one step).
     *
     * @param restartWait whether what is left in the pool starts waiting afresh; false keeps counting from when
     *                    the pool was last empty, so that under steady load the next block is made at once
     */
    public void made(List<VerifiedTransaction> txs, long now, boolean restartWait) {
        committed(txs, now);
        if (restartWait) {
            firstWaitingAt = NONE;
        }
    }

    /**
     * A block with {@code txs} was committed at {@code now}, whoever made it: its transactions are left out until
     * the pool has heard of it, and the empty-block interval counts from here.
     */
    public void committed(List<VerifiedTransaction> txs, long now) {
        Set<Hash> sealed = new HashSet<>(txs.size() * 2);
        for (VerifiedTransaction t : txs) {
            sealed.add(t.hash());
        }
        lastSealed = sealed;
        lastBlockAt = now;
    }

    /** This node proposed a block at {@code now} (it commits later, if agreed): what is left starts waiting afresh. */
    public void proposed(long now) {
        lastBlockAt = now;
        firstWaitingAt = NONE;
    }

    /** Whether the pool holds a transaction that could go into the next block: work the block maker owes. */
    public boolean hasRunnable(TxPool pool) {
        if (pool.size() == 0) {
            return false;
        }
        for (VerifiedTransaction t : pool.pending(1)) {
            if (!lastSealed.contains(t.hash())) {
                return true;
            }
        }
        return false;
    }

    /** Up to {@code max} transactions that can run next, without those of the block just made. */
    public List<VerifiedTransaction> candidates(TxPool pool, int max) {
        List<VerifiedTransaction> txs = pool.pending(max);
        Set<Hash> last = lastSealed;
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
            lastSealed = Set.of(); // the pool has caught up
        }
        return out;
    }
}
