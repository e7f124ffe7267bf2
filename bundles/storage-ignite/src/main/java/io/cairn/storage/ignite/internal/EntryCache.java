package io.cairn.storage.ignite.internal;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The newest {@code kv} entries this node wrote or read, held in the node. The node is the only writer of its
 * namespace, so an entry held here is the cluster's until the node itself writes the key again, and a read that
 * hits it costs no round trip (an account's balance, a transaction-hash lookup that finds nothing). Bounded by bytes;
 * over the bound, arbitrary entries go until a quarter of it is free.
 */
final class EntryCache {
    /** Held for a key the cluster has no entry for. */
    static final byte[] ABSENT = new byte[0];
    private static final int OVERHEAD = 96;

    private final ConcurrentHashMap<ByteBuffer, byte[]> entries = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final long budget;

    EntryCache(long budget) {
        this.budget = budget;
    }

    /** The held entry, {@link #ABSENT}, or null when nothing is held. */
    byte[] get(byte[] key) {
        return entries.get(ByteBuffer.wrap(key));
    }

    /** The writer's entry for a key, once its batch committed. */
    void written(byte[] key, byte[] entry) {
        account(entries.put(ByteBuffer.wrap(key), entry), key, entry);
    }

    /** What a read found on the cluster; never replaces what the writer put meanwhile. */
    void read(byte[] key, byte[] entry) {
        if (entries.putIfAbsent(ByteBuffer.wrap(key), entry) == null) {
            account(null, key, entry);
        }
    }

    void forget(byte[] key) {
        byte[] old = entries.remove(ByteBuffer.wrap(key));
        if (old != null) {
            bytes.addAndGet(-(key.length + old.length + OVERHEAD));
        }
    }

    private void account(byte[] old, byte[] key, byte[] entry) {
        long delta = entry.length - (old == null ? -key.length - OVERHEAD : old.length);
        if (bytes.addAndGet(delta) > budget) {
            for (Iterator<ByteBuffer> it = entries.keySet().iterator(); it.hasNext() && bytes.get() > budget * 3 / 4; ) {
                ByteBuffer k = it.next();
                byte[] v = entries.remove(k);
                if (v != null) {
                    bytes.addAndGet(-(k.capacity() + v.length + OVERHEAD));
                }
            }
        }
    }
}
