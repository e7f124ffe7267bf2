package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Arrays;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SuitesTest {
    private static final byte[] KEY_46 = Bytes.fromHex("0x4646464646464646464646464646464646464646464646464646464646464646");

    @Test
    void keccak256OfEmptyInput() {
        assertEquals("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
                Bytes.toHex(Suites.byName("secp256k1").hash(new byte[0])));
    }

    @Test
    void sm3OfAbc() {
        assertEquals("0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
                Bytes.toHex(Suites.byName("sm2").hash("abc".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void secp256k1AddressMatchesEthereum() {
        CryptoSuite s = Suites.byName("secp256k1");
        assertEquals("0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f", s.address(s.publicKey(KEY_46)).toHex());
    }

    @Test
    void secp256k1SignatureMatchesEip155Example() {
        // EIP-155: the signing hash of its example transaction, signed with key 0x46..46 (RFC 6979 nonce)
        CryptoSuite s = Suites.byName("secp256k1");
        byte[] hash = Bytes.fromHex("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
        byte[] sig = s.sign(hash, KEY_46);
        assertEquals(new BigInteger("18515461264373351373200002665853028612451056578545711640558177340181847433846"),
                new BigInteger(1, Arrays.copyOfRange(sig, 0, 32)));
        assertEquals(new BigInteger("46948507304638947509940763649030358759909902576025900602547168820602576006531"),
                new BigInteger(1, Arrays.copyOfRange(sig, 32, 64)));
        assertArrayEquals(sig, s.sign(hash, KEY_46), "RFC 6979 signatures are deterministic");
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp256k1", "sm2"})
    void signVerifyRoundTripAndTamperingFails(String name) {
        CryptoSuite s = Suites.byName(name);
        assertEquals(name, s.name());
        CryptoSuite.KeyPair kp = s.generateKeyPair();
        assertEquals(32, kp.privateKey().length);
        assertEquals(64, kp.publicKey().length);
        assertArrayEquals(kp.publicKey(), s.publicKey(kp.privateKey()));
        byte[] hash = s.hash("transfer".getBytes(StandardCharsets.UTF_8));
        byte[] sig = s.sign(hash, kp.privateKey());
        assertEquals(64, sig.length);
        assertTrue(s.verify(hash, sig, kp.publicKey()));

        byte[] badHash = hash.clone();
        badHash[0] ^= 1;
        assertFalse(s.verify(badHash, sig, kp.publicKey()), "tampered hash");
        byte[] badSig = sig.clone();
        badSig[40] ^= 1;
        assertFalse(s.verify(hash, badSig, kp.publicKey()), "tampered s");
        badSig = sig.clone();
        badSig[5] ^= 1;
        assertFalse(s.verify(hash, badSig, kp.publicKey()), "tampered r");
        assertFalse(s.verify(hash, sig, s.generateKeyPair().publicKey()), "another key");
        byte[] badKey = kp.publicKey();
        badKey[63] ^= 1;
        assertFalse(s.verify(hash, sig, badKey), "key off the curve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp256k1", "sm2"})
    void malformedInputIsFalseNeverAnException(String name) {
        CryptoSuite s = Suites.byName(name);
        CryptoSuite.KeyPair kp = s.generateKeyPair();
        byte[] hash = s.hash(new byte[] {1});
        byte[] sig = s.sign(hash, kp.privateKey());
        byte[] pub = kp.publicKey();
        assertFalse(s.verify(Arrays.copyOf(hash, 31), sig, pub));
        assertFalse(s.verify(Arrays.copyOf(hash, 33), sig, pub));
        assertFalse(s.verify(hash, Arrays.copyOf(sig, 63), pub));
        assertFalse(s.verify(hash, Arrays.copyOf(sig, 65), pub));
        assertFalse(s.verify(hash, sig, Arrays.copyOf(pub, 63)));
        assertFalse(s.verify(hash, sig, Arrays.copyOf(pub, 65)));
        assertFalse(s.verify(null, sig, pub));
        assertFalse(s.verify(hash, null, pub));
        assertFalse(s.verify(hash, sig, null));
        assertFalse(s.verify(hash, sig, new byte[64]), "the zero point");
        byte[] ff = new byte[64];
        Arrays.fill(ff, (byte) 0xff);
        assertFalse(s.verify(hash, sig, ff), "coordinates above the field prime");
        assertFalse(s.verify(hash, new byte[64], pub), "r = s = 0");
        byte[] rIsN = sig.clone();
        System.arraycopy(curveOrder(s), 0, rIsN, 0, 32);
        assertFalse(s.verify(hash, rIsN, pub), "r = n");
        byte[] sIsN = sig.clone();
        System.arraycopy(curveOrder(s), 0, sIsN, 32, 32);
        assertFalse(s.verify(hash, sIsN, pub), "s = n");
    }

    @Test
    void secp256k1SignsLowSAndRejectsHighS() {
        Secp256k1Suite s = (Secp256k1Suite) Suites.byName("secp256k1");
        BigInteger half = s.n.shiftRight(1);
        for (int i = 0; i < 16; i++) {
            CryptoSuite.KeyPair kp = s.generateKeyPair();
            byte[] hash = s.hash(new byte[] {(byte) i});
            byte[] sig = s.sign(hash, kp.privateKey());
            BigInteger sv = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
            assertTrue(sv.compareTo(half) <= 0, "canonical low s");
            byte[] high = sig.clone();
            byte[] hs = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, s.n.subtract(sv));
            System.arraycopy(hs, 0, high, 32, 32);
            assertFalse(s.verify(hash, high, kp.publicKey()), "the malleated high-s twin must not verify");
        }
    }

    @Test
    void sm2SignaturesInteroperateWithTheStandardSm3WithSm2() throws Exception {
        // the BC provider instance (never registered globally) implements GB/T 32918 with the default user ID;
        // its message is our 32-byte hash
        CryptoSuite s = Suites.byName("sm2");
        CryptoSuite.KeyPair kp = s.generateKeyPair();
        byte[] hash = s.hash("abc".getBytes(StandardCharsets.US_ASCII));
        byte[] sig = s.sign(hash, kp.privateKey());

        BouncyCastleProvider bc = new BouncyCastleProvider();
        java.security.KeyFactory kf = java.security.KeyFactory.getInstance("EC", bc);
        org.bouncycastle.jce.spec.ECNamedCurveParameterSpec spec = org.bouncycastle.jce.ECNamedCurveTable.getParameterSpec("sm2p256v1");
        org.bouncycastle.jce.spec.ECPublicKeySpec pubSpec = new org.bouncycastle.jce.spec.ECPublicKeySpec(
                spec.getCurve().createPoint(new BigInteger(1, Arrays.copyOfRange(kp.publicKey(), 0, 32)),
                        new BigInteger(1, Arrays.copyOfRange(kp.publicKey(), 32, 64))), spec);
        java.security.PublicKey pub = kf.generatePublic(pubSpec);
        Signature v = Signature.getInstance("SM3withSM2", bc);
        v.initVerify(pub);
        v.update(hash);
        assertTrue(v.verify(der(sig)), "standard SM3withSM2 accepts our signature");
    }

    @Test
    void signRejectsBadKeysAndHashesWithAClearMessage() {
        for (String name : new String[] {"secp256k1", "sm2"}) {
            CryptoSuite s = Suites.byName(name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.sign(new byte[32], new byte[32]));
            assertTrue(e.getMessage().contains("out of range"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.sign(new byte[31], KEY_46));
            assertTrue(e.getMessage().contains("32-byte hash"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.publicKey(new byte[33]));
            assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.publicKey(curveOrder(s)));
        }
    }

    @Test
    void unknownSuiteNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Suites.byName("ed25519"));
        assertEquals("unknown crypto suite 'ed25519': expected secp256k1 or sm2", e.getMessage());
        assertEquals("sm2", Suites.byName(" SM2 ").name());
    }

    private static byte[] curveOrder(CryptoSuite s) {
        return org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, ((EllipticCurveSuite) s).n);
    }

    private static byte[] der(byte[] rs) throws java.io.IOException {
        org.bouncycastle.asn1.ASN1EncodableVector v = new org.bouncycastle.asn1.ASN1EncodableVector();
        v.add(new org.bouncycastle.asn1.ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 0, 32))));
        v.add(new org.bouncycastle.asn1.ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 32, 64))));
        return new org.bouncycastle.asn1.DERSequence(v).getEncoded();
    }
}
