package io.cairn.api.testing;

import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxRejectedException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A pool's pending view for ledger model tests: which pending transaction consumes and produces which key. */
public class MemoryPending implements Pending {
    public final Map<LedgerKey, VerifiedTransaction> consumers = new HashMap<>();
    public final Map<LedgerKey, VerifiedTransaction> producers = new HashMap<>();

    /** Adds {@code tx} with the keys {@code model} claims for it. */
    public MemoryPending add(LedgerModel model, VerifiedTransaction tx) {
        try {
            var claims = model.claims(tx);
            claims.consumes().forEach(k -> consumers.put(k, tx));
            claims.produces().forEach(k -> producers.put(k, tx));
        } catch (TxRejectedException e) {
            throw new AssertionError(e);
        }
        return this;
    }

    @Override
    public Optional<VerifiedTransaction> producer(LedgerKey key) {
        return Optional.ofNullable(producers.get(key));
    }

    @Override
    public Optional<VerifiedTransaction> consumer(LedgerKey key) {
        return Optional.ofNullable(consumers.get(key));
    }
}
