package io.cairn.ledger.dag.internal;

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

/**
 * The body of a DAG transaction, and its codec (docs/ledgers.md, "DAG"):
 *
 * <pre>
 * u8 kind | previous[32] | ...
 * kind 1 SEND:    to[20] | amount[32]     (amount at least 1)
 * kind 2 RECEIVE: source[32]              (the hash of a send to the signer's account)
 * </pre>
 *
 * {@code previous} is the hash of the signer account's previous DAG transaction, 32 zero bytes for its first. The
 * encoding is canonical: exactly these bytes, nothing after them. One signer, the account's owner. A body is
 * decoded once per transaction and kept in it ({@link VerifiedTransaction#decoded}). Immutable; {@link #amount} is
 * the body's own array: never modify it.
 */
final class DagBody {
    static final int SEND = 1;
    static final int RECEIVE = 2;
    static final int SEND_BYTES = 1 + 32 + Address.SIZE + 32;
    static final int RECEIVE_BYTES = 1 + 32 + 32;

    /** The memo's owner: this class's decoding, for as long as these classes are the model's. */
    private static final Object OWNER = new Object();
    private static final String WHAT = "dag body";

    final int kind;
    final Hash previous;
    /** SEND only, else null. */
    final Address to;
    /** SEND only (32 bytes, big-endian), else null. */
    final byte[] amount;
    /** RECEIVE only, else null. */
    final Hash source;

    private DagBody(int kind, Hash previous, Address to, byte[] amount, Hash source) {
        this.kind = kind;
        this.previous = previous;
        this.to = to;
        this.amount = amount;
        this.source = source;
    }

    boolean isSend() {
        return kind == SEND;
    }

    BigInteger amountValue() {
        return Uint256.fromBytes(amount);
    }

    String kindName() {
        return kind == SEND ? "send" : "receive";
    }

    /** A transaction as the DAG model reads it: its body, or why it has none it can run. */
    record Decoded(DagBody body, Reason reason, String problem) {
        boolean ok() {
            return body != null;
        }

        DagBody orReject() throws TxRejectedException {
            if (body == null) {
                throw new TxRejectedException(reason, problem);
            }
            return body;
        }
    }

    /** The transaction's body, decoded once per transaction (and kept in it). Never throws. */
    static Decoded of(VerifiedTransaction tx) {
        return tx.decoded(OWNER, DagBody::decode);
    }

    static Decoded decode(VerifiedTransaction tx) {
        Envelope env = tx.envelope();
        if (env.ledger() != Envelope.DAG) {
            return new Decoded(null, Reason.WRONG_LEDGER, "transaction is for the " + Envelope.ledgerName(env.ledger())
                    + " ledger (code " + env.ledger() + "), not the dag ledger (code " + Envelope.DAG + ")");
        }
        DagBody body;
        try {
            body = decode(env.body());
        } catch (MalformedDataException e) {
            return new Decoded(null, Reason.MALFORMED, e.getMessage());
        }
        int signers = env.publicKeys().size();
        if (signers != 1) {
            return new Decoded(null, Reason.EXTRA_SIGNER,
                    "a dag transaction is signed by its account's owner alone; this one has " + signers + " signers");
        }
        return new Decoded(body, null, null);
    }

    /** Decodes a body strictly, naming the field that is wrong. */
    static DagBody decode(byte[] bytes) {
        Decoder d = new Decoder(bytes, WHAT);
        int kind = d.u8("kind");
        if (kind != SEND && kind != RECEIVE) {
            throw new MalformedDataException(WHAT + ": kind " + kind + " is neither 1 (send) nor 2 (receive)");
        }
        Hash previous = Hash.of(d.fixed(32, "previous"));
        DagBody body;
        if (kind == SEND) {
            Address to = Address.of(d.fixed(Address.SIZE, "to"));
            byte[] amount = d.fixed(32, "amount");
            if (isZero(amount)) {
                throw new MalformedDataException(WHAT + ": amount is 0; a send moves at least 1");
            }
            body = new DagBody(kind, previous, to, amount, null);
        } else {
            Hash source = Hash.of(d.fixed(32, "source"));
            if (source.equals(Hash.ZERO)) {
                throw new MalformedDataException(WHAT + ": source is 32 zero bytes, which names no send");
            }
            body = new DagBody(kind, previous, null, null, source);
        }
        d.end();
        return body;
    }

    /** A send's body, as a client builds it before signing ({@link Envelope#sign}). */
    static byte[] send(Hash previous, Address to, BigInteger amount) {
        return new Encoder(SEND_BYTES).u8(SEND).fixed(previous.toByteArray()).fixed(to.toByteArray())
                .fixed(Uint256.toBytes(amount)).toByteArray();
    }

    /** A receive's body. */
    static byte[] receive(Hash previous, Hash source) {
        return new Encoder(RECEIVE_BYTES).u8(RECEIVE).fixed(previous.toByteArray()).fixed(source.toByteArray())
                .toByteArray();
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
