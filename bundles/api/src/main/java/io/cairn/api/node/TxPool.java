package io.cairn.api.node;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Pending;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The txpool component: admits transactions once (signatures checked once) and feeds the sealer. It orders and
 * de-conflicts by the keys the ledger model says each transaction consumes and produces ({@link LedgerModel#claims})
 * and knows no model; as a {@link Pending} it tells models and their queries which pending transaction produces
 * or consumes a key.
 */
@ProviderType
public interface TxPool extends Component, Pending {
    /** Decodes, verifies and admits an encoded transaction; returns it with its hash. */
    VerifiedTransaction submit(byte[] encoded) throws TxRejectedException;

    /**
     * Starts what the ledger model can check of these transactions together before they are {@link #submit submitted}
     * one by one ({@link LedgerModel#prepare}); returns without waiting. Bytes that do not decode are left to
     * {@code submit}, which names what is wrong. Does nothing by default.
     */
    default void prepare(java.util.List<byte[]> encoded) {}

    /**
     * Up to {@code max} transactions that can run next, in an order they can run in: every key a transaction
     * consumes is available in the head's state or produced by a transaction before it in the list.
     */
    List<VerifiedTransaction> pending(int max);

    Optional<VerifiedTransaction> get(Hash txHash);

    int size();

    int capacity();

    /** For getPoolStatus. */
    PoolStatus status();
}
