package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The generators, cross-checked by a second derivation on the JDK's SHA-256 and plain integer arithmetic. */
class GroupTest {
    private static final BigInteger P = new BigInteger(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", 16);

    /** secp256k1's y^2 = x^3 + 7 over p = 3 mod 4, so a square root is rhs^((p+1)/4). */
    private static BigInteger[] reference(String label, int index) throws Exception {
        for (int counter = 0; ; counter++) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("cairn/confidential/v1\0" + label + "\0secp256k1").getBytes(StandardCharsets.UTF_8));
            sha.update(java.nio.ByteBuffer.allocate(8).putInt(index).putInt(counter).array());
            BigInteger x = new BigInteger(1, sha.digest()).mod(P);
            BigInteger rhs = x.pow(3).add(BigInteger.valueOf(7)).mod(P);
            BigInteger y = rhs.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
            if (!y.multiply(y).mod(P).equals(rhs)) {
                continue;
            }
            return new BigInteger[] {x, y.testBit(0) ? P.subtract(y) : y};
        }
    }

    @Test
    void theGeneratorsAreHashedToTheCurveAsDocumented() throws Exception {
        Group g = Group.secp256k1();
        check(g.h(), reference("H", 0));
        ECPoint[] gs = g.gVector(1024);
        ECPoint[] hs = g.hVector(1024);
        for (int i : new int[] {0, 1, 63, 64, 1023}) {
            check(gs[i], reference("G", i));
            check(hs[i], reference("Hv", i));
        }
        Set<ECPoint> all = new HashSet<>();
        all.add(g.g());
        all.add(g.h());
        all.addAll(java.util.List.of(gs));
        all.addAll(java.util.List.of(hs));
        assertEquals(2 * 1024 + 2, all.size(), "every generator is distinct");
        assertThrows(IllegalArgumentException.class, () -> g.gVector(1025));
    }

    private static void check(ECPoint p, BigInteger[] xy) {
        ECPoint n = p.normalize();
        assertEquals(xy[0], n.getAffineXCoord().toBigInteger());
        assertEquals(xy[1], n.getAffineYCoord().toBigInteger());
        assertTrue(n.isValid());
    }

    @Test
    void commitmentsAddUpAsTheirValuesAndBlindingsDo() {
        Group g = Group.secp256k1();
        SecureRandom random = new SecureRandom();
        BigInteger r1 = g.randomScalar(random);
        BigInteger r2 = g.randomScalar(random);
        ECPoint sum = Pedersen.commit(g, 30, r1).add(Pedersen.commit(g, 12, r2)).normalize();
        assertEquals(Pedersen.commit(g, 42, r1.add(r2)), sum);
        assertNotEquals(Pedersen.commit(g, 43, r1.add(r2)), sum);
        // v·G + r·H computed the long way
        assertEquals(g.g().multiply(BigInteger.valueOf(30)).add(g.h().multiply(r1)).normalize(), Pedersen.commit(g, 30, r1));
        assertEquals(Pedersen.commit(g, new BigInteger("18446744073709551615"), r1), Pedersen.commit(g, -1L, r1),
                "a long is read unsigned");
    }

    @Test
    void aPointEncodingThatIsNotOnTheCurveIsRefused() {
        Group g = Group.secp256k1();
        int x = 1;
        while (BigInteger.valueOf(x).pow(3).add(BigInteger.valueOf(7)).modPow(P.subtract(BigInteger.ONE).shiftRight(1), P)
                .equals(BigInteger.ONE)) {
            x++; // Euler's criterion: x^3 + 7 a square mod p, so x is on the curve
        }
        byte[] b = new byte[33];
        b[0] = 2;
        b[32] = (byte) x;
        assertEquals("V is not a point of secp256k1",
                assertThrows(IllegalArgumentException.class, () -> g.decode(b, "V")).getMessage());
        assertEquals(g.h(), g.decode(g.encode(g.h()), "H"));
    }
}
