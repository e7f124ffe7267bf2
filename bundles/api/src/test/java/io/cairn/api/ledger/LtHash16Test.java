package io.cairn.api.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.bouncycastle.crypto.engines.ChaChaEngine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.junit.jupiter.api.Test;

class LtHash16Test {
    private final Random random = new Random(42);

    private byte[] seed() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return s;
    }

    @Test
    void elementIsTheChaCha20KeystreamAsLittleEndianLanes() {
        byte[] seed = seed();
        ChaChaEngine engine = new ChaChaEngine(20);
        engine.init(true, new ParametersWithIV(new KeyParameter(seed), new byte[8]));
        byte[] keystream = new byte[LtHash16.BYTES];
        engine.processBytes(new byte[LtHash16.BYTES], 0, LtHash16.BYTES, keystream, 0);

        LtHash16 h = new LtHash16();
        h.add(seed);
        // one element added to the empty set: its lanes are the keystream, byte for byte
        assertArrayEquals(keystream, h.toBytes());
    }

    /** The keystream of Bouncy Castle's ChaCha20 (20 rounds, zero nonce) for {@code seed}, as lanes. */
    private static char[] reference(byte[] seed) {
        ChaChaEngine engine = new ChaChaEngine(20);
        engine.init(true, new ParametersWithIV(new KeyParameter(seed), new byte[8]));
        byte[] keystream = new byte[LtHash16.BYTES];
        engine.processBytes(new byte[LtHash16.BYTES], 0, LtHash16.BYTES, keystream, 0);
        char[] lanes = new char[LtHash16.LANES];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = (char) ((keystream[2 * i] & 0xff) | (keystream[2 * i + 1] & 0xff) << 8);
        }
        return lanes;
    }

    @Test
    void theSimdExpansionIsTheChaCha20KeystreamForEverySeed() {
        // the build runs unit tests with jdk.incubator.vector, as the node's launcher does; skipped only on a CPU
        // whose vectors hold fewer than 8 ints, where the scalar code is used
        assumeTrue(ChaChaLanes.worthIt(), "vectors of " + ChaChaLanes.WIDTH + " ints");
        assertTrue(LtHash16.VECTOR, "the vector API works here but LtHash16 does not use it");
        assertTrue(LtHash16.implementation().contains("vectors"), LtHash16.implementation());
        int[] in = new int[16];
        int[] words = ChaChaLanes.buffer();
        for (int n = 0; n < 1000; n++) {
            byte[] seed = seed();
            in[0] = 0x61707865;
            in[1] = 0x3320646e;
            in[2] = 0x79622d32;
            in[3] = 0x6b206574;
            for (int i = 0; i < 8; i++) {
                in[4 + i] = (seed[4 * i] & 0xff) | (seed[4 * i + 1] & 0xff) << 8 | (seed[4 * i + 2] & 0xff) << 16
                        | (seed[4 * i + 3] & 0xff) << 24;
            }
            char[] vector = new char[LtHash16.LANES];
            ChaChaLanes.expand(in, words, vector);
            char[] expected = reference(seed);
            assertArrayEquals(expected, vector, "seed " + n);
            assertArrayEquals(expected, new LtHash16().expand(seed), "seed " + n);
        }
    }

    @Test
    void anExpansionAddsAndSubtractsAsItsSeed() {
        byte[] a = seed();
        byte[] b = seed();
        LtHash16 bySeed = new LtHash16();
        bySeed.add(a);
        bySeed.add(b);
        bySeed.subtract(a);
        LtHash16 byExpansion = new LtHash16();
        byExpansion.add(byExpansion.expand(a));
        byExpansion.add(byExpansion.expand(b));
        byExpansion.subtract(byExpansion.expand(a));
        assertArrayEquals(bySeed.toBytes(), byExpansion.toBytes());
        LtHash16 onlyB = new LtHash16();
        onlyB.add(b);
        assertArrayEquals(onlyB.toBytes(), byExpansion.toBytes());
    }

    @Test
    void addIsCommutativeAndSubtractUndoes() {
        byte[] a = seed();
        byte[] b = seed();
        byte[] c = seed();
        LtHash16 x = new LtHash16();
        x.add(a);
        x.add(b);
        x.add(c);
        LtHash16 y = new LtHash16();
        y.add(c);
        y.add(a);
        y.add(b);
        assertArrayEquals(x.toBytes(), y.toBytes());

        y.subtract(b);
        LtHash16 z = new LtHash16();
        z.add(a);
        z.add(c);
        assertArrayEquals(z.toBytes(), y.toBytes());
        z.subtract(a);
        z.subtract(c);
        assertArrayEquals(new byte[LtHash16.BYTES], z.toBytes());
    }

    @Test
    void lanesWrapModulo2To16() {
        byte[] s = seed();
        LtHash16 h = new LtHash16();
        for (int i = 0; i < 65_536; i++) {
            h.add(s); // 2^16 copies of one element sum to zero in every lane
        }
        assertArrayEquals(new byte[LtHash16.BYTES], h.toBytes());
        LtHash16 back = LtHash16.fromBytes(h.toBytes());
        back.subtract(s);
        LtHash16 minusOne = new LtHash16();
        minusOne.subtract(s);
        assertArrayEquals(minusOne.toBytes(), back.toBytes());
        assertFalse(Arrays.equals(new byte[LtHash16.BYTES], back.toBytes()));
    }

    @Test
    void rejectsWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> LtHash16.fromBytes(new byte[2047]));
        assertThrows(IllegalArgumentException.class, () -> new LtHash16().add(new byte[31]));
    }
}
