package io.cairn.crypto.internal;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.PlainDSAEncoding;
import org.bouncycastle.crypto.signers.SM2Signer;

/**
 * SM2 signatures (GB/T 32918) with SM3 hashing (GB/T 32905), the default user ID
 * {@code 1234567812345678}. The message SM2 signs is the 32-byte hash handed to {@link #sign}, so the
 * signer computes SM3(Z_A || hash). Signatures use a fresh random k, as the standard specifies.
 */
public final class Sm2Suite extends EllipticCurveSuite {
    /**
     * One digest per thread, reused: making one per call cost as much as hashing a state entry (hashing runs on
     * every core, for every entry a block changes). Only Bouncy Castle's class is held per thread, so an updated
     * crypto bundle leaves nothing of its own behind.
     */
    private final ThreadLocal<SM3Digest> digests = ThreadLocal.withInitial(() -> new SM3Digest());

    static final byte[] DEFAULT_USER_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);

    public Sm2Suite() {
        // d = n-1 is excluded: SM2 signing divides by (1 + d)
        super("sm2p256v1", 2);
    }

    @Override
    public String name() {
        return SM2;
    }

    @Override
    public byte[] hash(byte[] data) {
        SM3Digest d = digests.get(); // doFinal leaves it reset for the next call
        d.update(data, 0, data.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    @Override
    public byte[] sign(byte[] hash32, byte[] privateKey) {
        checkHash(name(), hash32);
        SM2Signer signer = new SM2Signer(PlainDSAEncoding.INSTANCE, new SM3Digest());
        signer.init(true, new ParametersWithID(new ParametersWithRandom(privateKeyParameters(privateKey), random),
                DEFAULT_USER_ID));
        signer.update(hash32, 0, hash32.length);
        try {
            return signer.generateSignature();
        } catch (CryptoException e) {
            throw new IllegalStateException("sm2: signing failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        try {
            if (hash32 == null || hash32.length != HASH_BYTES || signatureScalars(signature) == null) {
                return false;
            }
            ECPublicKeyParameters q = publicKeyParameters(publicKey);
            if (q == null) {
                return false;
            }
            SM2Signer signer = new SM2Signer(PlainDSAEncoding.INSTANCE, new SM3Digest());
            signer.init(false, new ParametersWithID(q, DEFAULT_USER_ID));
            signer.update(hash32, 0, hash32.length);
            return signer.verifySignature(signature);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
