package io.cairn.api.crypto;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A chain's cryptography, chosen at init and recorded in the genesis block: {@code secp256k1}
 * (ECDSA over secp256k1 with Keccak-256) or {@code sm2} (SM2 signatures with SM3, GB/T 32918 and 32905).
 * Private keys are 32 bytes, public keys 64 bytes (x || y, uncompressed without the 0x04 prefix),
 * signatures 64 bytes (r || s). Implementations are thread-safe.
 */
@ProviderType
public interface CryptoSuite {
    String SECP256K1 = "secp256k1";
    String SM2 = "sm2";

    /** {@link #SECP256K1} or {@link #SM2}; also the service property {@code cairn.suite}. */
    String name();

    /** Keccak-256 or SM3 of {@code data}. */
    byte[] hash(byte[] data);

    default Hash digest(byte[] data) {
        return Hash.of(hash(data));
    }

    /** Signs a 32-byte message hash. secp256k1 signatures are canonical (low s). */
    byte[] sign(byte[] hash32, byte[] privateKey);

    /** False for any signature, key or hash that is malformed or does not verify; never throws. */
    boolean verify(byte[] hash32, byte[] signature, byte[] publicKey);

    /** A fresh key pair from a secure random source. */
    KeyPair generateKeyPair();

    /** The 64-byte public key of a 32-byte private key. */
    byte[] publicKey(byte[] privateKey);

    default Address address(byte[] publicKey) {
        return Address.fromKeyHash(hash(publicKey));
    }

    /** A private key with its public key. */
    record KeyPair(byte[] privateKey, byte[] publicKey) {}
}
