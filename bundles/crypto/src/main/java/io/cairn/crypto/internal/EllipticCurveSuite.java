package io.cairn.crypto.internal;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.Component;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECMultiplier;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * Key and signature encodings shared by the 256-bit curve suites. Every field is immutable (or, for
 * the SecureRandom, internally synchronized), so one instance serves all threads without locks; BC
 * caches the generator's precomputed multiples on the shared curve point itself.
 */
abstract class EllipticCurveSuite implements CryptoSuite, Component {
    static final int FIELD_BYTES = 32;
    static final int PRIVATE_KEY_BYTES = 32;
    static final int PUBLIC_KEY_BYTES = 64;
    static final int SIGNATURE_BYTES = 64;
    static final int HASH_BYTES = 32;

    final ECDomainParameters domain;
    final ECCurve curve;
    final BigInteger n;
    final SecureRandom random = new SecureRandom();
    private final ECMultiplier baseMultiplier = new FixedPointCombMultiplier();
    private final BigInteger maxPrivateKey;

    /**
     * @param maxPrivateKeyBelowN how far below n the largest valid private key lies (SM2 excludes n-1
     *     because it signs with (1+d)^-1)
     */
    EllipticCurveSuite(String curveName, int maxPrivateKeyBelowN) {
        // CustomNamedCurves has the specialised field arithmetic: several times faster than the generic curves
        X9ECParameters x9 = CustomNamedCurves.getByName(curveName);
        if (x9 == null) {
            throw new IllegalStateException("Bouncy Castle does not know the curve " + curveName);
        }
        domain = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH(), x9.getSeed());
        curve = domain.getCurve();
        n = domain.getN();
        maxPrivateKey = n.subtract(BigInteger.valueOf(maxPrivateKeyBelowN));
    }

    @Override
    public KeyPair generateKeyPair() {
        BigInteger d = BigIntegers.createRandomInRange(BigInteger.ONE, maxPrivateKey, random);
        byte[] priv = BigIntegers.asUnsignedByteArray(PRIVATE_KEY_BYTES, d);
        return new KeyPair(priv, encodePoint(baseMultiplier.multiply(domain.getG(), d)));
    }

    @Override
    public byte[] publicKey(byte[] privateKey) {
        return encodePoint(baseMultiplier.multiply(domain.getG(), privateScalar(privateKey)));
    }

    /** The private key as a scalar; IllegalArgumentException naming the problem when it is not a valid key. */
    BigInteger privateScalar(byte[] privateKey) {
        if (privateKey == null || privateKey.length != PRIVATE_KEY_BYTES) {
            throw new IllegalArgumentException(name() + ": a private key is " + PRIVATE_KEY_BYTES + " bytes, got "
                    + (privateKey == null ? "none" : privateKey.length));
        }
        BigInteger d = new BigInteger(1, privateKey);
        if (d.signum() == 0 || d.compareTo(maxPrivateKey) > 0) {
            throw new IllegalArgumentException(name() + ": private key is out of range (must be 1.."
                    + (maxPrivateKey.equals(n.subtract(BigInteger.ONE)) ? "n-1" : "n-2") + " of the curve order)");
        }
        return d;
    }

    ECPrivateKeyParameters privateKeyParameters(byte[] privateKey) {
        return new ECPrivateKeyParameters(privateScalar(privateKey), domain);
    }

    static void checkHash(String suite, byte[] hash32) {
        if (hash32 == null || hash32.length != HASH_BYTES) {
            throw new IllegalArgumentException(suite + ": sign takes a " + HASH_BYTES + "-byte hash, got "
                    + (hash32 == null ? "none" : hash32.length + " bytes"));
        }
    }

    /**
     * The public key as a validated curve point, or null when it is not 64 bytes, a coordinate is not a
     * field element, or the point is not on the curve.
     */
    ECPublicKeyParameters publicKeyParameters(byte[] publicKey) {
        if (publicKey == null || publicKey.length != PUBLIC_KEY_BYTES) {
            return null;
        }
        try {
            BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(publicKey, 0, FIELD_BYTES));
            BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(publicKey, FIELD_BYTES, PUBLIC_KEY_BYTES));
            // validatePoint rejects coordinates >= p and points off the curve; the parameters reject infinity
            ECPoint q = curve.validatePoint(x, y);
            return new ECPublicKeyParameters(q, domain);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** r and s when both are in [1, n-1], else null. */
    BigInteger[] signatureScalars(byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            return null;
        }
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(signature, 0, FIELD_BYTES));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(signature, FIELD_BYTES, SIGNATURE_BYTES));
        if (r.signum() == 0 || r.compareTo(n) >= 0 || s.signum() == 0 || s.compareTo(n) >= 0) {
            return null;
        }
        return new BigInteger[] {r, s};
    }

    static byte[] encodeSignature(BigInteger r, BigInteger s) {
        byte[] out = new byte[SIGNATURE_BYTES];
        BigIntegers.asUnsignedByteArray(r, out, 0, FIELD_BYTES);
        BigIntegers.asUnsignedByteArray(s, out, FIELD_BYTES, FIELD_BYTES);
        return out;
    }

    static byte[] encodePoint(ECPoint p) {
        ECPoint a = p.normalize();
        byte[] out = new byte[PUBLIC_KEY_BYTES];
        byte[] x = a.getAffineXCoord().getEncoded();
        byte[] y = a.getAffineYCoord().getEncoded();
        System.arraycopy(x, 0, out, FIELD_BYTES - x.length, x.length);
        System.arraycopy(y, 0, out, PUBLIC_KEY_BYTES - y.length, y.length);
        return out;
    }

    /** The library that verifies signatures (shown by health and the bench). */
    String verifier() {
        return "Bouncy Castle";
    }

    @Override
    public Health health() {
        return Health.ready(name() + " suite ready; signatures verified by " + verifier());
    }

    /** The suite's name and the library that verifies its signatures. */
    @Override
    public String toString() {
        return name() + " (verified by " + verifier() + ")";
    }
}
