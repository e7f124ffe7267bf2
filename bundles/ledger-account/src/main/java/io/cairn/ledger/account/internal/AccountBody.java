package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;

/**
 * The body of an account transfer, and its codec (docs/ledgers.md, "Account"). Two layouts, by the envelope's
 * version:
 *
 * <pre>
 * v1: u64 nonce | publicKey[64] | to[20] | value[32] | bytes data   (the first transaction format)
 * v2: u64 nonce | to[20] | value[32] | bytes data
 * </pre>
 *
 * {@code data} is at most {@link Transaction#MAX_DATA} bytes; a transfer has exactly one signer, its sender (in
 * v1 the public key in the body is the envelope's one signer). A transaction's body is decoded once, kept in the
 * transaction ({@link VerifiedTransaction#decoded}), so the pool, the executor and the RPC share the decoding:
 * see {@link #of}. Immutable; {@link #value} and {@link #data} are the body's own arrays: never modify them.
 */
final class AccountBody {
    /** The memo's owner: this class's decoding, for as long as these classes are the model's. */
    private static final Object OWNER = new Object();

    private static final String WHAT = "account transfer body";

    final long nonce;
    final Address to;
    /** 32 bytes, big-endian. */
    final byte[] value;
    final byte[] data;

    AccountBody(long nonce, Address to, byte[] value, byte[] data) {
        this.nonce = nonce;
        this.to = to;
        this.value = value;
        this.data = data;
    }

    BigInteger valueAmount() {
        return Uint256.fromBytes(value);
    }

    /**
     * A transaction as the account model reads it: its body, or why it has none it can run ({@link #reason} and
     * {@link #problem}: MALFORMED, WRONG_LEDGER, EXTRA_SIGNER).
     */
    record Decoded(AccountBody body, Reason reason, String problem) {
        boolean ok() {
            return body != null;
        }

        /** The body; throws the refusal if there is none. */
        AccountBody orReject() throws TxRejectedException {
            if (body == null) {
                throw new TxRejectedException(reason, problem);
            }
            return body;
        }
    }

    /** The transaction's body, decoded once per transaction (and kept in it). Never throws. */
    static Decoded of(VerifiedTransaction tx) {
        return tx.decoded(OWNER, AccountBody::decode);
    }

    static Decoded decode(VerifiedTransaction tx) {
        Envelope env = tx.envelope();
        if (env.ledger() != Envelope.ACCOUNT) {
            return new Decoded(null, Reason.WRONG_LEDGER, "transaction is for the " + Envelope.ledgerName(env.ledger())
                    + " ledger (code " + env.ledger() + "), not the account ledger (code " + Envelope.ACCOUNT + ")");
        }
        AccountBody body;
        try {
            body = decode(env.version(), env.body());
        } catch (MalformedDataException e) {
            return new Decoded(null, Reason.MALFORMED, e.getMessage());
        }
        int signers = env.publicKeys().size();
        if (signers != 1) {
            return new Decoded(null, Reason.EXTRA_SIGNER,
                    "an account transfer is signed by its sender alone; this one has " + signers + " signers");
        }
        return new Decoded(body, null, null);
    }

    /** Decodes a body of the envelope version's layout, strictly. */
    static AccountBody decode(int version, byte[] body) {
        Decoder d = new Decoder(body, WHAT);
        long nonce = d.u64("nonce");
        if (version == Transaction.VERSION) {
            d.fixed(Envelope.KEY_BYTES, "publicKey"); // the envelope's one signer
        } else if (version != Envelope.VERSION) {
            throw new MalformedDataException(WHAT + ": no layout for envelope version " + version);
        }
        Address to = Address.of(d.fixed(Address.SIZE, "to"));
        byte[] value = d.fixed(32, "value");
        byte[] data = d.bytes(Transaction.MAX_DATA, "data");
        d.end();
        return new AccountBody(nonce, to, value, data);
    }

    /** The version 2 body of a transfer, as a client builds it before signing ({@link Envelope#sign}). */
    static byte[] encode(long nonce, Address to, BigInteger value, byte[] data) {
        if (data.length > Transaction.MAX_DATA) {
            throw new MalformedDataException("data is " + data.length + " bytes, the limit is " + Transaction.MAX_DATA);
        }
        return new Encoder(8 + Address.SIZE + 32 + 4 + data.length).u64(nonce).fixed(to.toByteArray())
                .fixed(Uint256.toBytes(value)).bytes(data).toByteArray();
    }
}
