package io.cairn.launcher.client;

import io.cairn.confidential.Group;
import io.cairn.confidential.MultiExp;
import io.cairn.secp256k1.NativeSecp256k1;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The wallet's multi-exponentiation on secp256k1: each {@code k_i·P_i} by libsecp256k1 (on both cores when there are
 * many), their sum too. A one-shot command runs its Java code cold, where Bouncy Castle's arithmetic is several times
 * slower than once compiled; native code is fast from the first call. A term whose scalar is one is added as it is, a
 * zero scalar's skipped; any sum libsecp256k1 cannot give (the identity) is Bouncy Castle's: the points are the same.
 */
public final class NativeMultiExp implements MultiExp {
    private static final int PARALLEL_FROM = 16;

    private final ECCurve curve;

    private NativeMultiExp(Group group) {
        this.curve = group.curve();
    }

    /** The fastest multi-exponentiation for {@code group} here: libsecp256k1's on secp256k1 when it loads. */
    public static MultiExp forGroup(Group group) {
        return group == Group.secp256k1() && NativeSecp256k1.available() ? new NativeMultiExp(group)
                : MultiExp.bouncyCastle();
    }

    @Override
    public ECPoint sum(ECPoint[] points, BigInteger[] scalars) {
        List<Integer> terms = new ArrayList<>(points.length);
        for (int i = 0; i < points.length; i++) {
            if (scalars[i].signum() != 0 && !points[i].isInfinity()) {
                terms.add(i);
            }
        }
        byte[][] products = new byte[terms.size()][];
        IntStream each = IntStream.range(0, terms.size());
        boolean[] failed = new boolean[1];
        (terms.size() >= PARALLEL_FROM ? each.parallel() : each).forEach(t -> {
            int i = terms.get(t);
            byte[] point = points[i].normalize().getEncoded(false);
            products[t] = scalars[i].equals(BigInteger.ONE) ? point : NativeSecp256k1.multiply(point, bytes(scalars[i]));
            if (products[t] == null) {
                failed[0] = true;
            }
        });
        byte[] total = failed[0] || products.length == 0 ? null : NativeSecp256k1.add(products);
        if (total == null) {
            return MultiExp.bouncyCastle().sum(points, scalars);
        }
        return curve.createPoint(new BigInteger(1, Arrays.copyOfRange(total, 1, 33)),
                new BigInteger(1, Arrays.copyOfRange(total, 33, 65)));
    }

    private static byte[] bytes(BigInteger s) {
        byte[] raw = s.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }
}
