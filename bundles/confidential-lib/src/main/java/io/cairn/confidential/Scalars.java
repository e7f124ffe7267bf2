package io.cairn.confidential;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/** Arithmetic on scalars (integers modulo the group's order) and vectors of them. */
final class Scalars {
    private Scalars() {}

    /** A scalar's 32-byte big-endian encoding. */
    static byte[] toBytes(BigInteger s) {
        byte[] raw = s.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }

    /**
     * The scalar of a 32-byte big-endian encoding.
     *
     * @throws IllegalArgumentException naming {@code what} when it is not below {@code n} (an encoding is canonical)
     */
    static BigInteger fromBytes(byte[] b, int offset, BigInteger n, String what) {
        byte[] s = new byte[32];
        System.arraycopy(b, offset, s, 0, 32);
        BigInteger v = new BigInteger(1, s);
        if (v.compareTo(n) >= 0) {
            throw new IllegalArgumentException(what + " is not a scalar below the group's order");
        }
        return v;
    }

    /** {@code 1, x, x^2, ..., x^(count-1)} modulo n. */
    static BigInteger[] powers(BigInteger x, int count, BigInteger n) {
        BigInteger[] p = new BigInteger[count];
        BigInteger v = BigInteger.ONE;
        for (int i = 0; i < count; i++) {
            p[i] = v;
            v = v.multiply(x).mod(n);
        }
        return p;
    }

    static BigInteger inner(BigInteger[] a, BigInteger[] b, BigInteger n) {
        BigInteger s = BigInteger.ZERO;
        for (int i = 0; i < a.length; i++) {
            s = s.add(a[i].multiply(b[i]));
        }
        return s.mod(n);
    }

    /**
     * {@code Σ k_i·P_i}, one multi-exponentiation: Bouncy Castle's interleaved wNAF (with GLV where it has it) for a
     * few points, Pippenger's bucket method from {@link Pippenger#FROM} points on (which, unlike wNAF, caches no table
     * on the points it is given).
     */
    static ECPoint sum(ECPoint[] points, BigInteger[] scalars) {
        if (points.length >= Pippenger.FROM) {
            return Pippenger.sum(points[0].getCurve(), points, scalars);
        }
        return ECAlgorithms.sumOfMultiplies(points, scalars).normalize();
    }
}
