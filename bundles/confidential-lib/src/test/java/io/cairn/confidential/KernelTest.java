package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Balance by commitment sums and the kernel signature: value is neither made nor lost, and a kernel stays put. */
class KernelTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void aBalancedTransactionsKernelHoldsAndOneUnitMoreOutIsRefused() {
        for (Group g : new Group[] {Group.secp256k1(), Group.sm2()}) {
            BigInteger rIn1 = g.randomScalar(random);
            BigInteger rIn2 = g.randomScalar(random);
            BigInteger rOut1 = g.randomScalar(random);
            BigInteger rOut2 = g.randomScalar(random);
            List<ECPoint> in = List.of(Pedersen.commit(g, 70, rIn1), Pedersen.commit(g, 30, rIn2));
            List<ECPoint> out = List.of(Pedersen.commit(g, 55, rOut1), Pedersen.commit(g, 44, rOut2));
            BigInteger fee = BigInteger.ONE;
            BigInteger k = rIn1.add(rIn2).subtract(rOut1).subtract(rOut2).mod(g.order());
            byte[] message = "tx 1".getBytes(StandardCharsets.UTF_8);
            byte[] sig = Kernel.sign(g, k, message, random);
            assertEquals(65, sig.length);
            assertNull(Kernel.check(g, Kernel.excess(g, in, out, fee), message, sig), g.name());

            // one unit more out than in: the excess has a G part, and no key signs for it
            List<ECPoint> more = List.of(Pedersen.commit(g, 56, rOut1), Pedersen.commit(g, 44, rOut2));
            assertEquals("the kernel signature does not hold: the amounts do not balance, or it signs another "
                    + "transaction", Kernel.check(g, Kernel.excess(g, in, more, fee), message, sig));
            // the signer does not balance it either: signing with the same k for the unbalanced excess fails
            assertTrue(Kernel.check(g, Kernel.excess(g, in, more, fee), message, Kernel.sign(g, k, message, random))
                    != null);
            // the kernel moved onto another transaction's message
            assertTrue(Kernel.check(g, Kernel.excess(g, in, out, fee), "tx 2".getBytes(StandardCharsets.UTF_8), sig)
                    != null);
            // the fee is part of the balance
            assertTrue(Kernel.check(g, Kernel.excess(g, in, out, BigInteger.ZERO), message, sig) != null);
        }
    }

    @Test
    void malformedSignaturesAreNamed() {
        Group g = Group.secp256k1();
        ECPoint excess = g.h().multiply(BigInteger.TEN).normalize();
        assertEquals("a kernel signature is 65 bytes, not 64", Kernel.check(g, excess, new byte[0], new byte[64]));
        assertEquals("the kernel signature's R is not a 33-byte compressed point",
                Kernel.check(g, excess, new byte[0], new byte[65]));
        assertEquals("the kernel's excess is the point at infinity",
                Kernel.check(g, g.curve().getInfinity(), new byte[0], new byte[65]));
    }
}
