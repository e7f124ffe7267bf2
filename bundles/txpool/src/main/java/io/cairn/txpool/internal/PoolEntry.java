package io.cairn.txpool.internal;

import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import java.util.List;

/**
 * A pending transaction with the keys its model says it consumes and produces, linked in arrival order. Every
 * field but {@code tx}, {@code claims} and {@code seq} is guarded by the pool lock.
 */
final class PoolEntry {
    final VerifiedTransaction tx;
    final List<LedgerKey> consumes;
    final List<LedgerKey> produces;
    /** Arrival sequence number: lower arrived earlier. */
    final long seq;
    /**
     * Per consumed key, whether the head's state holds it (as the model judged it last). A key a pending
     * transaction produces is reached through that producer instead; a key neither holds is waited for.
     */
    final boolean[] inState;
    /** The {@code pending()} scan that last took this entry. */
    long takenInScan;
    PoolEntry prev;
    PoolEntry next;
    boolean linked;

    PoolEntry(VerifiedTransaction tx, Claims claims, boolean[] inState, long seq) {
        this.tx = tx;
        this.consumes = claims.consumes();
        this.produces = claims.produces();
        this.inState = inState;
        this.seq = seq;
    }
}
