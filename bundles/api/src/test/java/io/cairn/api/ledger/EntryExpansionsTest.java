package io.cairn.api.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.testing.Sha256Suite;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EntryExpansionsTest {
    private static final CryptoSuite SUITE = new Sha256Suite("test");
    private static final CryptoSuite OTHER = new Sha256Suite("other");

    private static byte[] key(int i) {
        return new byte[] {'s', 'k', (byte) (i >>> 8), (byte) i};
    }

    /** The accumulator of entries added and subtracted by seed, no cache: what every cached sum must equal. */
    private static LtHash16 plain(CryptoSuite suite, List<byte[][]> added, List<byte[][]> subtracted) {
        LtHash16 acc = new LtHash16();
        for (byte[][] e : added) {
            acc.add(LedgerState.entrySeed(suite, e[0], e[1]));
        }
        for (byte[][] e : subtracted) {
            acc.subtract(LedgerState.entrySeed(suite, e[0], e[1]));
        }
        return acc;
    }

    @Test
    void aKeptExpansionIsSubtractedOnceAndOnlyForTheValueItWasAddedWith() {
        EntryExpansions cache = new EntryExpansions(16);
        LtHash16 acc = new LtHash16();
        byte[] v1 = {1};
        cache.add(acc, SUITE, key(1), v1);
        assertEquals(1, cache.size());
        // another value under the same key is computed, and leaves the kept one alone
        cache.subtract(acc, SUITE, key(1), new byte[] {2});
        assertEquals(1, cache.size());
        cache.subtract(acc, SUITE, key(1), v1);
        assertEquals(0, cache.size(), "an entry leaves the state once: its expansion is dropped");
        assertArrayEquals(plain(SUITE, List.<byte[][]>of(new byte[][] {key(1), v1}),
                List.of(new byte[][] {key(1), {2}}, new byte[][] {key(1), v1})).toBytes(), acc.toBytes());
    }

    @Test
    void theCallersArraysMayChangeAfterwards() {
        EntryExpansions cache = new EntryExpansions(16);
        LtHash16 acc = new LtHash16();
        byte[] k = key(3);
        byte[] v = {7, 7};
        cache.add(acc, SUITE, k, v);
        k[3] = 4;
        v[0] = 8;
        cache.subtract(acc, SUITE, key(3), new byte[] {7, 7});
        assertEquals(0, cache.size(), "found under the key and value it was added with");
        assertArrayEquals(new LtHash16().toBytes(), acc.toBytes());
    }

    @Test
    void anotherSuiteEmptiesItAndIsComputedWithItsOwnHash() {
        EntryExpansions cache = new EntryExpansions(16);
        LtHash16 acc = new LtHash16();
        cache.add(acc, SUITE, key(1), new byte[] {1});
        cache.subtract(acc, OTHER, key(1), new byte[] {1});
        assertEquals(0, cache.size());
        LtHash16 expected = new LtHash16();
        expected.add(LedgerState.entrySeed(SUITE, key(1), new byte[] {1}));
        expected.subtract(LedgerState.entrySeed(OTHER, key(1), new byte[] {1}));
        assertArrayEquals(expected.toBytes(), acc.toBytes());
    }

    @Test
    void theOldestEntriesMakeRoomAndTheSumsStayExact() {
        EntryExpansions cache = new EntryExpansions(300); // one part of 300
        LtHash16 acc = new LtHash16();
        List<byte[][]> added = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            byte[][] e = {key(i), new byte[] {(byte) i, 1}};
            cache.add(acc, SUITE, e[0], e[1]);
            added.add(e);
        }
        assertEquals(300, cache.size(), "bounded");
        for (byte[][] e : added) { // the first 700 are computed again, the last 300 kept
            cache.subtract(acc, SUITE, e[0], e[1]);
        }
        assertEquals(0, cache.size());
        assertArrayEquals(new LtHash16().toBytes(), acc.toBytes());
        assertThrows(IllegalArgumentException.class, () -> new EntryExpansions(0));
    }

    @Test
    void threadsSharingItGetTheSumsOfEachAlone() throws Exception {
        EntryExpansions cache = new EntryExpansions(4096);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[][]>> sums = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                sums.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    LtHash16 acc = new LtHash16();
                    List<byte[][]> added = new ArrayList<>();
                    List<byte[][]> subtracted = new ArrayList<>();
                    for (int i = 0; i < 3000; i++) {
                        byte[][] e = {new byte[] {'s', (byte) seed, (byte) r.nextInt(64)}, new byte[] {(byte) i, (byte) (i >> 8)}};
                        cache.add(acc, SUITE, e[0], e[1]);
                        added.add(e);
                        if (r.nextBoolean()) {
                            byte[][] gone = added.get(r.nextInt(added.size()));
                            cache.subtract(acc, SUITE, gone[0], gone[1]);
                            subtracted.add(gone);
                        }
                    }
                    return new byte[][] {acc.toBytes(), plain(SUITE, added, subtracted).toBytes()};
                }));
            }
            for (Future<byte[][]> f : sums) {
                byte[][] got = f.get();
                assertArrayEquals(got[1], got[0]);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
