package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.crypto.CryptoSuite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;

/**
 * libsecp256k1 and Bouncy Castle must accept exactly the same signatures: nodes of one chain may run
 * either (another platform, native switched off), and a signature one accepts and another refuses would
 * split the chain.
 */
class Secp256k1VerifiersTest {
    private final Secp256k1Suite nativeSuite = (Secp256k1Suite) Suites.byName(CryptoSuite.SECP256K1, true);
    private final Secp256k1Suite bcSuite = (Secp256k1Suite) Suites.byName(CryptoSuite.SECP256K1, false);

    @Test
    void libsecp256k1VerifiesOnThisPlatform() {
        assertEquals("libsecp256k1", nativeSuite.verifier());
        assertTrue(nativeSuite.health().detail().contains("libsecp256k1"), nativeSuite.health().detail());
        assertTrue(bcSuite.verifier().startsWith("Bouncy Castle"), bcSuite.verifier());
    }

    @Test
    void bothVerifiersAgreeOnValidTamperedAndMalformedSignatures() {
        Random random = new Random(42);
        BigInteger n = bcSuite.n;
        int valid = 0;
        int cases = 0;
        for (int i = 0; i < 200; i++) {
            CryptoSuite.KeyPair kp = bcSuite.generateKeyPair();
            byte[] hash = bcSuite.hash(new byte[] {(byte) i, (byte) (i >> 8)});
            byte[] sig = bcSuite.sign(hash, kp.privateKey());
            byte[] pub = kp.publicKey();
            for (byte[][] c : variants(random, n, hash, sig, pub)) {
                boolean expected = bcSuite.verify(c[0], c[1], c[2]);
                assertEquals(expected, nativeSuite.verify(c[0], c[1], c[2]), "case " + cases + " of key " + i);
                valid += expected ? 1 : 0;
                cases++;
            }
        }
        assertEquals(200, valid, "exactly the untouched signatures verify");
    }

    private static List<byte[][]> variants(Random random, BigInteger n, byte[] hash, byte[] sig, byte[] pub) {
        List<byte[][]> out = new ArrayList<>();
        out.add(new byte[][] {hash, sig, pub});
        byte[] bit = sig.clone();
        bit[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
        out.add(new byte[][] {hash, bit, pub});
        byte[] h = hash.clone();
        h[random.nextInt(32)] ^= 1;
        out.add(new byte[][] {h, sig, pub});
        byte[] offCurve = pub.clone();
        offCurve[63] ^= 1;
        out.add(new byte[][] {hash, sig, offCurve});
        byte[] high = sig.clone();
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, n.subtract(s)), 0, high, 32, 32);
        out.add(new byte[][] {hash, high, pub});
        byte[] rPlusN = sig.clone(); // r + n still fits 32 bytes for small r: must be out of range, not reduced
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig, 0, 32));
        BigInteger big = r.add(n);
        if (big.bitLength() <= 256) {
            System.arraycopy(BigIntegers.asUnsignedByteArray(32, big), 0, rPlusN, 0, 32);
            out.add(new byte[][] {hash, rPlusN, pub});
        }
        byte[] zeroR = sig.clone();
        Arrays.fill(zeroR, 0, 32, (byte) 0);
        out.add(new byte[][] {hash, zeroR, pub});
        byte[] ff = new byte[64];
        Arrays.fill(ff, (byte) 0xff);
        out.add(new byte[][] {hash, sig, ff});
        out.add(new byte[][] {hash, sig, new byte[64]});
        out.add(new byte[][] {Arrays.copyOf(hash, 31), sig, pub});
        out.add(new byte[][] {hash, Arrays.copyOf(sig, 65), pub});
        out.add(new byte[][] {null, sig, pub});
        return out;
    }
}
