package io.cairn.api.ledger;

import io.cairn.api.chain.VerifiedTransaction;
import java.util.Optional;

/**
 * The pool's pending transactions as a ledger model sees them on admission and in its queries: which pending
 * transaction produces a key, and which consumes it. Implementations are thread-safe; what they answer may
 * change the moment after.
 */
public interface Pending {
    /** Nothing pending: the view of replay, tools and tests. */
    Pending NONE = new Pending() {
        @Override
        public Optional<VerifiedTransaction> producer(LedgerKey key) {
            return Optional.empty();
        }

        @Override
        public Optional<VerifiedTransaction> consumer(LedgerKey key) {
            return Optional.empty();
        }
    };

    /** The pending transaction that produces {@code key}, if any. */
    Optional<VerifiedTransaction> producer(LedgerKey key);

    /** The pending transaction that consumes {@code key}, if any. */
    Optional<VerifiedTransaction> consumer(LedgerKey key);
}
