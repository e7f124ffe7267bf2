package io.cairn.api.testing;

import io.cairn.api.crypto.CryptoSuite;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A fast test suite: SHA-256 hashing and deterministic "signatures" that verify only for the key, hash and
 * signature that belong together: signing with one key never yields a signature another key verifies, which is
 * all a test of protocol logic needs (it is no real signature scheme: the signature is a function of the public
 * key). Public keys are 64 bytes derived from the private key.
 */
public final class KeyedSuite implements CryptoSuite {
    private final String name;

    public KeyedSuite() {
        this("test-keyed");
    }

    public KeyedSuite(String name) {
        this.name = name;
    }

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public byte[] hash(byte[] data) {
        return sha256(data);
    }

    @Override
    public byte[] sign(byte[] hash32, byte[] privateKey) {
        return signature(hash32, publicKey(privateKey));
    }

    @Override
    public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        return hash32 != null && hash32.length == 32 && publicKey != null && publicKey.length == 64 && signature != null
                && Arrays.equals(signature, signature(hash32, publicKey));
    }

    @Override
    public KeyPair generateKeyPair() {
        byte[] priv = sha256(Long.toString(System.nanoTime()).getBytes());
        return new KeyPair(priv, publicKey(priv));
    }

    /** A key pair from a seed, the same for the same seed. */
    public KeyPair key(String seed) {
        byte[] priv = sha256(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new KeyPair(priv, publicKey(priv));
    }

    @Override
    public byte[] publicKey(byte[] privateKey) {
        byte[] a = sha256(privateKey);
        byte[] pub = Arrays.copyOf(a, 64);
        System.arraycopy(sha256(a), 0, pub, 32, 32);
        return pub;
    }

    private static byte[] signature(byte[] hash32, byte[] publicKey) {
        byte[] sig = Arrays.copyOf(sha256(publicKey, hash32, new byte[] {1}), 64);
        System.arraycopy(sha256(hash32, publicKey, new byte[] {2}), 0, sig, 32, 32);
        return sig;
    }
}
