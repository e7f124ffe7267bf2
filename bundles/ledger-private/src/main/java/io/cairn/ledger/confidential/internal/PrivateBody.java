package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.confidential.Group;
import io.cairn.confidential.Kernel;
import io.cairn.confidential.RangeProof;
import io.cairn.confidential.SealedOpening;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The body of a private transaction, and its codec (docs/privacy.md, "The private ledger"):
 *
 * <pre>
 * u8 nIn (1..255)  | nIn x (txHash[32] | u32 index)                          the coins it spends
 * u8 nOut (1..16)  | nOut x (owner[20] | commitment[33] | sealedToOwner[S]
 *                            | u8 audited (0 or 1) | audited x sealedToAuditor[S])  the coins it makes
 * u64 fee          the public fee, burnt
 * proof[292 + 66 log2(64 m)]   one range proof over the outputs' commitments (m = nOut rounded up to a power of 2)
 * kernel[65]       the kernel signature over u64 chainId | the body before the kernel
 * </pre>
 *
 * {@code S} is the sealed opening's size on the chain's curve (89 on secp256k1, 137 on SM2). Canonical: nothing after
 * the kernel. The rules that need no state are checked here: no coin spent twice by one transaction, commitments and
 * the proof's points on the curve, scalars below the order. Decoded once per transaction ({@link #of}). Immutable.
 */
final class PrivateBody {
    private static final Object OWNER = new Object();

    static final String WHAT = "private body";
    static final int MAX_INPUTS = 255;
    static final int MAX_OUTPUTS = Group.MAX_AGGREGATION;
    static final int COMMITMENT_BYTES = 33;

    /** An output: the coin {@code (tx hash, its position)} it makes; {@code sealedToAuditor} null when none. */
    record Output(Address owner, ECPoint commitment, byte[] commitmentBytes, byte[] sealedToOwner,
            byte[] sealedToAuditor) {}

    final List<CoinId> inputs;
    final List<Output> outputs;
    final long fee;
    final RangeProof proof;
    final byte[] kernel;
    /** What the kernel signs: {@code u64 chainId | the body before the kernel}. */
    final byte[] kernelMessage;

    private PrivateBody(List<CoinId> inputs, List<Output> outputs, long fee, RangeProof proof, byte[] kernel,
            byte[] kernelMessage) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.fee = fee;
        this.proof = proof;
        this.kernel = kernel;
        this.kernelMessage = kernelMessage;
    }

    static CoinId made(Hash txHash, int k) {
        return new CoinId(txHash, k);
    }

    ECPoint[] commitments() {
        ECPoint[] c = new ECPoint[outputs.size()];
        for (int k = 0; k < c.length; k++) {
            c[k] = outputs.get(k).commitment();
        }
        return c;
    }

    /** A transaction as the private model reads it: its body, or why it has none it can run. */
    record Decoded(PrivateBody body, Reason reason, String problem) {
        boolean ok() {
            return body != null;
        }

        PrivateBody orReject() throws TxRejectedException {
            if (body == null) {
                throw new TxRejectedException(reason, problem);
            }
            return body;
        }
    }

    /** The transaction's body, decoded once per transaction (and kept in it). Never throws. */
    static Decoded of(VerifiedTransaction tx, Group group) {
        return tx.decoded(OWNER, t -> decode(t, group));
    }

    /**
     * As {@link #of(VerifiedTransaction, Group)}, taking the decoding out of {@code earlier} when it holds one for this
     * transaction's hash (decoded from another instance of the same bytes: the hash commits to them).
     */
    static Decoded of(VerifiedTransaction tx, Group group, Map<Hash, Decoded> earlier) {
        return tx.decoded(OWNER, t -> {
            Decoded d;
            synchronized (earlier) {
                d = earlier.remove(t.hash());
            }
            return d != null ? d : decode(t, group);
        });
    }

    static Decoded decode(VerifiedTransaction tx, Group group) {
        Envelope env = tx.envelope();
        if (env.ledger() != Envelope.PRIVATE) {
            return new Decoded(null, Reason.WRONG_LEDGER, "transaction is for the " + Envelope.ledgerName(env.ledger())
                    + " ledger (code " + env.ledger() + "), not the private ledger (code " + Envelope.PRIVATE + ")");
        }
        try {
            return new Decoded(decode(env.body(), env.chainId(), group), null, null);
        } catch (MalformedDataException e) {
            return new Decoded(null, Reason.MALFORMED, e.getMessage());
        } catch (IllegalArgumentException e) { // a point or scalar the group refuses
            return new Decoded(null, Reason.MALFORMED, WHAT + ": " + e.getMessage());
        }
    }

    /**
     * Decodes a body strictly and checks its stateless rules.
     *
     * @throws MalformedDataException naming the field that is wrong
     */
    static PrivateBody decode(byte[] body, long chainId, Group group) {
        Decoder d = new Decoder(body, WHAT);
        List<CoinId> inputs = CoinLedger.inputs(d, WHAT, MAX_INPUTS);
        int nOut = d.u8("output count");
        if (nOut == 0 || nOut > MAX_OUTPUTS) {
            throw new MalformedDataException(WHAT + ": output count is " + nOut + ", a transaction makes 1 to "
                    + MAX_OUTPUTS + " coins");
        }
        int sealed = SealedOpening.size(group);
        List<Output> outputs = new ArrayList<>(nOut);
        for (int k = 0; k < nOut; k++) {
            Address owner = Address.of(d.fixed(Address.SIZE, "output " + k + " owner"));
            byte[] cb = d.fixed(COMMITMENT_BYTES, "output " + k + " commitment");
            ECPoint c = group.decode(cb, "output " + k + " commitment");
            byte[] toOwner = d.fixed(sealed, "output " + k + " sealedToOwner");
            int audited = d.u8("output " + k + " audited");
            if (audited > 1) {
                throw new MalformedDataException(WHAT + ": output " + k + " audited is " + audited + ", 0 or 1");
            }
            byte[] toAuditor = audited == 1 ? d.fixed(sealed, "output " + k + " sealedToAuditor") : null;
            outputs.add(new Output(owner, c, cb, toOwner, toAuditor));
        }
        long fee = d.u64("fee");
        byte[] proofBytes = d.fixed(RangeProof.size(nOut), "range proof");
        RangeProof proof = RangeProof.decode(group, proofBytes);
        int kernelAt = d.position();
        byte[] kernel = d.fixed(Kernel.SIGNATURE_BYTES, "kernel");
        d.end();
        return new PrivateBody(inputs, outputs, fee, proof, kernel, kernelMessage(chainId, body, kernelAt));
    }

    /** {@code u64 chainId | body[0 .. kernelAt)}: what the kernel signs. */
    static byte[] kernelMessage(long chainId, byte[] body, int kernelAt) {
        byte[] m = new byte[8 + kernelAt];
        for (int i = 0; i < 8; i++) {
            m[i] = (byte) (chainId >>> (56 - 8 * i));
        }
        System.arraycopy(body, 0, m, 8, kernelAt);
        return m;
    }

    /** The body without its kernel, as a client builds it before signing the kernel over it ({@link #kernelMessage}). */
    static byte[] encodeUnsigned(List<CoinId> inputs, List<Output> outputs, long fee, byte[] proof) {
        Encoder e = new Encoder(1024).u8(inputs.size());
        for (CoinId c : inputs) {
            e.fixed(c.txHash().toByteArray()).u32(c.index());
        }
        e.u8(outputs.size());
        for (Output o : outputs) {
            e.fixed(o.owner().toByteArray()).fixed(o.commitmentBytes()).fixed(o.sealedToOwner());
            e.u8(o.sealedToAuditor() == null ? 0 : 1);
            if (o.sealedToAuditor() != null) {
                e.fixed(o.sealedToAuditor());
            }
        }
        return e.u64(fee).fixed(proof).toByteArray();
    }

    static byte[] withKernel(byte[] unsigned, byte[] kernel) {
        byte[] b = Arrays.copyOf(unsigned, unsigned.length + kernel.length);
        System.arraycopy(kernel, 0, b, unsigned.length, kernel.length);
        return b;
    }
}
