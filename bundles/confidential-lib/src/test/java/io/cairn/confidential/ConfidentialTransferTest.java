package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.confidential.ConfidentialTransfer.Made;
import io.cairn.confidential.ConfidentialTransfer.Payee;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Transfers end to end at the value level: who reads what, what balances, and value neither made nor lost. */
class ConfidentialTransferTest {
    private static final Group GROUP = Group.secp256k1();
    private final SecureRandom random = new SecureRandom();
    private final BigInteger alice = GROUP.randomScalar(random);
    private final BigInteger bob = GROUP.randomScalar(random);
    private final BigInteger carol = GROUP.randomScalar(random);
    private final BigInteger auditor = GROUP.randomScalar(random);

    private static ECPoint key(BigInteger secret) {
        return GROUP.g().multiply(secret).normalize();
    }

    private static byte[] message(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAmountIsItsLongReadUnsigned() {
        assertEquals(BigInteger.valueOf(5), Pedersen.amount(5));
        assertEquals(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE), Pedersen.amount(-1));
        assertEquals(BigInteger.ONE.shiftLeft(63), Pedersen.amount(Long.MIN_VALUE));
        assertEquals(Pedersen.commit(GROUP, Pedersen.amount(-1), BigInteger.TEN), Pedersen.commit(GROUP, -1L, BigInteger.TEN));
    }

    @Test
    void theReceiverReadsItsAmountAStrangerNothingTheAuditorEverything() {
        List<Opening> coins = List.of(new Opening(60, GROUP.randomScalar(random)),
                new Opening(45, GROUP.randomScalar(random)));
        List<ECPoint> inputs = coins.stream().map(o -> o.commitment(GROUP)).toList();
        Made made = ConfidentialTransfer.make(GROUP, coins, List.of(new Payee(key(bob), 80), new Payee(key(alice), 24)),
                1, key(auditor), random);
        byte[] kernel = made.signKernel(GROUP, message("tx"), random);
        assertNull(ConfidentialTransfer.check(GROUP, inputs, made.commitments(), made.proof(), 1, message("tx"), kernel,
                random));

        ConfidentialTransfer.Output toBob = made.outputs().get(0);
        Opening bobReads = SealedOpening.open(GROUP, bob, toBob.sealedToOwner());
        assertEquals(80, bobReads.amount());
        assertTrue(bobReads.opens(GROUP, toBob.commitment()));
        assertEquals(24, SealedOpening.open(GROUP, alice, made.outputs().get(1).sealedToOwner()).amount(), "change");
        for (ConfidentialTransfer.Output o : made.outputs()) {
            assertNull(SealedOpening.open(GROUP, carol, o.sealedToOwner()), "carol reads nothing");
            assertNull(SealedOpening.open(GROUP, carol, o.sealedToAuditor()));
            assertTrue(SealedOpening.open(GROUP, auditor, o.sealedToAuditor()).opens(GROUP, o.commitment()));
        }
        assertNull(SealedOpening.open(GROUP, alice, toBob.sealedToOwner()), "the sender cannot reread bob's");
        assertTrue(!made.toString().contains("80"), made.toString());
    }

    @Test
    void aTransferThatDoesNotBalanceIsNotMadeAndOneForgedIsRefused() {
        List<Opening> coins = List.of(new Opening(10, GROUP.randomScalar(random)));
        List<ECPoint> inputs = List.of(coins.get(0).commitment(GROUP));
        assertEquals("the inputs hold 10 but the outputs and the fee take 11", assertThrows(
                IllegalArgumentException.class, () -> ConfidentialTransfer.make(GROUP, coins,
                        List.of(new Payee(key(bob), 11)), 0, null, random)).getMessage());

        // one unit more out than in, made anyway: the range proof holds, the kernel does not
        Made forged = ConfidentialTransfer.makeUnbalanced(GROUP, coins, List.of(new Payee(key(bob), 11)), null, random,
                MultiExp.bouncyCastle());
        assertEquals("the kernel signature does not hold: the amounts do not balance, or it signs another transaction",
                ConfidentialTransfer.check(GROUP, inputs, forged.commitments(), forged.proof(), 0, message("tx"),
                        forged.signKernel(GROUP, message("tx"), random), random));

        // a "negative" output that balances the sum (10 = 17 + (-7)) with a valid kernel: only the range proof refuses
        BigInteger d = GROUP.randomScalar(random);
        BigInteger r1 = GROUP.randomScalar(random);
        BigInteger r2 = coins.get(0).blinding().subtract(r1).subtract(d).mod(GROUP.order());
        BigInteger minus7 = GROUP.order().subtract(BigInteger.valueOf(7));
        List<ECPoint> outs = List.of(Pedersen.commit(GROUP, BigInteger.valueOf(17), r1),
                Pedersen.commit(GROUP, minus7, r2));
        RangeProof proof = Bulletproofs.proveAnyValues(GROUP, new BigInteger[] {BigInteger.valueOf(17), minus7},
                new BigInteger[] {r1, r2}, random);
        byte[] kernel = Kernel.sign(GROUP, d, message("tx"), random);
        assertNull(Kernel.check(GROUP, Kernel.excess(GROUP, inputs, outs, BigInteger.ZERO), message("tx"), kernel),
                "the sums balance: the kernel alone accepts it");
        assertEquals("the range proof does not hold for these commitments", ConfidentialTransfer.check(GROUP, inputs,
                outs, proof, 0, message("tx"), kernel, random));
    }

    @Test
    void overManyRandomTransfersTheSupplyTheAuditorSeesOnlyShrinksByTheFees() {
        Random r = new Random(3);
        BigInteger[] owners = {alice, bob, carol};
        record Coin(int owner, ECPoint commitment, byte[] sealedToOwner, byte[] sealedToAuditor) {}
        List<Coin> unspent = new ArrayList<>();
        long supply = 0;
        for (int i = 0; i < 3; i++) { // coins of public amounts, blinding 0, as a chain might start with
            Opening o = new Opening(1_000_000L * (i + 1), BigInteger.ZERO);
            unspent.add(new Coin(i, o.commitment(GROUP), SealedOpening.seal(GROUP, key(owners[i]), o, random),
                    SealedOpening.seal(GROUP, key(auditor), o, random)));
            supply += o.amount();
        }
        long fees = 0;
        for (int t = 0; t < 25; t++) {
            int owner = r.nextInt(3);
            List<Coin> mine = unspent.stream().filter(c -> c.owner() == owner).toList();
            if (mine.isEmpty()) {
                continue;
            }
            List<Coin> spend = mine.subList(0, Math.min(mine.size(), 1 + r.nextInt(2)));
            List<Opening> openings = spend.stream().map(c -> SealedOpening.open(GROUP, owners[owner], c.sealedToOwner()))
                    .toList();
            long have = openings.stream().mapToLong(Opening::amount).sum();
            long fee = have > 0 ? r.nextInt((int) Math.min(3, have + 1)) : 0;
            long pay = (have - fee) == 0 ? 0 : (long) (r.nextDouble() * (have - fee));
            int to = r.nextInt(3);
            Made made = ConfidentialTransfer.make(GROUP, openings, List.of(new Payee(key(owners[to]), pay),
                    new Payee(key(owners[owner]), have - fee - pay)), fee, key(auditor), random);
            byte[] msg = message("tx " + t);
            assertNull(ConfidentialTransfer.check(GROUP, spend.stream().map(Coin::commitment).toList(),
                    made.commitments(), made.proof(), fee, msg, made.signKernel(GROUP, msg, random), random));
            unspent.removeAll(spend);
            for (int i = 0; i < 2; i++) {
                ConfidentialTransfer.Output o = made.outputs().get(i);
                unspent.add(new Coin(i == 0 ? to : owner, o.commitment(), o.sealedToOwner(), o.sealedToAuditor()));
            }
            fees += fee;
            long seen = 0;
            for (Coin c : unspent) {
                Opening o = SealedOpening.open(GROUP, auditor, c.sealedToAuditor());
                assertTrue(o.opens(GROUP, c.commitment()));
                seen += o.amount();
            }
            assertEquals(supply - fees, seen, "after transfer " + t);
        }
    }
}
