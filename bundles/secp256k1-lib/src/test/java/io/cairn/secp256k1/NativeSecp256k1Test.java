package io.cairn.secp256k1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** On the class path the library is copied out of the jar (inside OSGi Bundle-NativeCode maps it). */
class NativeSecp256k1Test {
    private static final HexFormat HEX = HexFormat.of();
    // private key 7, message 0x00..1f, signed by libsecp256k1 (RFC 6979, low s)
    private static final byte[] PUBLIC = HEX.parseHex("5cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc"
            + "6aebca40ba255960a3178d6d861a54dba813d0b813fde7b5a5082628087264da");
    private static final byte[] SIGNATURE = HEX.parseHex("5610d8e794eff759418a2b35ced2142befa58012425a89cecf8cc96426ac88c9"
            + "57a8e69a7d78ddadbeb207f9668815832b98657bed41d621453fc95502c3dd86");
    private static final byte[] HASH = new byte[32];
    // the order of the curve
    private static final byte[] N = HEX.parseHex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

    static {
        for (int i = 0; i < HASH.length; i++) {
            HASH[i] = (byte) i;
        }
    }

    @Test
    void loadsOnThisPlatform() {
        assertNull(NativeSecp256k1.unavailableReason());
        assertTrue(NativeSecp256k1.available());
    }

    @Test
    void acceptsAValidSignatureOnlyForItsHashAndKey() {
        assertTrue(NativeSecp256k1.verify(HASH, SIGNATURE, PUBLIC));
        byte[] otherHash = HASH.clone();
        otherHash[31] ^= 1;
        assertFalse(NativeSecp256k1.verify(otherHash, SIGNATURE, PUBLIC));
        byte[] otherSig = SIGNATURE.clone();
        otherSig[10] ^= 1;
        assertFalse(NativeSecp256k1.verify(HASH, otherSig, PUBLIC));
    }

    @Test
    void refusesMalformedInputWithoutThrowing() {
        byte[] offCurve = PUBLIC.clone();
        offCurve[63] ^= 1;
        assertFalse(NativeSecp256k1.verify(HASH, SIGNATURE, offCurve));
        assertFalse(NativeSecp256k1.verify(HASH, SIGNATURE, Arrays.copyOf(PUBLIC, 63)));
        assertFalse(NativeSecp256k1.verify(HASH, Arrays.copyOf(SIGNATURE, 63), PUBLIC));
        assertFalse(NativeSecp256k1.verify(Arrays.copyOf(HASH, 31), SIGNATURE, PUBLIC));
        assertFalse(NativeSecp256k1.verify(null, SIGNATURE, PUBLIC));
        assertFalse(NativeSecp256k1.verify(HASH, new byte[64], PUBLIC)); // r = s = 0
        byte[] rIsN = SIGNATURE.clone();
        System.arraycopy(N, 0, rIsN, 0, 32);
        assertFalse(NativeSecp256k1.verify(HASH, rIsN, PUBLIC));
    }

    @Test
    void refusesTheHighSTwinOfAValidSignature() {
        // (r, n - s) is the malleated twin: mathematically valid, refused so a transaction has one encoding
        java.math.BigInteger s = new java.math.BigInteger(1, Arrays.copyOfRange(SIGNATURE, 32, 64));
        java.math.BigInteger high = new java.math.BigInteger(1, N).subtract(s);
        byte[] twin = SIGNATURE.clone();
        byte[] h = high.toByteArray();
        byte[] h32 = new byte[32];
        System.arraycopy(h, Math.max(0, h.length - 32), h32, 32 - Math.min(32, h.length), Math.min(32, h.length));
        System.arraycopy(h32, 0, twin, 32, 32);
        assertEquals(32, h32.length);
        assertFalse(NativeSecp256k1.verify(HASH, twin, PUBLIC));
    }

    private static final byte[] G = HEX.parseHex("04" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            + "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");

    private static byte[] scalar(int k) {
        byte[] s = new byte[32];
        s[31] = (byte) k;
        return s;
    }

    @Test
    void multipliesAndAddsPointsAsTheCurveDoes() {
        byte[] sevenG = new byte[65];
        sevenG[0] = 4;
        System.arraycopy(PUBLIC, 0, sevenG, 1, 64);
        assertArrayEquals(sevenG, NativeSecp256k1.multiply(G, scalar(7)));
        assertArrayEquals(sevenG, NativeSecp256k1.add(new byte[][] {
                NativeSecp256k1.multiply(G, scalar(3)), NativeSecp256k1.multiply(G, scalar(4))}));
        assertArrayEquals(G, NativeSecp256k1.add(new byte[][] {G}));
    }

    @Test
    void saysNullWhereThereIsNoPointToGive() {
        assertNull(NativeSecp256k1.multiply(G, new byte[32]), "zero times a point is the identity");
        assertNull(NativeSecp256k1.multiply(G, N), "n is not a scalar below the order");
        byte[] offCurve = G.clone();
        offCurve[64] ^= 1;
        assertNull(NativeSecp256k1.multiply(offCurve, scalar(2)));
        byte[] minusG = G.clone(); // (x, p - y)
        byte[] y = new java.math.BigInteger(1, HEX.parseHex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"))
                .subtract(new java.math.BigInteger(1, Arrays.copyOfRange(G, 33, 65))).toByteArray();
        System.arraycopy(y, y.length - 32, minusG, 33, 32);
        assertNull(NativeSecp256k1.add(new byte[][] {G, minusG}), "G - G is the point at infinity");
    }
}
