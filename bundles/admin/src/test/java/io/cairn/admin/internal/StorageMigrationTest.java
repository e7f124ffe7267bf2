package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StorageMigrationTest {
    @Test
    void everyEntryIsCopiedInBatchesAndChecked() throws Exception {
        MapStorage from = chain(25_001, (byte) 1);
        MapStorage to = new MapStorage("rocksdb");
        StorageMigration.Result r = StorageMigration.copy(from, to);
        assertEquals(25_001 + 2, r.entries());
        assertEquals(0, r.cleared());
        assertEquals(41, r.headNumber());
        assertEquals(3, to.batches.get(), "batches of at most " + StorageMigration.BATCH);
        assertSame(from, to);
        assertTrue(r.describe().startsWith("copied 25003 entries, "), r.describe());
    }

    @Test
    void anOlderCopyOfTheSameChainIsClearedFirst() throws Exception {
        MapStorage from = chain(10, (byte) 1);
        MapStorage to = chain(5, (byte) 1);
        to.data.put(bb(key("s-only-in-the-stale-copy")), new byte[] {9});
        StorageMigration.Result r = StorageMigration.copy(from, to);
        assertEquals(5 + 2 + 1, r.cleared());
        assertSame(from, to);
    }

    @Test
    void aTargetHoldingAnotherChainIsLeftUntouched() {
        MapStorage from = chain(10, (byte) 1);
        MapStorage to = chain(3, (byte) 2);
        NavigableMap<ByteBuffer, byte[]> before = new TreeMap<>(to.data);
        StorageMigration.MigrationFailure e = assertThrows(StorageMigration.MigrationFailure.class,
                () -> StorageMigration.copy(from, to));
        assertTrue(e.getMessage().startsWith("the new memory storage already holds data that is not an older copy of this "
                + "chain (another block 0)"), e.getMessage());
        assertEquals(before, to.data);
    }

    @Test
    void aTargetThatLosesWritesFailsTheCheck() {
        MapStorage from = chain(100, (byte) 1);
        MapStorage to = new MapStorage("rocksdb") {
            @Override
            public void write(WriteBatch batch) {
                super.write(batch);
                data.pollLastEntry(); // drops one entry of every batch
            }
        };
        StorageMigration.MigrationFailure e = assertThrows(StorageMigration.MigrationFailure.class,
                () -> StorageMigration.copy(from, to));
        assertTrue(e.getMessage().contains("differ after the copy"), e.getMessage());
    }

    static void assertSame(MapStorage a, MapStorage b) {
        assertEquals(a.data.keySet(), b.data.keySet());
        for (var e : a.data.entrySet()) {
            assertArrayEquals(e.getValue(), b.data.get(e.getKey()));
        }
    }

    /** A chain in miniature: block 0's header (naming the chain by {@code id}), a head, {@code n} state entries. */
    static MapStorage chain(int n, byte id) {
        MapStorage s = new MapStorage("memory");
        WriteBatch b = new WriteBatch().put(StorageMigration.GENESIS_HEADER, new byte[] {id})
                .put(StorageMigration.HEAD, ByteBuffer.allocate(8).putLong(41).array());
        for (int i = 0; i < n; i++) {
            b.put(key("s" + i), ByteBuffer.allocate(4).putInt(i).array());
        }
        s.write(b);
        s.batches.set(0);
        return s;
    }

    static ByteBuffer bb(byte[] b) {
        return ByteBuffer.wrap(b);
    }

    static byte[] key(String k) {
        return k.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Storage over a sorted map; a view is a copy, which is consistent by construction. */
    static class MapStorage implements Storage {
        final NavigableMap<ByteBuffer, byte[]> data = new TreeMap<>((a, b) -> Arrays.compareUnsigned(a.array(), b.array()));
        final AtomicInteger batches = new AtomicInteger();
        private final String engine;

        MapStorage(String engine) {
            this.engine = engine;
        }

        @Override public Health health() { return Health.ready(engine); }
        @Override public byte[] get(byte[] key) { return data.get(bb(key)); }
        @Override public String engine() { return engine; }

        @Override
        public void write(WriteBatch batch) {
            batches.incrementAndGet();
            for (WriteBatch.Op op : batch.ops()) {
                if (op.isDelete()) {
                    data.remove(bb(op.key()));
                } else {
                    data.put(bb(op.key().clone()), op.value().clone());
                }
            }
        }

        @Override
        public ReadView view() {
            NavigableMap<ByteBuffer, byte[]> snapshot = new TreeMap<>(data);
            return new ReadView() {
                @Override public byte[] get(byte[] key) { return snapshot.get(bb(key)); }

                @Override
                public Iterator<Entry> scan(byte[] from, byte[] to) {
                    List<Entry> all = snapshot.entrySet().stream().map(e -> new Entry(e.getKey().array(), e.getValue())).toList();
                    return all.iterator();
                }

                @Override public void close() {}
            };
        }
    }

    @Test
    void fakeStorageSortsUnsigned() {
        MapStorage s = new MapStorage("m");
        s.write(new WriteBatch().put(new byte[] {(byte) 0xff}, new byte[0]).put(new byte[] {1}, new byte[0]));
        assertArrayEquals(new byte[] {1}, s.data.firstKey().array());
    }
}
