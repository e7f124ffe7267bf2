package io.cairn.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.node.NotReadyException;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class StorageRecordsTest {
    /** Keys as strings, to check the layout. */
    static final class MapStorage implements Storage {
        final Map<String, byte[]> data = new TreeMap<>();
        int writes;

        @Override public byte[] get(byte[] key) { return data.get(new String(key, StandardCharsets.ISO_8859_1)); }
        @Override public void write(WriteBatch batch) {
            writes++;
            for (WriteBatch.Op op : batch.ops()) {
                String k = new String(op.key(), StandardCharsets.ISO_8859_1);
                if (op.isDelete()) data.remove(k); else data.put(k, op.value());
            }
        }
        @Override public ReadView view() { throw new UnsupportedOperationException(); }
        @Override public String engine() { return "map"; }
        @Override public Health health() { return Health.ready("map"); }
    }

    @Test
    void recordsKeepTheLayoutExistingHomesHave() {
        MapStorage s = new MapStorage();
        StorageRecords r = new StorageRecords(s);
        r.put("pbft", "votes", new byte[] {1, 2});
        assertArrayEquals(new byte[] {1, 2}, s.get(Keys.of(Keys.META, "pbft/votes")));
        assertArrayEquals(new byte[] {1, 2}, r.get("pbft", "votes"));
    }

    @Test
    void aWriteIsOneAtomicBatchAndNullDeletes() {
        MapStorage s = new MapStorage();
        StorageRecords r = new StorageRecords(s);
        r.put("pbft", "prepare-block", new byte[] {9});
        Map<String, byte[]> batch = new HashMap<>();
        batch.put("votes", new byte[] {3});
        batch.put("prepare-block", null);
        r.write("pbft", batch);
        assertArrayEquals(new byte[] {3}, r.get("pbft", "votes"));
        assertNull(r.get("pbft", "prepare-block"));
        assertArrayEquals(new byte[] {3}, s.get(Keys.of(Keys.META, "pbft/votes")));
        org.junit.jupiter.api.Assertions.assertEquals(2, s.writes);
    }

    @Test
    void namesCannotReachAnotherOwnersRecordsAndNoStorageIsNotReady() {
        StorageRecords r = new StorageRecords(new MapStorage());
        assertThrows(IllegalArgumentException.class, () -> r.get("txpool", "../pbft"));
        assertThrows(IllegalArgumentException.class, () -> r.put("a/b", "c", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> r.get("", "x"));
        assertThrows(NotReadyException.class, () -> new StorageRecords(null).get("pbft", "votes"));
    }
}
