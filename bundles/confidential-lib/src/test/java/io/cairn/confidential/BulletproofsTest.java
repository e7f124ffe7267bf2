package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Random;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Completeness, soundness and the encoding of the range proofs, cross-checked by the paper's equations. */
class BulletproofsTest {
    private static final Group GROUP = Group.secp256k1();
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private final SecureRandom random = new SecureRandom();

    private BigInteger[] blindings(int count) {
        BigInteger[] r = new BigInteger[count];
        for (int i = 0; i < count; i++) {
            r[i] = GROUP.randomScalar(random);
        }
        return r;
    }

    private static ECPoint[] commit(Group group, BigInteger[] values, BigInteger[] blindings) {
        ECPoint[] v = new ECPoint[values.length];
        for (int i = 0; i < values.length; i++) {
            v[i] = Pedersen.commit(group, values[i], blindings[i]);
        }
        return v;
    }

    private static BigInteger big(long unsigned) {
        return new BigInteger(Long.toUnsignedString(unsigned));
    }

    @Test
    void everyHonestProofVerifiesForOneToSixteenValuesIncludingTheEndsOfTheRange() {
        Random values = new Random(7);
        for (int m : new int[] {1, 2, 3, 4, 16}) {
            BigInteger[] v = new BigInteger[m];
            for (int i = 0; i < m; i++) {
                v[i] = i == 0 ? BigInteger.ZERO : i == 1 ? TWO_64.subtract(BigInteger.ONE) : big(values.nextLong());
            }
            BigInteger[] r = blindings(m);
            RangeProof proof = Bulletproofs.prove(GROUP, v, r, random);
            ECPoint[] c = commit(GROUP, v, r);
            assertNull(Bulletproofs.check(GROUP, c, proof, random), "m = " + m);
            assertTrue(ReferenceVerifier.verify(GROUP, c, proof), "the paper's equations hold too, m = " + m);
        }
    }

    @Test
    void aProverGivenItsOwnArithmeticMakesItsSumsWithItAndItsProofsHold() {
        java.util.concurrent.atomic.AtomicInteger terms = new java.util.concurrent.atomic.AtomicInteger();
        MultiExp counting = (points, scalars) -> {
            terms.addAndGet(points.length);
            return MultiExp.bouncyCastle().sum(points, scalars);
        };
        for (int m : new int[] {1, 2, 3}) {
            BigInteger[] v = new BigInteger[m];
            for (int i = 0; i < m; i++) {
                v[i] = BigInteger.valueOf(1000L * i + 1);
            }
            BigInteger[] r = blindings(m);
            terms.set(0);
            RangeProof proof = Bulletproofs.prove(GROUP, v, r, random, counting);
            assertNull(Bulletproofs.check(GROUP, commit(GROUP, v, r), proof, random));
            // every multiplication of the proof is the given arithmetic's: S alone has 2N + 1 terms, and each of
            // the log2(N) rounds an L and an R of N + 1 terms at its first round
            int bigN = 64 * Integer.highestOneBit(2 * m - 1);
            assertTrue(terms.get() > 4 * bigN, terms.get() + " terms");
        }
    }

    @Test
    void aProofIs688BytesForOneValueAnd754ForTwoAndDecodesToItself() {
        BigInteger[] v = {BigInteger.valueOf(5), BigInteger.valueOf(1_000_000)};
        BigInteger[] r = blindings(2);
        RangeProof two = Bulletproofs.prove(GROUP, v, r, random);
        byte[] bytes = two.encode(GROUP);
        assertEquals(754, bytes.length);
        assertEquals(754, RangeProof.size(2));
        RangeProof back = RangeProof.decode(GROUP, bytes);
        assertArrayEquals(bytes, back.encode(GROUP));
        assertTrue(Bulletproofs.verify(GROUP, commit(GROUP, v, r), back));
        RangeProof one = Bulletproofs.prove(GROUP, new BigInteger[] {BigInteger.TEN}, new BigInteger[] {r[0]}, random);
        assertEquals(688, one.encode(GROUP).length);
        assertEquals(688, RangeProof.size(1));
    }

    @Test
    void theSizeOfAProofOverAnyCountIsThatOfItsPaddedPowerOfTwo() {
        int[] sizes = {0, 688, 754, 820, 820, 886, 886, 886, 886, 952, 952, 952, 952, 952, 952, 952, 952};
        for (int n = 1; n <= Group.MAX_AGGREGATION; n++) {
            assertEquals(sizes[n], RangeProof.size(n), "outputs " + n);
        }
        for (int n : new int[] {3, 11}) {
            BigInteger[] v = new BigInteger[n];
            java.util.Arrays.fill(v, BigInteger.valueOf(n));
            assertEquals(RangeProof.size(n), Bulletproofs.prove(GROUP, v, blindings(n), random).encode(GROUP).length,
                    "a proof over " + n + " values");
        }
        assertThrows(IllegalArgumentException.class, () -> RangeProof.size(17));
    }

    @Test
    void theProverRefusesAValueOutsideTheRange() {
        BigInteger[] r = blindings(1);
        assertEquals("value 0 is not in [0, 2^64): 18446744073709551616", assertThrows(IllegalArgumentException.class,
                () -> Bulletproofs.prove(GROUP, new BigInteger[] {TWO_64}, r, random)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Bulletproofs.prove(GROUP, new BigInteger[] {BigInteger.valueOf(-1)}, r, random));
    }

    @Test
    void noProofHoldsForAValueOf2To64OrMore() {
        for (BigInteger bad : new BigInteger[] {TWO_64, TWO_64.add(BigInteger.valueOf(12345)), TWO_64.shiftLeft(3)}) {
            BigInteger[] v = {bad};
            BigInteger[] r = blindings(1);
            RangeProof forged = Bulletproofs.proveAnyValues(GROUP, v, r, random);
            ECPoint[] c = commit(GROUP, v, r);
            assertEquals("the range proof does not hold for these commitments", Bulletproofs.check(GROUP, c, forged,
                    random), bad.toString());
            assertFalse(ReferenceVerifier.verify(GROUP, c, forged));
        }
    }

    @Test
    void noProofHoldsForANegativeValueACommitmentToNMinusV() {
        BigInteger negative = GROUP.order().subtract(BigInteger.valueOf(7)); // -7
        BigInteger[] v = {BigInteger.valueOf(100), negative};
        BigInteger[] r = blindings(2);
        RangeProof forged = Bulletproofs.proveAnyValues(GROUP, v, r, random);
        assertFalse(Bulletproofs.verify(GROUP, commit(GROUP, v, r), forged));
    }

    @Test
    void aProofDoesNotHoldForAnotherCommitmentOrAnotherOrder() {
        BigInteger[] v = {BigInteger.valueOf(3), BigInteger.valueOf(4)};
        BigInteger[] r = blindings(2);
        RangeProof proof = Bulletproofs.prove(GROUP, v, r, random);
        ECPoint[] c = commit(GROUP, v, r);
        assertFalse(Bulletproofs.verify(GROUP, new ECPoint[] {c[1], c[0]}, proof), "swapped");
        ECPoint other = Pedersen.commit(GROUP, BigInteger.valueOf(3), GROUP.randomScalar(random));
        assertFalse(Bulletproofs.verify(GROUP, new ECPoint[] {other, c[1]}, proof), "same value, other blinding");
        assertEquals("the proof has 7 rounds; 1 commitments need 6",
                Bulletproofs.check(GROUP, new ECPoint[] {c[0]}, proof, random));
        assertFalse(Bulletproofs.verify(GROUP, new ECPoint[] {c[0], c[1], c[0]}, proof), "three need 4 values' rounds");
    }

    @Test
    void aTamperedProofIsRefusedWhateverByteChanges() {
        BigInteger[] v = {BigInteger.valueOf(42)};
        BigInteger[] r = blindings(1);
        ECPoint[] c = commit(GROUP, v, r);
        byte[] good = Bulletproofs.prove(GROUP, v, r, random).encode(GROUP);
        Random where = new Random(11);
        int refusedByDecode = 0;
        for (int trial = 0; trial < 40; trial++) {
            byte[] bad = good.clone();
            int i = trial < 20 ? trial * 34 % bad.length : where.nextInt(bad.length);
            bad[i] ^= (byte) (1 << where.nextInt(8));
            try {
                assertFalse(Bulletproofs.verify(GROUP, c, RangeProof.decode(GROUP, bad)), "byte " + i);
            } catch (IllegalArgumentException notAProof) {
                refusedByDecode++; // a point off the curve, or a scalar of n or more
            }
        }
        assertTrue(refusedByDecode < 40, "most flips still decode, and the verifier refuses them");
    }

    @Test
    void malformedEncodingsAreRefusedNamingWhatIsWrong() {
        assertEquals("a range proof is 688 to 952 bytes (292 + 66 per round of 6 to 10), not 100",
                assertThrows(IllegalArgumentException.class, () -> RangeProof.decode(GROUP, new byte[100]))
                        .getMessage());
        byte[] zeros = new byte[688];
        assertEquals("range proof A is not a 33-byte compressed point",
                assertThrows(IllegalArgumentException.class, () -> RangeProof.decode(GROUP, zeros)).getMessage());
        byte[] good = Bulletproofs.prove(GROUP, new BigInteger[] {BigInteger.ONE}, blindings(1), random).encode(GROUP);
        byte[] big = good.clone();
        java.util.Arrays.fill(big, 132, 164, (byte) 0xff); // τx = 2^256 - 1
        assertEquals("range proof τx is not a scalar below the group's order",
                assertThrows(IllegalArgumentException.class, () -> RangeProof.decode(GROUP, big)).getMessage());
    }

    @Test
    void checkingLeavesNoCachedTablesOnAProofsPointsOrItsCommitments() {
        BigInteger[] v = {BigInteger.valueOf(5), BigInteger.valueOf(7)};
        BigInteger[] r = blindings(2);
        RangeProof proof = RangeProof.decode(GROUP, Bulletproofs.prove(GROUP, v, r, random).encode(GROUP));
        ECPoint[] c = commit(GROUP, v, r);
        for (int i = 0; i < c.length; i++) {
            c[i] = GROUP.decode(GROUP.encode(c[i]), "V" + i);
        }
        assertNull(Bulletproofs.checkEach(GROUP, java.util.List.of(c, c), java.util.List.of(proof, proof), random)[0]);
        java.util.List<ECPoint> held = new java.util.ArrayList<>(java.util.List.of(c));
        held.addAll(java.util.List.of(proof.a(), proof.s(), proof.t1(), proof.t2()));
        held.addAll(java.util.List.of(proof.l()));
        held.addAll(java.util.List.of(proof.r()));
        for (ECPoint p : held) { // a table kept on a point lives as long as the transaction holding it
            for (String table : new String[] {"bc_validity", "bc_wnaf", "bc_endo"}) {
                assertNull(GROUP.curve().getPreCompInfo(p, table), table);
            }
        }
    }

    @Test
    void aBatchOfProofsOfDifferentSizesVerifiesAtOnceAndNamesTheOneThatFails() {
        java.util.List<ECPoint[]> commitments = new java.util.ArrayList<>();
        java.util.List<RangeProof> proofs = new java.util.ArrayList<>();
        for (int m : new int[] {1, 2, 2, 4, 1}) {
            BigInteger[] v = new BigInteger[m];
            for (int i = 0; i < m; i++) {
                v[i] = BigInteger.valueOf(1000L * m + i);
            }
            BigInteger[] r = blindings(m);
            commitments.add(commit(GROUP, v, r));
            proofs.add(Bulletproofs.prove(GROUP, v, r, random));
        }
        assertNull(Bulletproofs.checkBatch(GROUP, commitments, proofs, random));
        BigInteger[] bad = {TWO_64.add(BigInteger.ONE), BigInteger.ONE};
        BigInteger[] r = blindings(2);
        commitments.set(2, commit(GROUP, bad, r));
        proofs.set(2, Bulletproofs.proveAnyValues(GROUP, bad, r, random));
        assertEquals("proof 2: the range proof does not hold for these commitments",
                Bulletproofs.checkBatch(GROUP, commitments, proofs, random));
        commitments.set(2, commitments.get(0));
        assertEquals("proof 2: the proof has 7 rounds; 1 commitments need 6",
                Bulletproofs.checkBatch(GROUP, commitments, proofs, random));
    }

    @Test
    void proofsWorkTheSameOnSm2sCurve() {
        Group sm2 = Group.sm2();
        BigInteger[] v = {BigInteger.valueOf(9), TWO_64.subtract(BigInteger.ONE)};
        BigInteger[] r = {sm2.randomScalar(random), sm2.randomScalar(random)};
        RangeProof proof = Bulletproofs.prove(sm2, v, r, random);
        ECPoint[] c = commit(sm2, v, r);
        assertTrue(Bulletproofs.verify(sm2, c, proof));
        assertTrue(ReferenceVerifier.verify(sm2, c, proof));
        assertFalse(Bulletproofs.verify(sm2, c, Bulletproofs.proveAnyValues(sm2, new BigInteger[] {TWO_64, v[1]}, r,
                random)));
    }
}
