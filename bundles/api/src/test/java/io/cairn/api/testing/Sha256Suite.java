package io.cairn.api.testing;

import io.cairn.api.crypto.CryptoSuite;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A test suite on the JDK SHA-256: hashing only; signing and verifying are not what its users test. */
public final class Sha256Suite implements CryptoSuite {
    private final String name;

    public Sha256Suite() {
        this("test-sha256");
    }

    public Sha256Suite(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] sign(byte[] hash32, byte[] privateKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public KeyPair generateKeyPair() {
        throw new UnsupportedOperationException();
    }

    @Override
    public byte[] publicKey(byte[] privateKey) {
        throw new UnsupportedOperationException();
    }
}
