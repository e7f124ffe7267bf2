package io.cairn.storage.ignite.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The batches that are committed (in the cluster's log) but not yet applied to {@code kv}, held in the node: the
 * node is its namespace's only writer, so they are exactly what the log holds. A read looks here before it looks at
 * {@code kv}; a batch leaves only once {@code kv} holds it.
 */
final class Pending {
    /** A batch's operations: the key's value, or {@link #DELETED}. */
    static final byte[] DELETED = new byte[0];

    private final ConcurrentSkipListMap<Long, Batch> batches = new ConcurrentSkipListMap<>();

    /** A committed batch: its operations in order, and the number of parts of its log record. */
    record Batch(long number, Map<ByteBuffer, byte[]> ops, int logParts) {}

    void add(long n, Map<ByteBuffer, byte[]> ops, int logParts) {
        batches.put(n, new Batch(n, ops, logParts));
    }

    /**
     * The value the newest pending batch at or below {@code at} gave {@code key}: the value, {@link #DELETED}, or
     * null when no pending batch at or below {@code at} wrote it.
     */
    byte[] lookup(byte[] key, long at) {
        ByteBuffer k = ByteBuffer.wrap(key);
        for (Batch b : batches.headMap(at, true).descendingMap().values()) {
            byte[] v = b.ops().get(k);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** What the pending batches at or below {@code at} gave the keys in [from, to), in unsigned key order. */
    TreeMap<byte[], byte[]> slice(byte[] from, byte[] to, long at) {
        TreeMap<byte[], byte[]> out = new TreeMap<>(Arrays::compareUnsigned);
        for (Batch b : batches.headMap(at, true).descendingMap().values()) {
            for (Map.Entry<ByteBuffer, byte[]> e : b.ops().entrySet()) {
                byte[] k = e.getKey().array();
                if ((from == null || Arrays.compareUnsigned(k, from) >= 0)
                        && (to == null || Arrays.compareUnsigned(k, to) < 0)) {
                    out.putIfAbsent(k, e.getValue());
                }
            }
        }
        return out;
    }

    /** The pending batches numbered {@code from} to {@code to}, oldest first. */
    List<Batch> range(long from, long to) {
        return List.copyOf(batches.subMap(from, true, to, true).values());
    }

    /** Forgets the batches up to {@code n}, which {@code kv} now holds. */
    void appliedUpTo(long n) {
        batches.headMap(n, true).clear();
    }

    int size() {
        return batches.size();
    }
}
