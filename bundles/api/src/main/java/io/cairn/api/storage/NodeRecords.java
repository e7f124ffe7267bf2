package io.cairn.api.storage;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable records an engine keeps for itself outside the chain: a consensus engine's vote log, a pool's
 * pending transactions handed over across a swap, the peer reputation's bans. Each owner ({@code pbft},
 * {@code txpool}, ...) has its own names; where they live in storage is this service's business, so no engine
 * writes into a storage key space. A write is durable and atomic when it returns, and records survive both a
 * restart and the replacement of the storage engine (they are copied with the chain).
 */
@ProviderType
public interface NodeRecords {
    /** The record, or null. */
    byte[] get(String owner, String name);

    /**
     * Writes the owner's records atomically: each name to its value, or deleted where the value is null.
     *
     * @throws IllegalStateException if no storage is available now (io.cairn.api.node.NotReadyException)
     */
    void write(String owner, Map<String, byte[]> records);

    default void put(String owner, String name, byte[] value) {
        write(owner, Map.of(name, value));
    }

    default void delete(String owner, String name) {
        java.util.HashMap<String, byte[]> m = new java.util.HashMap<>();
        m.put(name, null);
        write(owner, m);
    }
}
