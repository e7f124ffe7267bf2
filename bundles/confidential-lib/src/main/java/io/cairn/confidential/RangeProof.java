package io.cairn.confidential;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An aggregated Bulletproofs range proof (Bünz et al. 2018, section 4.3) that each of {@code m} commitments opens to a
 * value in {@code [0, 2^64)}: the commitments {@code A}, {@code S} to the bits and their blinding vectors, {@code
 * T1}, {@code T2} to the coefficients of {@code t(X)}, the scalars {@code τx}, {@code μ}, {@code t̂}, and the
 * inner-product argument (its {@code L}, {@code R} per round and the final {@code a}, {@code b}).
 *
 * <p>Encoding (docs/privacy.md, Range proof): {@code A ‖ S ‖ T1 ‖ T2} (33-byte compressed points) {@code ‖ τx ‖ μ ‖ t̂}
 * (32-byte big-endian scalars) {@code ‖ (L_k ‖ R_k)} for the {@code log2(64·m)} rounds {@code ‖ a ‖ b}: {@code 292 +
 * 66·log2(64·m)} bytes, 688 for one output, 754 for two.
 */
public record RangeProof(ECPoint a, ECPoint s, ECPoint t1, ECPoint t2, BigInteger taux, BigInteger mu,
        BigInteger tHat, ECPoint[] l, ECPoint[] r, BigInteger ipA, BigInteger ipB) {
    private static final int POINT = 33;
    private static final int SCALAR = 32;
    private static final int FIXED = 4 * POINT + 3 * SCALAR + 2 * SCALAR;

    public RangeProof {
        if (l.length != r.length) {
            throw new IllegalArgumentException("a range proof has as many L as R");
        }
        l = l.clone();
        r = r.clone();
    }

    @Override
    public ECPoint[] l() {
        return l.clone();
    }

    @Override
    public ECPoint[] r() {
        return r.clone();
    }

    /** The rounds of the inner-product argument: {@code log2(64·m)} for {@code m} outputs. */
    public int rounds() {
        return l.length;
    }

    /**
     * The size of the encoding of a proof over {@code outputs} outputs (1 to 16): the proof pads them to the next power
     * of two {@code m}, and has {@code log2(64·m)} rounds.
     */
    public static int size(int outputs) {
        if (outputs < 1 || outputs > Group.MAX_AGGREGATION) {
            throw new IllegalArgumentException("a range proof covers 1 to " + Group.MAX_AGGREGATION + " outputs, not "
                    + outputs);
        }
        int m = outputs == 1 ? 1 : Integer.highestOneBit(outputs - 1) << 1;
        return FIXED + 2 * POINT * Integer.numberOfTrailingZeros(Group.BITS * m);
    }

    public byte[] encode(Group group) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(FIXED + 2 * POINT * l.length);
        for (ECPoint p : new ECPoint[] {a, s, t1, t2}) {
            out.writeBytes(group.encode(p));
        }
        for (BigInteger x : new BigInteger[] {taux, mu, tHat}) {
            out.writeBytes(Scalars.toBytes(x));
        }
        for (int i = 0; i < l.length; i++) {
            out.writeBytes(group.encode(l[i]));
            out.writeBytes(group.encode(r[i]));
        }
        out.writeBytes(Scalars.toBytes(ipA));
        out.writeBytes(Scalars.toBytes(ipB));
        return out.toByteArray();
    }

    /**
     * The proof of an encoding.
     *
     * @throws IllegalArgumentException naming the part that is wrong: the length, a point not on the curve, a
     *                                  scalar not below the group's order
     */
    public static RangeProof decode(Group group, byte[] b) {
        int rest = b.length - FIXED;
        int rounds = rest / (2 * POINT);
        if (rest < 0 || rest % (2 * POINT) != 0 || rounds < 6 || rounds > 6 + 4) {
            throw new IllegalArgumentException("a range proof is " + size(1) + " to " + size(Group.MAX_AGGREGATION)
                    + " bytes (292 + 66 per round of 6 to 10), not " + b.length);
        }
        BigInteger n = group.order();
        int at = 0;
        ECPoint[] fixed = new ECPoint[4];
        String[] names = {"A", "S", "T1", "T2"};
        for (int i = 0; i < 4; i++, at += POINT) {
            fixed[i] = group.decode(Arrays.copyOfRange(b, at, at + POINT), "range proof " + names[i]);
        }
        BigInteger taux = Scalars.fromBytes(b, at, n, "range proof τx");
        BigInteger mu = Scalars.fromBytes(b, at + SCALAR, n, "range proof μ");
        BigInteger t = Scalars.fromBytes(b, at + 2 * SCALAR, n, "range proof t̂");
        at += 3 * SCALAR;
        ECPoint[] l = new ECPoint[rounds];
        ECPoint[] r = new ECPoint[rounds];
        for (int i = 0; i < rounds; i++) {
            l[i] = group.decode(Arrays.copyOfRange(b, at, at + POINT), "range proof L" + i);
            r[i] = group.decode(Arrays.copyOfRange(b, at + POINT, at + 2 * POINT), "range proof R" + i);
            at += 2 * POINT;
        }
        BigInteger ipA = Scalars.fromBytes(b, at, n, "range proof a");
        BigInteger ipB = Scalars.fromBytes(b, at + SCALAR, n, "range proof b");
        return new RangeProof(fixed[0], fixed[1], fixed[2], fixed[3], taux, mu, t, l, r, ipA, ipB);
    }
}
