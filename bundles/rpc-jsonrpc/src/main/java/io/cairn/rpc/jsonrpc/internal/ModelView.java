package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Transactions as the bound ledger model reads them: the RPC knows the envelope (chain, ledger, signers) and
 * leaves the body's fields ({@link LedgerModel#describe}) to the model, so getTransaction, full blocks and
 * receipts work for any model.
 */
final class ModelView {
    private final NodeServices node;

    ModelView(NodeServices node) {
        this.node = node;
    }

    /**
     * The bound ledger model, which must be the one that reads {@code env}'s body.
     *
     * @throws RpcException not ready, with no model bound or one of another ledger (a swap under way)
     */
    LedgerModel model(Envelope env) {
        LedgerModel model = node.needLedgerModel();
        if (model.code() != env.ledger() && env.ledger() != Envelope.GOVERNANCE) {
            throw RpcException.notReady("the bound ledger model '" + model.model() + "' does not read "
                    + Envelope.ledgerName(env.ledger()) + " transactions");
        }
        return model;
    }

    /** The model's fields of a transaction; a body the model cannot read (never in a block) is an internal error. */
    static Map<String, Object> describe(LedgerModel model, VerifiedTransaction tx) {
        try {
            return model.describe(tx);
        } catch (TxRejectedException e) {
            if (e.reason() == TxRejectedException.Reason.NOT_READY) {
                throw RpcException.notReady(e.getMessage()); // no model can read it now (rules not installed)
            }
            throw new RpcException(RpcException.INTERNAL_ERROR, "transaction " + tx.hash() + ": the " + model.model()
                    + " ledger model cannot read it: " + e.getMessage());
        }
    }

    /** The getTransaction object of {@code tx}; the block fields are null while it is pending. */
    ObjectNode json(VerifiedTransaction tx, Long blockNumber, Hash blockHash, Integer index) {
        return ChainJson.transaction(tx, describe(model(tx.envelope()), tx), blockNumber, blockHash, index);
    }

    /** The recipient the model names ({@code to}, an address string), or null. */
    String to(VerifiedTransaction tx) {
        return describe(model(tx.envelope()), tx).get("to") instanceof String s ? s : null;
    }

    /** A transaction with its signers' addresses computed with the chain's suite. */
    static VerifiedTransaction signed(Envelope env, Hash hash, CryptoSuite suite) {
        List<byte[]> keys = env.publicKeys();
        List<Address> signers = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            signers.add(suite.address(k));
        }
        return new VerifiedTransaction(env, hash, signers);
    }

    /**
     * A committed transaction with its signers' addresses: from the chain's suite, or, while none is bound, from
     * its receipt's sender when it has one signer (its sender).
     *
     * @throws RpcException not ready, when neither can name the signers
     */
    VerifiedTransaction committed(Envelope env, Hash hash, Supplier<Optional<Address>> receiptSender) {
        CryptoSuite suite = node.suite();
        if (suite != null) {
            return signed(env, hash, suite);
        }
        if (env.publicKeys().size() == 1) {
            Optional<Address> sender = receiptSender.get();
            if (sender.isPresent()) {
                return new VerifiedTransaction(env, hash, List.of(sender.get()));
            }
        }
        throw RpcException.notReady("no crypto suite");
    }
}
