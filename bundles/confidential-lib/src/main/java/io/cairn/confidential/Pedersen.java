package io.cairn.confidential;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/** Pedersen commitments {@code v·G + r·H} (docs/privacy.md, Commitments). */
public final class Pedersen {
    private Pedersen() {}

    /**
     * The commitment to {@code value} with blinding {@code blinding}.
     *
     * @param value an amount, {@code 0 <= value < 2^64} (Java's {@code long} read unsigned)
     */
    public static ECPoint commit(Group group, long value, BigInteger blinding) {
        return commit(group, amount(value), blinding);
    }

    /** The amount a {@code long} carries, read unsigned: {@code 0 <= amount < 2^64}. */
    public static BigInteger amount(long value) {
        BigInteger v = BigInteger.valueOf(value);
        return value >= 0 ? v : v.add(BigInteger.ONE.shiftLeft(Group.BITS));
    }

    /** The commitment to any scalar {@code value} (the range proof is what bounds it). */
    public static ECPoint commit(Group group, BigInteger value, BigInteger blinding) {
        BigInteger n = group.order();
        return ECAlgorithms.sumOfTwoMultiplies(group.g(), value.mod(n), group.h(), blinding.mod(n)).normalize();
    }

    /** {@link #commit(Group, BigInteger, BigInteger)} computed by {@code exp}. */
    static ECPoint commit(Group group, BigInteger value, BigInteger blinding, MultiExp exp) {
        BigInteger n = group.order();
        return exp.sum(new ECPoint[] {group.g(), group.h()}, new BigInteger[] {value.mod(n), blinding.mod(n)});
    }
}
