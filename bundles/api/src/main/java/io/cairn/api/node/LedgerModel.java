package io.cairn.api.node;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import java.math.BigInteger;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The ledger model: the state layout and transaction rules of a chain (account, UTXO, ...). It is
 * deterministic: the same transactions on the same state give the same receipts, writes and root.
 */
@ProviderType
public interface LedgerModel extends Component {
    /** {@code account}, {@code utxo}, ...; must match the genesis {@code ledger}. */
    String model();

    /** The initial state of a chain. */
    StateTransition genesis(Genesis genesis);

    /** Runs a block's transactions, in order, on the parent state. */
    StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent);

    /**
     * Admission rules checked by the pool: the nonce is not below the account's, and the sender can pay.
     *
     * @param expectedNonce the next nonce counting transactions already pending for the sender
     */
    void admit(VerifiedTransaction tx, StateView state, long expectedNonce) throws TxRejectedException;

    long nonce(StateView state, Address account);

    BigInteger balance(StateView state, Address account);

    /** The root committed to by the header, recomputed from the stored accumulator. */
    Hash stateRoot(StateView state);
}
