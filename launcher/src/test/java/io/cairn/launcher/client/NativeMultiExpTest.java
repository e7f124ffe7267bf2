package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.confidential.Bulletproofs;
import io.cairn.confidential.Group;
import io.cairn.confidential.MultiExp;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.RangeProof;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The wallet's libsecp256k1 arithmetic gives Bouncy Castle's points, its edge cases included. */
class NativeMultiExpTest {
    private static final Group GROUP = Group.secp256k1();
    private final SecureRandom random = new SecureRandom();
    private final MultiExp exp = NativeMultiExp.forGroup(GROUP);

    private ECPoint randomPoint() {
        return GROUP.g().multiply(GROUP.randomScalar(random)).normalize();
    }

    @Test
    void onSecp256k1ItIsLibsecp256k1AndOnSm2BouncyCastle() {
        assertNotSame(MultiExp.bouncyCastle(), exp);
        assertSame(MultiExp.bouncyCastle(), NativeMultiExp.forGroup(Group.sm2()));
    }

    @Test
    void itsSumsAreBouncyCastlesForAnyNumberOfTerms() {
        for (int size : new int[] {1, 2, 3, 15, 16, 17, 129}) {
            ECPoint[] points = new ECPoint[size];
            BigInteger[] scalars = new BigInteger[size];
            for (int i = 0; i < size; i++) {
                points[i] = randomPoint();
                scalars[i] = GROUP.randomScalar(random);
            }
            assertEquals(MultiExp.bouncyCastle().sum(points, scalars), exp.sum(points, scalars), size + " terms");
        }
    }

    @Test
    void zeroAndOneScalarsAndAnIdentitySumAreHandled() {
        ECPoint p = randomPoint();
        ECPoint q = randomPoint();
        BigInteger n = GROUP.order();
        // a zero scalar's term is skipped, a scalar of one adds the point as it is
        assertEquals(q, exp.sum(new ECPoint[] {p, q}, new BigInteger[] {BigInteger.ZERO, BigInteger.ONE}));
        // every term zero, and p + (n-1)·p: the identity, which libsecp256k1 does not encode
        assertTrue(exp.sum(new ECPoint[] {p}, new BigInteger[] {BigInteger.ZERO}).isInfinity());
        assertTrue(exp.sum(new ECPoint[] {p, p}, new BigInteger[] {BigInteger.ONE, n.subtract(BigInteger.ONE)})
                .isInfinity());
        assertEquals(p.multiply(BigInteger.TEN).normalize(), exp.multiply(p, BigInteger.TEN));
    }

    @Test
    void aProofItMakesHoldsForTheNode() {
        BigInteger[] values = {BigInteger.valueOf(300), BigInteger.valueOf(700)};
        BigInteger[] blindings = {GROUP.randomScalar(random), GROUP.randomScalar(random)};
        RangeProof proof = Bulletproofs.prove(GROUP, values, blindings, random, exp);
        ECPoint[] commitments = {Pedersen.commit(GROUP, values[0], blindings[0]),
                Pedersen.commit(GROUP, values[1], blindings[1])};
        assertTrue(Bulletproofs.verify(GROUP, commitments, proof));
    }
}
