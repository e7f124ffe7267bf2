package io.cairn.admin.internal;

import io.cairn.api.crypto.CryptoSuite;
import java.security.MessageDigest;
import java.util.Arrays;

/** A deterministic stand-in: public key = private key twice; signature = SHA-256(hash || private key), padded. */
final class FakeSuite implements CryptoSuite {
    private final String name;

    FakeSuite(String name) {
        this.name = name;
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return d.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override public String name() { return name; }
    @Override public byte[] hash(byte[] data) { return sha256(data); }
    @Override public byte[] sign(byte[] hash32, byte[] privateKey) { return Arrays.copyOf(sha256(hash32, privateKey), 64); }

    @Override
    public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        return Arrays.equals(signature, sign(hash32, Arrays.copyOf(publicKey, 32)));
    }

    @Override public KeyPair generateKeyPair() { throw new UnsupportedOperationException(); }

    @Override
    public byte[] publicKey(byte[] privateKey) {
        byte[] p = new byte[64];
        System.arraycopy(privateKey, 0, p, 0, 32);
        System.arraycopy(privateKey, 0, p, 32, 32);
        return p;
    }
}
