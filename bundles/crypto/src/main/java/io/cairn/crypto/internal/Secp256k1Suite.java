package io.cairn.crypto.internal;

import java.math.BigInteger;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

/**
 * ECDSA over secp256k1 with Keccak-256 (the Ethereum choice): deterministic RFC 6979 nonces, canonical
 * low-s signatures; verification rejects high s so that a signature has exactly one valid encoding
 * (no malleated duplicates of a transaction).
 *
 * <p>Verification, the cost every node pays for every transaction, runs in Bitcoin Core's libsecp256k1
 * (cairn-secp256k1-lib, about four times faster) when it loads on this platform, else in Bouncy Castle;
 * both accept exactly the same signatures (low s, r and s in [1, n-1], the key on the curve), which
 * {@code SuitesTest} checks side by side. Signing stays in Bouncy Castle (RFC 6979): nodes sign only
 * their votes.
 */
public final class Secp256k1Suite extends EllipticCurveSuite {
    /**
     * One digest per thread, reused: making one per call cost as much as hashing a state entry (hashing runs on
     * every core, for every entry a block changes). Only Bouncy Castle's class is held per thread, so an updated
     * crypto bundle leaves nothing of its own behind.
     */
    private final ThreadLocal<KeccakDigest> digests = ThreadLocal.withInitial(() -> new KeccakDigest(256));

    private final BigInteger halfN;
    /** Null when verification runs in libsecp256k1, else why it runs in Bouncy Castle. */
    private final String bouncyCastleBecause;

    public Secp256k1Suite(boolean preferNative) {
        super("secp256k1", 1);
        halfN = n.shiftRight(1);
        bouncyCastleBecause = preferNative ? NativeVerifier.reason() : "native verification is switched off";
    }

    /** Which library verifies signatures, and why Bouncy Castle when it is not libsecp256k1. */
    @Override
    String verifier() {
        return bouncyCastleBecause == null ? "libsecp256k1" : "Bouncy Castle (" + bouncyCastleBecause + ")";
    }

    @Override
    public String name() {
        return SECP256K1;
    }

    @Override
    public byte[] hash(byte[] data) {
        KeccakDigest d = digests.get(); // doFinal leaves it reset for the next call
        d.update(data, 0, data.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    @Override
    public byte[] sign(byte[] hash32, byte[] privateKey) {
        checkHash(name(), hash32);
        // signer objects are cheap and not thread-safe: one per call keeps the suite lock-free
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, privateKeyParameters(privateKey));
        BigInteger[] rs = signer.generateSignature(hash32);
        BigInteger s = rs[1];
        if (s.compareTo(halfN) > 0) {
            s = n.subtract(s);
        }
        return encodeSignature(rs[0], s);
    }

    @Override
    public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        if (bouncyCastleBecause == null) {
            return NativeVerifier.verify(hash32, signature, publicKey);
        }
        try {
            if (hash32 == null || hash32.length != HASH_BYTES) {
                return false;
            }
            BigInteger[] rs = signatureScalars(signature);
            if (rs == null || rs[1].compareTo(halfN) > 0) {
                return false;
            }
            ECPublicKeyParameters q = publicKeyParameters(publicKey);
            if (q == null) {
                return false;
            }
            // ECDSASigner verifies with Shamir's trick over the GLV endomorphism of the custom curve and
            // compares in projective coordinates, skipping the final inversion
            ECDSASigner signer = new ECDSASigner();
            signer.init(false, q);
            return signer.verifySignature(hash32, rs[0], rs[1]);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
