package io.cairn.confidential;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An {@link Opening} encrypted to one public key of the chain's curve (docs/privacy.md, Encrypted openings), so that
 * only the output's owner, and the auditor when the chain has one, learn the amount:
 *
 * <ul>
 *   <li>secp256k1 chains, ECIES: an ephemeral key {@code e}, {@code E = e·G}; the key {@code HKDF-SHA256(ikm =
 *       x(e·Q), salt = none, info = "cairn/confidential/v1 opening" ‖ E)}, 32 bytes; AES-256-GCM with a zero
 *       96-bit nonce (each key encrypts once) and a 128-bit tag: {@code E ‖ ciphertext ‖ tag}, 33 + 40 + 16 = 89
 *       bytes;
 *   <li>SM2 chains, SM2 public-key encryption (GB/T 32918.4, {@code C1 ‖ C3 ‖ C2} with SM3): 65 + 32 + 40 = 137
 *       bytes.
 * </ul>
 */
public final class SealedOpening {
    public static final int SECP256K1_BYTES = 33 + Opening.BYTES + 16;
    public static final int SM2_BYTES = 65 + 32 + Opening.BYTES;
    private static final byte[] INFO = "cairn/confidential/v1 opening".getBytes(StandardCharsets.UTF_8);

    private SealedOpening() {}

    /** The size of a sealed opening in {@code group}. */
    public static int size(Group group) {
        return group == Group.sm2() ? SM2_BYTES : SECP256K1_BYTES;
    }

    /** Encrypts {@code opening} to the holder of {@code publicKey}. */
    public static byte[] seal(Group group, ECPoint publicKey, Opening opening, SecureRandom random) {
        return seal(group, publicKey, opening, random, MultiExp.bouncyCastle());
    }

    /** {@link #seal(Group, ECPoint, Opening, SecureRandom)}, ECIES's two products computed by {@code exp}. */
    static byte[] seal(Group group, ECPoint publicKey, Opening opening, SecureRandom random, MultiExp exp) {
        byte[] plain = opening.encode();
        if (group == Group.sm2()) {
            SM2Engine sm2 = new SM2Engine(SM2Engine.Mode.C1C3C2);
            sm2.init(true, new ParametersWithRandom(new ECPublicKeyParameters(publicKey, domain(group)), random));
            try {
                return sm2.processBlock(plain, 0, plain.length);
            } catch (InvalidCipherTextException e) {
                throw new IllegalStateException("SM2 encryption failed", e);
            }
        }
        BigInteger eph = group.randomScalar(random);
        byte[] ephemeral = group.encode(exp.multiply(group.g(), eph));
        byte[] key = key(group, exp.multiply(publicKey.normalize(), eph), ephemeral);
        byte[] sealed = Arrays.copyOf(ephemeral, SECP256K1_BYTES);
        GCMModeCipher gcm = gcm(true, key);
        int n = gcm.processBytes(plain, 0, plain.length, sealed, 33);
        try {
            gcm.doFinal(sealed, 33 + n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return sealed;
    }

    /** The opening sealed to {@code privateKey}'s public key; null when it is not sealed to it or was altered. */
    public static Opening open(Group group, BigInteger privateKey, byte[] sealed) {
        byte[] plain;
        if (group == Group.sm2()) {
            if (sealed.length != SM2_BYTES) {
                return null;
            }
            SM2Engine sm2 = new SM2Engine(SM2Engine.Mode.C1C3C2);
            sm2.init(false, new ECPrivateKeyParameters(privateKey, domain(group)));
            try {
                plain = sm2.processBlock(sealed, 0, sealed.length);
            } catch (InvalidCipherTextException | IllegalArgumentException | IllegalStateException e) {
                return null;
            }
        } else {
            if (sealed.length != SECP256K1_BYTES) {
                return null;
            }
            ECPoint ephemeral;
            try {
                ephemeral = group.decode(Arrays.copyOf(sealed, 33), "E");
            } catch (IllegalArgumentException e) {
                return null;
            }
            byte[] key = key(group, ephemeral.multiply(privateKey).normalize(), Arrays.copyOf(sealed, 33));
            GCMModeCipher gcm = gcm(false, key);
            plain = new byte[Opening.BYTES];
            int n = gcm.processBytes(sealed, 33, sealed.length - 33, plain, 0);
            try {
                gcm.doFinal(plain, n);
            } catch (InvalidCipherTextException notForThisKey) {
                return null;
            }
        }
        return Opening.decode(group, plain);
    }

    private static byte[] key(Group group, ECPoint shared, byte[] ephemeral) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        byte[] info = Arrays.copyOf(INFO, INFO.length + ephemeral.length);
        System.arraycopy(ephemeral, 0, info, INFO.length, ephemeral.length);
        hkdf.init(new HKDFParameters(Scalars.toBytes(shared.getAffineXCoord().toBigInteger()), null, info));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, 32);
        return key;
    }

    private static GCMModeCipher gcm(boolean encrypt, byte[] key) {
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), 128, new byte[12]));
        return gcm;
    }

    private static ECDomainParameters domain(Group group) {
        return new ECDomainParameters(group.curve(), group.g(), group.order());
    }
}
