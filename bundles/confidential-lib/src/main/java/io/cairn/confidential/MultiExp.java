package io.cairn.confidential;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECPoint;

/**
 * {@code Σ k_i·P_i} on a group's curve: the arithmetic a transfer's maker (its commitments, sealed openings and range
 * proof) spends its time in. Bouncy Castle's
 * ({@link #bouncyCastle()}) works on every curve; a wallet may bring a faster one for its curve (the launcher's, on
 * libsecp256k1), which must give the same points: a proof is the same whoever computed its sums.
 */
@FunctionalInterface
public interface MultiExp {
    /**
     * The normalized sum {@code Σ scalars[i]·points[i]} (the point at infinity when it is the identity).
     *
     * @param points  normalized points of the group's curve
     * @param scalars as many scalars, each in {@code [0, n)}
     */
    ECPoint sum(ECPoint[] points, BigInteger[] scalars);

    /** The normalized product {@code scalar·point}. */
    default ECPoint multiply(ECPoint point, BigInteger scalar) {
        return sum(new ECPoint[] {point}, new BigInteger[] {scalar});
    }

    /**
     * On Bouncy Castle's arithmetic: sums by interleaved wNAF (with GLV where the curve has it) or, from some tens of
     * points, Pippenger's buckets ({@link Scalars#sum}); products by the point's own multiplier (a precomputed comb
     * for the curve's base point).
     */
    static MultiExp bouncyCastle() {
        return BouncyCastle.INSTANCE;
    }

    /** {@link #bouncyCastle()}. */
    final class BouncyCastle implements MultiExp {
        static final BouncyCastle INSTANCE = new BouncyCastle();

        private BouncyCastle() {}

        @Override
        public ECPoint sum(ECPoint[] points, BigInteger[] scalars) {
            return Scalars.sum(points, scalars);
        }

        @Override
        public ECPoint multiply(ECPoint point, BigInteger scalar) {
            return point.multiply(scalar).normalize();
        }
    }
}
