package io.cairn.api.crypto;

import io.cairn.api.chain.Address;
import org.osgi.annotation.versioning.ProviderType;

/** This node's key: its id in the chain (the public key) and the signer of what it seals and votes. */
@ProviderType
public interface NodeIdentity {
    byte[] publicKey();

    Address address();

    /** Signs a 32-byte hash with the node key in the chain's suite. */
    byte[] sign(byte[] hash32);

    CryptoSuite suite();
}
