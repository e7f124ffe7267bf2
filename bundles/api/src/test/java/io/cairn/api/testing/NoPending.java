package io.cairn.api.testing;

import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import java.util.Optional;

/** For a test pool that tracks no keys: add it to the pool's implements list. */
public interface NoPending extends Pending {
    @Override
    default Optional<VerifiedTransaction> producer(LedgerKey key) {
        return Optional.empty();
    }

    @Override
    default Optional<VerifiedTransaction> consumer(LedgerKey key) {
        return Optional.empty();
    }
}
