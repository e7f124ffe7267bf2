package io.cairn.crypto.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.Component;
import java.util.Arrays;

/** The node's key pair in the chain's suite; the private key never leaves this object. */
final class NodeKey implements NodeIdentity, Component {
    private final CryptoSuite suite;
    private final byte[] privateKey;
    private final byte[] publicKey;
    private final Address address;
    private volatile boolean destroyed;

    /** @throws IllegalArgumentException when the key is not a valid private key of the suite */
    NodeKey(CryptoSuite suite, byte[] privateKey) {
        this.suite = suite;
        this.privateKey = privateKey.clone();
        this.publicKey = suite.publicKey(this.privateKey);
        this.address = suite.address(publicKey);
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public Address address() {
        return address;
    }

    @Override
    public byte[] sign(byte[] hash32) {
        if (destroyed) {
            throw new IllegalStateException("the node identity was deactivated; use the current NodeIdentity service");
        }
        return suite.sign(hash32, privateKey);
    }

    @Override
    public CryptoSuite suite() {
        return suite;
    }

    @Override
    public Health health() {
        return destroyed ? Health.notReady("node identity deactivated")
                : Health.ready("node " + address + " (" + suite.name() + ")");
    }

    /** Wipes the private key so that a deactivated identity leaves no key material behind. */
    void destroy() {
        destroyed = true;
        Arrays.fill(privateKey, (byte) 0);
    }
}
