package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of a UTXO transaction, and its codec (docs/ledgers.md, "UTXO"):
 *
 * <pre>
 * u8 nIn (1..255)  | nIn x (txHash[32] | u32 index)     the coins it spends
 * u8 nOut (1..255) | nOut x (owner[20] | amount[32])    the coins it makes: (its hash, 0..nOut-1)
 * </pre>
 *
 * Canonical: nothing after the last output. The rules that need no state are checked here: no coin spent twice
 * by one transaction, no output of amount 0, outputs that total at most 2^256-1. A transaction's body is decoded
 * once and kept in it ({@link #of}), so the pool, the executor and the RPC share the decoding. Immutable.
 */
final class UtxoBody {
    /** The memo's owner: this class's decoding, for as long as these classes are the model's. */
    private static final Object OWNER = new Object();

    static final String WHAT = "utxo body";
    static final int MAX_INPUTS = 255;
    static final int MAX_OUTPUTS = 255;
    /** 2^256-1: the most any amount, and the outputs of a transaction together, may be. */
    static final BigInteger MAX_AMOUNT = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    /** An output: the coin {@code (tx hash, its position)} it makes. */
    record Output(Address owner, BigInteger amount) {}

    final List<CoinId> inputs;
    final List<Output> outputs;
    final BigInteger totalOut;

    private UtxoBody(List<CoinId> inputs, List<Output> outputs, BigInteger totalOut) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.totalOut = totalOut;
    }

    /** The coin output {@code k} of transaction {@code txHash} makes. */
    static CoinId made(Hash txHash, int k) {
        return new CoinId(txHash, k);
    }

    /**
     * A transaction as the UTXO model reads it: its body, or why it has none it can run ({@link #reason} and
     * {@link #problem}: MALFORMED or WRONG_LEDGER).
     */
    record Decoded(UtxoBody body, Reason reason, String problem) {
        boolean ok() {
            return body != null;
        }

        /** The body; throws the refusal if there is none. */
        UtxoBody orReject() throws TxRejectedException {
            if (body == null) {
                throw new TxRejectedException(reason, problem);
            }
            return body;
        }
    }

    /** The transaction's body, decoded once per transaction (and kept in it). Never throws. */
    static Decoded of(VerifiedTransaction tx) {
        return tx.decoded(OWNER, UtxoBody::decode);
    }

    static Decoded decode(VerifiedTransaction tx) {
        Envelope env = tx.envelope();
        if (env.ledger() != Envelope.UTXO) {
            return new Decoded(null, Reason.WRONG_LEDGER, "transaction is for the " + Envelope.ledgerName(env.ledger())
                    + " ledger (code " + env.ledger() + "), not the utxo ledger (code " + Envelope.UTXO + ")");
        }
        try {
            return new Decoded(decode(env.body()), null, null);
        } catch (MalformedDataException e) {
            return new Decoded(null, Reason.MALFORMED, e.getMessage());
        }
    }

    /**
     * Decodes a body strictly and checks its stateless rules.
     *
     * @throws MalformedDataException naming the field that is wrong
     */
    static UtxoBody decode(byte[] body) {
        Decoder d = new Decoder(body, WHAT);
        List<CoinId> inputs = CoinLedger.inputs(d, WHAT, MAX_INPUTS);
        int nOut = d.u8("output count");
        if (nOut == 0) {
            throw new MalformedDataException(WHAT + ": output count is 0, a transaction makes 1 to " + MAX_OUTPUTS
                    + " coins");
        }
        List<Output> outputs = new ArrayList<>(nOut);
        BigInteger total = BigInteger.ZERO;
        for (int k = 0; k < nOut; k++) {
            Address owner = Address.of(d.fixed(Address.SIZE, "output " + k + " owner"));
            BigInteger amount = Uint256.fromBytes(d.fixed(32, "output " + k + " amount"));
            if (amount.signum() == 0) {
                throw new MalformedDataException(WHAT + ": output " + k + " amount is 0");
            }
            total = total.add(amount);
            outputs.add(new Output(owner, amount));
        }
        d.end();
        if (total.compareTo(MAX_AMOUNT) > 0) {
            throw new MalformedDataException(WHAT + ": the outputs total " + total + ", more than 2^256-1");
        }
        return new UtxoBody(inputs, outputs, total);
    }

    /**
     * The body spending {@code inputs} into {@code outputs}, as a client builds it before signing
     * ({@link Envelope#sign}). Checks only the counts: the model judges the rest.
     */
    static byte[] encode(List<CoinId> inputs, List<Output> outputs) {
        if (inputs.isEmpty() || inputs.size() > MAX_INPUTS || outputs.isEmpty() || outputs.size() > MAX_OUTPUTS) {
            throw new IllegalArgumentException("a utxo transaction has 1 to 255 inputs and 1 to 255 outputs, not "
                    + inputs.size() + " and " + outputs.size());
        }
        Encoder e = new Encoder(2 + inputs.size() * CoinId.BYTES + outputs.size() * Coin.BYTES).u8(inputs.size());
        for (CoinId c : inputs) {
            e.fixed(c.txHash().toByteArray()).u32(c.index());
        }
        e.u8(outputs.size());
        for (Output o : outputs) {
            e.fixed(o.owner().toByteArray()).fixed(Uint256.toBytes(o.amount()));
        }
        return e.toByteArray();
    }
}
