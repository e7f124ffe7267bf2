package io.cairn.api.testing;

import io.cairn.api.node.NotReadyException;
import io.cairn.api.storage.NodeRecords;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Engine records in memory; {@link #available} false makes every call fail as with no storage. */
public final class MemoryRecords implements NodeRecords {
    private final Map<String, byte[]> data = new ConcurrentHashMap<>();
    public final AtomicLong writes = new AtomicLong();
    public volatile boolean available = true;

    @Override
    public byte[] get(String owner, String name) {
        check();
        byte[] v = data.get(owner + "/" + name);
        return v == null ? null : v.clone();
    }

    @Override
    public synchronized void write(String owner, Map<String, byte[]> records) {
        check();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            if (r.getValue() == null) {
                data.remove(owner + "/" + r.getKey());
            } else {
                data.put(owner + "/" + r.getKey(), r.getValue().clone());
            }
        }
        writes.incrementAndGet();
    }

    private void check() {
        if (!available) {
            throw new NotReadyException("no storage (test)");
        }
    }
}
