package io.cairn.txpool.internal;

import io.cairn.api.chain.VerifiedTransaction;

/** A pending transaction, linked in arrival order; the links are guarded by the pool lock. */
final class PoolEntry {
    final VerifiedTransaction tx;
    final SenderQueue queue;
    final long nonce;
    /** Arrival sequence number: lower arrived earlier. */
    final long seq;
    PoolEntry prev;
    PoolEntry next;
    boolean linked;

    PoolEntry(VerifiedTransaction tx, SenderQueue queue, long seq) {
        this.tx = tx;
        this.queue = queue;
        this.nonce = tx.nonce();
        this.seq = seq;
    }
}
