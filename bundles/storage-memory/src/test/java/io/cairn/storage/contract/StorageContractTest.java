package io.cairn.storage.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Storage} engine must have. An engine's test extends this class and says
 * how to open and close a fresh, empty store.
 */
public abstract class StorageContractTest {
    protected Storage storage;

    /** A fresh, empty store. */
    protected abstract Storage open() throws Exception;

    /** Releases the store (engine deactivation). */
    protected abstract void close(Storage storage) throws Exception;

    protected abstract String expectedEngine();

    /**
     * The floor of {@link #batchedPutThroughput()}: far below an embedded engine's target (~200k puts/s), so that it
     * catches only gross regressions on a shared build machine. An engine that writes over the network states its
     * own, from its own target.
     */
    protected double minimumBatchedPutsPerSecond() {
        return 30_000;
    }

    @BeforeEach
    void openStorage() throws Exception {
        storage = open();
    }

    @AfterEach
    void closeStorage() throws Exception {
        close(storage);
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static byte[] b(int... unsigned) {
        byte[] out = new byte[unsigned.length];
        for (int i = 0; i < unsigned.length; i++) {
            out[i] = (byte) unsigned[i];
        }
        return out;
    }

    protected static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    protected static long u64(byte[] v) {
        return ByteBuffer.wrap(v).getLong();
    }

    protected static List<ReadView.Entry> drain(Iterator<ReadView.Entry> it) {
        List<ReadView.Entry> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    protected List<String> scanKeys(byte[] from, byte[] to) {
        try (ReadView v = storage.view()) {
            List<String> keys = new ArrayList<>();
            for (ReadView.Entry e : drain(v.scan(from, to))) {
                keys.add(new String(e.key(), StandardCharsets.ISO_8859_1));
            }
            return keys;
        }
    }

    @Test
    void reportsEngineAndReadiness() {
        assertEquals(expectedEngine(), storage.engine());
        assertTrue(storage.health().ready(), storage.health().detail());
    }

    @Test
    void putGetOverwriteDelete() {
        assertNull(storage.get(b("k")));
        storage.write(new WriteBatch().put(b("k"), b("v1")));
        assertArrayEquals(b("v1"), storage.get(b("k")));
        storage.write(new WriteBatch().put(b("k"), b("v2")));
        assertArrayEquals(b("v2"), storage.get(b("k")));
        storage.write(new WriteBatch().delete(b("k")));
        assertNull(storage.get(b("k")));
        storage.write(new WriteBatch().delete(b("never-written")));
        assertNull(storage.get(b("never-written")));
    }

    @Test
    void opsOfOneBatchApplyInOrder() {
        storage.write(new WriteBatch().put(b("a"), b("1")).delete(b("a")).put(b("b"), b("1")).put(b("b"), b("2"))
                .delete(b("c")).put(b("c"), b("3")));
        assertNull(storage.get(b("a")));
        assertArrayEquals(b("2"), storage.get(b("b")));
        assertArrayEquals(b("3"), storage.get(b("c")));
    }

    @Test
    void emptyValueIsPresentNotAbsent() {
        storage.write(new WriteBatch().put(b("empty"), new byte[0]));
        assertArrayEquals(new byte[0], storage.get(b("empty")));
        try (ReadView v = storage.view()) {
            assertArrayEquals(new byte[0], v.get(b("empty")));
            List<ReadView.Entry> all = drain(v.scan(b(""), null));
            assertEquals(1, all.size());
            assertArrayEquals(b("empty"), all.get(0).key());
            assertArrayEquals(new byte[0], all.get(0).value());
        }
    }

    @Test
    void storedBytesDoNotAliasCallerArrays() {
        byte[] key = b("alias");
        byte[] value = b("original");
        storage.write(new WriteBatch().put(key, value));
        value[0] = 'X';
        key[0] = 'X';
        byte[] read = storage.get(b("alias"));
        assertArrayEquals(b("original"), read);
        read[0] = 'Y';
        assertArrayEquals(b("original"), storage.get(b("alias")));
    }

    @Test
    void rejectsNullArguments() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> storage.write(null));
        assertNotNull(e.getMessage());
        assertThrows(NullPointerException.class, () -> storage.get(null));
    }

    @Test
    void viewDoesNotSeeLaterWrites() {
        storage.write(new WriteBatch().put(b("a"), b("old")).put(b("gone"), b("x")));
        try (ReadView before = storage.view()) {
            storage.write(new WriteBatch().put(b("a"), b("new")).put(b("b"), b("added")).delete(b("gone")));
            assertArrayEquals(b("old"), before.get(b("a")));
            assertNull(before.get(b("b")));
            assertArrayEquals(b("x"), before.get(b("gone")));
            assertEquals(List.of("a", "gone"), keysOf(before.scan(b(""), null)));
            try (ReadView after = storage.view()) {
                assertArrayEquals(b("new"), after.get(b("a")));
                assertEquals(List.of("a", "b"), keysOf(after.scan(b(""), null)));
            }
        }
        assertArrayEquals(b("new"), storage.get(b("a")));
    }

    @Test
    void scanInProgressKeepsItsSnapshot() {
        WriteBatch initial = new WriteBatch();
        for (int i = 0; i < 100; i += 2) {
            initial.put(b(String.format("k%03d", i)), b("v" + i));
        }
        storage.write(initial);
        try (ReadView v = storage.view()) {
            Iterator<ReadView.Entry> it = v.scan(b("k"), Keys.prefixEnd(b("k")));
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                seen.add(new String(it.next().key(), StandardCharsets.UTF_8));
            }
            WriteBatch meanwhile = new WriteBatch();
            for (int i = 1; i < 100; i += 2) {
                meanwhile.put(b(String.format("k%03d", i)), b("inserted"));
            }
            for (int i = 40; i < 60; i += 2) {
                meanwhile.delete(b(String.format("k%03d", i)));
            }
            meanwhile.put(b("k098"), b("changed"));
            storage.write(meanwhile);
            while (it.hasNext()) {
                ReadView.Entry e = it.next();
                String k = new String(e.key(), StandardCharsets.UTF_8);
                seen.add(k);
                assertArrayEquals(b("v" + Integer.parseInt(k.substring(1))), e.value(), k);
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 100; i += 2) {
                expected.add(String.format("k%03d", i));
            }
            assertEquals(expected, seen);
        }
    }

    @Test
    void readerNeverSeesHalfABatch() throws Exception {
        int keys = 50;
        int batches = 300;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try {
                for (long round = 1; round <= batches; round++) {
                    WriteBatch batch = new WriteBatch();
                    for (int k = 0; k < keys; k++) {
                        batch.put(b("atomic" + k), u64(round));
                    }
                    storage.write(batch);
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                done.set(true);
            }
        });
        writer.start();
        int checks = 0;
        while (!done.get() || checks == 0) {
            try (ReadView v = storage.view()) {
                List<ReadView.Entry> all = drain(v.scan(b("atomic"), Keys.prefixEnd(b("atomic"))));
                if (!all.isEmpty()) {
                    assertEquals(keys, all.size(), "a view saw part of a batch");
                    long round = u64(all.get(0).value());
                    for (ReadView.Entry e : all) {
                        assertEquals(round, u64(e.value()), "a view saw two batches mixed");
                    }
                    for (int k = 0; k < keys; k += 7) {
                        assertEquals(round, u64(v.get(b("atomic" + k))), "view get disagrees with its own scan");
                    }
                }
            }
            checks++;
        }
        writer.join(60_000);
        assertNull(failure.get());
        assertEquals(batches, u64(storage.get(b("atomic0"))));
    }

    @Test
    void concurrentViewsSeeConsistentTotals() throws Exception {
        int accounts = 20;
        long each = 1_000;
        WriteBatch genesis = new WriteBatch();
        for (int i = 0; i < accounts; i++) {
            genesis.put(account(i), u64(each));
        }
        storage.write(genesis);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger viewsChecked = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            Thread t = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        try (ReadView v = storage.view()) {
                            long total = 0;
                            Iterator<ReadView.Entry> it = v.scan(b("acct"), Keys.prefixEnd(b("acct")));
                            int n = 0;
                            while (it.hasNext()) {
                                total += u64(it.next().value());
                                n++;
                            }
                            if (n != accounts || total != accounts * each) {
                                throw new AssertionError("view saw " + n + " accounts holding " + total);
                            }
                            viewsChecked.incrementAndGet();
                        }
                    }
                } catch (Throwable t2) {
                    failure.compareAndSet(null, t2);
                }
            });
            t.start();
            readers.add(t);
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        int transfers = 0;
        java.util.Random random = new java.util.Random(7);
        while ((transfers < 2_000 || viewsChecked.get() < 50) && System.nanoTime() < deadline
                && failure.get() == null) {
            int from = random.nextInt(accounts);
            int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
            long a = u64(storage.get(account(from)));
            long amount = a == 0 ? 0 : 1 + random.nextInt((int) Math.min(a, 100));
            long b = u64(storage.get(account(to)));
            storage.write(new WriteBatch().put(account(from), u64(a - amount)).put(account(to), u64(b + amount)));
            transfers++;
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join(10_000);
        }
        assertNull(failure.get(), () -> "reader failed: " + failure.get());
        assertTrue(viewsChecked.get() >= 50, "readers made too little progress: " + viewsChecked.get());
    }

    private static byte[] account(int i) {
        return b(String.format("acct%02d", i));
    }

    @Test
    void scansInUnsignedOrderWithBounds() {
        byte[][] keys = {b(0x00), b(0x01), b(0x7f), b(0x80), b(0xff), b(0xff, 0x00), b(0xff, 0xff), b('a'),
            b('a', 0x00), b('a', 0xff), b('b')};
        WriteBatch batch = new WriteBatch();
        for (int i = keys.length - 1; i >= 0; i--) {
            batch.put(keys[i], b("v"));
        }
        storage.write(batch);
        try (ReadView v = storage.view()) {
            List<ReadView.Entry> all = drain(v.scan(new byte[0], null));
            assertEquals(keys.length, all.size());
            for (int i = 1; i < all.size(); i++) {
                assertTrue(java.util.Arrays.compareUnsigned(all.get(i - 1).key(), all.get(i).key()) < 0,
                        "scan out of unsigned order at " + i);
            }
            assertArrayEquals(b(0x00), all.get(0).key());
            assertArrayEquals(b(0xff, 0xff), all.get(all.size() - 1).key());

            // from inclusive, to exclusive
            List<ReadView.Entry> mid = drain(v.scan(b(0x7f), b(0xff)));
            assertEquals(2, mid.size());
            assertArrayEquals(b(0x7f), mid.get(0).key());
            assertArrayEquals(b(0x80), mid.get(1).key());

            // a prefix scan includes the prefix itself and its extensions, not the next prefix
            List<ReadView.Entry> a = drain(v.scan(b('a'), Keys.prefixEnd(b('a'))));
            assertEquals(3, a.size());
            assertArrayEquals(b('a', 0xff), a.get(2).key());

            // prefixEnd of an all-0xff prefix is null: no upper bound
            assertNull(Keys.prefixEnd(b(0xff, 0xff)));
            assertEquals(1, drain(v.scan(b(0xff, 0xff), Keys.prefixEnd(b(0xff, 0xff)))).size());
            assertEquals(3, drain(v.scan(b(0xff), Keys.prefixEnd(b(0xff)))).size());

            assertTrue(drain(v.scan(b(0x02), b(0x03))).isEmpty());
            assertTrue(drain(v.scan(b(0x80), b(0x80))).isEmpty());
        }
    }

    @Test
    void scanSkipsDeletedKeys() {
        storage.write(new WriteBatch().put(b("x1"), b("1")).put(b("x2"), b("2")).put(b("x3"), b("3")));
        storage.write(new WriteBatch().delete(b("x2")));
        assertEquals(List.of("x1", "x3"), scanKeys(b("x"), Keys.prefixEnd(b("x"))));
    }

    @Test
    void reversedScanRangeIsRejected() {
        try (ReadView v = storage.view()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.scan(b("b"), b("a")));
            assertTrue(e.getMessage().contains("reversed"), e.getMessage());
        }
    }

    @Test
    void iteratorFollowsTheIteratorContract() {
        storage.write(new WriteBatch().put(b("one"), b("1")));
        try (ReadView v = storage.view()) {
            Iterator<ReadView.Entry> it = v.scan(b("one"), null);
            assertTrue(it.hasNext());
            assertTrue(it.hasNext());
            assertArrayEquals(b("one"), it.next().key());
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next);
        }
    }

    @Test
    void closedViewRefusesUse() {
        storage.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")));
        ReadView v = storage.view();
        Iterator<ReadView.Entry> it = v.scan(b(""), null);
        assertTrue(it.hasNext());
        v.close();
        v.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> v.get(b("a")));
        assertThrows(IllegalStateException.class, () -> v.scan(b(""), null));
        assertThrows(IllegalStateException.class, it::next);
    }

    @Test
    void manyViewsOpenedAndClosed() {
        storage.write(new WriteBatch().put(b("k"), u64(0)));
        for (int i = 1; i <= 2_000; i++) {
            try (ReadView v = storage.view()) {
                assertEquals(i - 1, u64(v.get(b("k"))));
                storage.write(new WriteBatch().put(b("k"), u64(i)));
                assertEquals(i - 1, u64(v.get(b("k"))));
            }
        }
        assertEquals(2_000, u64(storage.get(b("k"))));
    }

    @Test
    void largeBatchOfHundredThousandEntries() {
        int n = 100_000;
        byte[] value = new byte[64];
        // Warm up the write path so the figure printed below means something.
        WriteBatch warm = new WriteBatch();
        for (int i = 0; i < 10_000; i++) {
            warm.put(Keys.of(Keys.META, u64(i)), value);
        }
        storage.write(warm);

        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < n; i++) {
            value[0] = (byte) i;
            batch.put(Keys.of(Keys.STATE, u64(i * 7919L % n)), value.clone());
        }
        long start = System.nanoTime();
        storage.write(batch);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %d puts in one batch in %.1f ms (%.0f puts/s)%n", storage.engine(), n,
                seconds * 1e3, n / seconds);

        try (ReadView v = storage.view()) {
            Iterator<ReadView.Entry> it = v.scan(new byte[] {Keys.STATE}, Keys.prefixEnd(new byte[] {Keys.STATE}));
            long expected = 0;
            while (it.hasNext()) {
                ReadView.Entry e = it.next();
                assertEquals(expected, u64(java.util.Arrays.copyOfRange(e.key(), 1, 9)));
                expected++;
            }
            assertEquals(n, expected);
        }
        for (int i = 0; i < n; i += 9_973) {
            long keyIndex = i * 7919L % n;
            byte[] got = storage.get(Keys.of(Keys.STATE, u64(keyIndex)));
            assertNotNull(got);
            assertEquals((byte) i, got[0]);
        }
        if (seconds > 10) {
            fail("100k puts took " + seconds + " s");
        }
    }

    @Test
    void batchedPutThroughput() {
        // Blocks of 2,000 transfers write about 10 entries each; the node needs ~200k puts/s.
        int batches = 20;
        int perBatch = 10_000;
        byte[] value = new byte[40];
        long start = System.nanoTime();
        for (int round = 0; round < batches; round++) {
            WriteBatch batch = new WriteBatch();
            for (int i = 0; i < perBatch; i++) {
                batch.put(Keys.of(Keys.STATE, u64((long) round * perBatch + i)), value);
            }
            storage.write(batch);
        }
        double rate = batches * perBatch / ((System.nanoTime() - start) / 1e9);
        System.out.printf("%s: %.0f puts/s in batches of %d%n", storage.engine(), rate, perBatch);
        // A floor far below the target: the build machine is shared, this only catches gross regressions.
        assertTrue(rate > minimumBatchedPutsPerSecond(), "batched puts too slow: " + rate + "/s");
    }

    @Test
    void largeValues() {
        byte[] big = new byte[4 << 20];
        new java.util.Random(1).nextBytes(big);
        storage.write(new WriteBatch().put(b("big"), big));
        assertArrayEquals(big, storage.get(b("big")));
    }

    private static List<String> keysOf(Iterator<ReadView.Entry> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(e -> out.add(new String(e.key(), StandardCharsets.UTF_8)));
        return out;
    }
}
