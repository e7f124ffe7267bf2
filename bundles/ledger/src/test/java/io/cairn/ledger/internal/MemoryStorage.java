package io.cairn.ledger.internal;

import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A test storage: a sorted map under a lock; views are copies. */
class MemoryStorage implements Storage {
    private final TreeMap<byte[], byte[]> data = new TreeMap<>(Arrays::compareUnsigned);
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger openViews = new AtomicInteger();
    volatile RuntimeException failWrites;

    @Override
    public synchronized byte[] get(byte[] key) {
        return data.get(key);
    }

    @Override
    public synchronized void write(WriteBatch batch) {
        if (failWrites != null) {
            throw failWrites;
        }
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isDelete()) {
                data.remove(op.key());
            } else {
                data.put(op.key(), op.value());
            }
        }
        writes.incrementAndGet();
    }

    @Override
    public synchronized ReadView view() {
        NavigableMap<byte[], byte[]> copy = new TreeMap<>(data);
        openViews.incrementAndGet();
        return new ReadView() {
            @Override
            public byte[] get(byte[] key) {
                return copy.get(key);
            }

            @Override
            public Iterator<Entry> scan(byte[] from, byte[] to) {
                NavigableMap<byte[], byte[]> m = to == null ? copy.tailMap(from, true) : copy.subMap(from, true, to, false);
                return m.entrySet().stream().map(e -> new Entry(e.getKey(), e.getValue())).iterator();
            }

            @Override
            public void close() {
                openViews.decrementAndGet();
            }
        };
    }

    synchronized int size() {
        return data.size();
    }

    @Override
    public String engine() {
        return "test-memory";
    }

    @Override
    public Health health() {
        return Health.ready("up");
    }
}
