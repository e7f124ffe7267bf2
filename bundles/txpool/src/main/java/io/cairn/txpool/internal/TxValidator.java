package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.DUPLICATE;
import static io.cairn.api.node.TxRejectedException.Reason.NOT_READY;

import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import java.util.Optional;

/**
 * What a transaction must pass before the pool judges it by its ledger model: the chain's rules of a valid
 * transaction ({@link TransactionVerifier}: encoding, chain id, signature), and that it is neither pending nor
 * committed already. The duplicate checks come between the cheap decoding and the expensive signature check,
 * so a replayed or re-gossiped transaction costs no signature verification.
 */
final class TxValidator {
    /** The verifier of one block store's chain with one suite; rebuilt when either is replaced. */
    private record Rules(BlockStore store, CryptoSuite suite, TransactionVerifier verifier) {}

    private volatile Rules rules;

    /**
     * The chain's verifier: the spec of the store's genesis block, with the bound suite if it is the chain's.
     *
     * @throws TxRejectedException NOT_READY, naming what is missing
     */
    TransactionVerifier verifier(BlockStore store, CryptoSuite suite) throws TxRejectedException {
        TransactionVerifier v = rules(store, suite);
        if (v != null) {
            return v;
        }
        String why = unready(store, suite);
        if (why == null && (v = rules(store, suite)) != null) {
            return v; // the genesis block arrived meanwhile
        }
        throw new TxRejectedException(NOT_READY, "txpool not ready: " + why);
    }

    /** The chain's verifier, or null if the store and suite cannot check transactions yet ({@link #unready}). */
    TransactionVerifier rules(BlockStore store, CryptoSuite suite) {
        Rules r = rules;
        if (r != null && r.store == store && r.suite == suite) {
            return r.verifier;
        }
        Optional<ChainSpec> spec = store.spec();
        if (spec.isEmpty() || !spec.get().usesSuite(suite)) {
            return null;
        }
        r = new Rules(store, suite, new TransactionVerifier(spec.get(), suite));
        rules = r;
        return r.verifier;
    }

    /** Why the store and suite cannot check transactions yet, or null if they can. */
    static String unready(BlockStore store, CryptoSuite suite) {
        Optional<ChainSpec> spec = store.spec();
        if (spec.isEmpty()) {
            return "no genesis block yet";
        }
        if (!spec.get().usesSuite(suite)) {
            return "the crypto suite '" + suite.name() + "' is not the chain's: its genesis names '"
                    + spec.get().suite() + "'";
        }
        return null;
    }

    /** Decodes, refuses duplicates, then checks the signature. */
    static VerifiedTransaction validate(byte[] encoded, TransactionVerifier verifier, BlockStore store,
            PendingTransactions pending) throws TxRejectedException {
        TransactionVerifier.Decoded d = verifier.decode(encoded);
        if (pending.contains(d.hash())) {
            throw new TxRejectedException(DUPLICATE, "transaction " + d.hash() + " is already pending");
        }
        Optional<BlockStore.Located> committed = store.transaction(d.hash());
        if (committed.isPresent()) {
            throw new TxRejectedException(DUPLICATE, "transaction " + d.hash() + " is already committed in block "
                    + committed.get().blockNumber());
        }
        return verifier.verify(d);
    }
}
