package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Random;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Pippenger's sums against Bouncy Castle's interleaved wNAF, on both curves, with the edge cases a batch meets. */
class PippengerTest {
    private static void sameAsBouncyCastle(Group group, int count, long seed) {
        Random random = new Random(seed);
        BigInteger n = group.order();
        ECPoint[] points = new ECPoint[count];
        BigInteger[] scalars = new BigInteger[count];
        for (int i = 0; i < count; i++) {
            points[i] = group.g().multiply(new BigInteger(n.bitLength() - 1, random).add(BigInteger.ONE)).normalize();
            scalars[i] = switch (i % 7) {
                case 0 -> BigInteger.ZERO;
                case 1 -> BigInteger.ONE;
                case 2 -> n.subtract(BigInteger.ONE); // every window's digit at its largest
                case 3 -> n.add(BigInteger.valueOf(i)); // taken modulo n
                default -> new BigInteger(n.bitLength(), random).mod(n);
            };
        }
        if (count > 4) {
            points[4] = group.curve().getInfinity();
            points[5] = points[6].negate(); // terms cancelling in a bucket
            scalars[5] = scalars[6];
        }
        ECPoint expected = ECAlgorithms.sumOfMultiplies(points, scalars).normalize();
        assertEquals(expected, Pippenger.sum(group.curve(), points, scalars), group.name() + ", " + count + " points");
    }

    @Test
    void givesBouncyCastlesSumOnSecp256k1AndSm2ForOneToThousandsOfPoints() {
        for (Group group : new Group[] {Group.secp256k1(), Group.sm2()}) {
            for (int count : new int[] {1, 2, 7, 63, 64, 65, 300, 1500}) {
                sameAsBouncyCastle(group, count, count * 31L + group.name().length());
            }
        }
    }

    @Test
    void aSumThatCancelsIsTheIdentity() {
        Group group = Group.secp256k1();
        ECPoint[] points = new ECPoint[100];
        BigInteger[] scalars = new BigInteger[100];
        for (int i = 0; i < 100; i += 2) {
            points[i] = group.g().multiply(BigInteger.valueOf(i + 3)).normalize();
            points[i + 1] = points[i];
            scalars[i] = BigInteger.valueOf(1000 + i);
            scalars[i + 1] = group.order().subtract(scalars[i]);
        }
        assertTrue(Pippenger.sum(group.curve(), points, scalars).isInfinity());
        assertTrue(Scalars.sum(points, scalars).isInfinity());
    }

    @Test
    void theWindowGrowsWithThePoints() {
        assertTrue(Pippenger.window(1, 256) >= 1);
        assertTrue(Pippenger.window(300, 256) < Pippenger.window(3000, 256));
        assertTrue(Pippenger.window(1 << 20, 256) <= 16);
    }

    @Test
    void refusesScalarsThatDoNotMatchThePoints() {
        Group group = Group.secp256k1();
        assertThrows(IllegalArgumentException.class,
                () -> Pippenger.sum(group.curve(), new ECPoint[] {group.g()}, new BigInteger[0]));
    }
}
