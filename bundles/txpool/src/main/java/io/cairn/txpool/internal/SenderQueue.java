package io.cairn.txpool.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Nonces;
import java.util.TreeMap;

/** One sender's pending transactions by nonce (unsigned order, {@link Nonces}); guarded by the pool lock. */
final class SenderQueue {
    final Address sender;
    final TreeMap<Long, PoolEntry> byNonce = new TreeMap<>(Nonces.ORDER);
    /** The account's nonce in the latest state the pool knows of: the first nonce that can run. */
    long stateNonce;
    /** The first nonce at or above {@link #stateNonce} that is not pending: what the sender should use next. */
    long contiguousNext;
    /** Scratch for {@code pending()}: the scan that last touched this sender and the nonce it needs next. */
    long scanEpoch;
    long scanNext;

    SenderQueue(Address sender, long stateNonce) {
        this.sender = sender;
        this.stateNonce = stateNonce;
        this.contiguousNext = stateNonce;
    }

    /** Recomputes {@link #contiguousNext} from the state nonce (after removals may have opened a hole). */
    void recount() {
        contiguousNext = stateNonce;
        advance();
    }

    /** Moves {@link #contiguousNext} past transactions that were added at it. */
    void advance() {
        contiguousNext = Nonces.max(contiguousNext, stateNonce);
        while (byNonce.containsKey(contiguousNext)) {
            contiguousNext++;
        }
    }

    /** The next nonce the pool expects of this sender, given its nonce in state now. */
    long expected(long base) {
        return Nonces.max(base, contiguousNext);
    }
}
