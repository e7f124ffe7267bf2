package io.cairn.api.node;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The ledger model: the state layout and transaction rules of a chain (account, UTXO, DAG, ...), the one place
 * that reads a transaction's body (docs/ledgers.md). The envelope (chain, ledger code, signers, signatures) is
 * checked before a model sees a transaction ({@link TransactionVerifier}); the model says which keys must have
 * signed, what the body means, what it consumes and produces (which the pool orders and de-conflicts by), how
 * it is admitted, what its receipt says, and how state is keyed and hashed into the state root. The pool,
 * consensus, sync, replay and RPC go through this contract and know no model. Deterministic: the same
 * transactions on the same state give the same receipts, writes and root.
 */
@ProviderType
public interface LedgerModel extends Component {
    /** {@code account}, {@code utxo}, {@code dag}; the genesis {@code ledger} names it. */
    String model();

    /** The ledger code this model's transactions carry ({@link Envelope#ledgerCode}). */
    default int code() {
        return Envelope.ledgerCode(model());
    }

    /** The initial state of a chain. */
    StateTransition genesis(Genesis genesis);

    /**
     * Runs a block's transactions, in order, on the parent state. A transaction the rules refuse either gets a
     * failed receipt or, where the model's rules say no block may hold it (a double spend), makes the whole block
     * invalid.
     *
     * @throws InvalidBlockException naming the transaction and the rule, when the block must be refused
     */
    StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent);

    // ---------------------------------------------------------------- the pool's contract

    /**
     * Decodes the body and checks all that needs no state: its shape, its values' ranges, the number of signers;
     * returns what the transaction consumes and produces. Called once per transaction by the pool (and for a
     * committed block's transactions), so a model should keep its decoding in {@link VerifiedTransaction#decoded}.
     *
     * @throws TxRejectedException MALFORMED, or the model's reason, naming what is wrong
     */
    Claims claims(VerifiedTransaction tx) throws TxRejectedException;

    /**
     * Whether {@code key}, which no pending transaction produces, can be consumed on {@code state}: true if it is
     * available now, false if it may become available later and a transaction consuming it may wait for it (an
     * account's nonce a little ahead).
     *
     * @param holdLimit how far ahead, in the model's own measure, a key may be and still be waited for
     * @throws TxRejectedException if it never can be (a nonce used, a coin spent or never made), naming why
     */
    boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) throws TxRejectedException;

    /** The refusal of {@code tx}, which consumes {@code key} that pending transaction {@code holder} consumes. */
    TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder);

    /**
     * Starts the checks that need no state for transactions about to be admitted one after another (a gossiped
     * batch, a client's batch), so that they run together; each one's {@link #claims} then waits for its own result.
     * Returns without waiting; does nothing by default. Their signatures may not be checked yet: a model keeps only
     * what holds whoever signed (a range proof's result, by the transaction's hash, which commits to the body).
     */
    default void prepare(List<VerifiedTransaction> txs) {}

    /** Whether {@link #prepare} does anything: when not, the pool does not decode transactions for it. */
    default boolean prepares() {
        return false;
    }

    /**
     * The rules that need state, checked on admission after the keys: the signers the transaction needs (a coin
     * is spent by its owner's signature), that the sender can pay, that inputs cover outputs.
     *
     * @param pending what the pool holds, for values produced by pending transactions
     */
    void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException;

    // ---------------------------------------------------------------- the users' surface

    /** The funds {@code account} holds in {@code state}. */
    BigInteger balance(StateView state, Address account);

    /**
     * The model's fields of a transaction for getTransaction and the shell ({@code nonce}, {@code to},
     * {@code value}; {@code inputs}, {@code outputs}), as JSON values ({@link LedgerQuery}).
     *
     * @throws TxRejectedException if the body does not decode
     */
    Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException;

    /** The JSON-RPC methods this model adds (getNonce, getUtxos, ...). */
    List<LedgerQuery> queries();

    /** The root committed to by the header, recomputed from the stored accumulator. */
    Hash stateRoot(StateView state);

    /**
     * Whether the state entry under {@code key} is summed into the accumulator the state root commits to
     * (docs/formats.md, State and state root): every {@code 's'} entry but the {@code 's' '#'} metadata, unless a
     * model keeps derived entries (an index) outside it. A snapshot is checked entry by entry against this.
     */
    default boolean inAccumulator(byte[] key) {
        return io.cairn.api.ledger.LedgerState.isAccumulated(key);
    }

    /**
     * Whether the state entry under {@code key} is derived from others (an index the model keeps beside them): the
     * state root does not prove it, so a snapshot leaves it out and {@link #derive} rebuilds it. None by default.
     */
    default boolean derived(byte[] key) {
        return false;
    }

    /**
     * Writes into {@code out} the derived entries that the accumulated entry {@code key -> value} brings with it,
     * as the model writes them beside it when a block makes it. A snapshot import calls it for every entry.
     */
    default void derive(byte[] key, byte[] value, io.cairn.api.storage.WriteBatch out) {}
}
