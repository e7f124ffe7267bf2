package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.POOL_FULL;

import io.cairn.api.node.TxRejectedException;

/**
 * Admission control for transactions submitted by clients: the pool takes new client transactions
 * only while what it holds is at most about {@code queueMs} of work at the rate the chain has recently
 * committed (never less than {@code floor}, never more than the capacity). Past that, clients get
 * POOL_FULL at once, before their signature is checked, and resend later: a node that accepted faster
 * than its chain commits would only lengthen every transaction's wait and, on a chain, spend its cores
 * verifying gossip instead of deciding blocks. Gossip from other nodes is still taken up to the
 * capacity, so that what another node accepted reaches the leader.
 *
 * <p>The rate is an exponentially weighted average over about {@link #TAU_SECONDS} seconds of the
 * transactions committed per second; idle time (no blocks) pulls it down, so after a pause the limit
 * starts again from the floor and grows with what the chain shows it can do.
 */
final class Admission {
    static final double TAU_SECONDS = 5.0;

    private final long queueMs;
    private final int floor;
    /** Written under this object's lock by {@link #committed}; read without it on every client submission. */
    private volatile double ratePerSecond;
    private long lastBlockNanos = Long.MIN_VALUE; // guarded by this

    Admission(long queueMs, int floor) {
        this.queueMs = queueMs;
        this.floor = floor;
    }

    /** A block with {@code txs} transactions was committed at {@code nowNanos}. */
    synchronized void committed(int txs, long nowNanos) {
        if (lastBlockNanos == Long.MIN_VALUE) {
            lastBlockNanos = nowNanos;
            return;
        }
        double dt = Math.max(1e-3, (nowNanos - lastBlockNanos) / 1e9);
        lastBlockNanos = nowNanos;
        double alpha = 1 - Math.exp(-dt / TAU_SECONDS);
        ratePerSecond += alpha * (txs / dt - ratePerSecond);
    }

    /** Transactions per second committed recently. */
    double rate() {
        return ratePerSecond;
    }

    /** How many pending transactions a client submission may find and still be admitted. */
    int limit(int capacity) {
        long byRate = (long) (rate() * queueMs / 1000.0);
        return (int) Math.min(capacity, Math.max(floor, byRate));
    }

    long queueMs() {
        return queueMs;
    }

    /**
     * Refuses a transaction that finds {@code pending} transactions waiting when {@code limit} may: the pool is
     * full (the limit is its capacity) or busy (admission control's limit for clients).
     */
    void checkRoom(int pending, int limit, int capacity) throws TxRejectedException {
        if (pending < limit) {
            return;
        }
        if (limit >= capacity) {
            throw new TxRejectedException(POOL_FULL, "pool full: " + pending + " of " + capacity);
        }
        // Words built without String.format: a busy node answers many of these, and each must cost little.
        throw new TxRejectedException(POOL_FULL, "pool busy: " + pending + " transactions pending, over " + queueMs
                + " ms of work at the " + Math.round(rate()) + " tx/s the chain recently committed (client limit "
                + limit + "); retry shortly");
    }
}
