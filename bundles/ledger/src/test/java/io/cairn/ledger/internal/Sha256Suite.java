package io.cairn.ledger.internal;

import io.cairn.api.crypto.CryptoSuite;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A test suite: JDK SHA-256 hashing; signatures are not exercised by the block store. */
class Sha256Suite implements CryptoSuite {
    @Override
    public String name() {
        return "test-sha256";
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
        return new byte[64];
    }

    @Override
    public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
        return true;
    }

    @Override
    public KeyPair generateKeyPair() {
        return new KeyPair(new byte[32], new byte[64]);
    }

    @Override
    public byte[] publicKey(byte[] privateKey) {
        return new byte[64];
    }
}
