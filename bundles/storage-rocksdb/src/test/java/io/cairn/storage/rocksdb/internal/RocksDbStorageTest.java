package io.cairn.storage.rocksdb.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import io.cairn.storage.contract.StorageContractTest;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

class RocksDbStorageTest extends StorageContractTest {
    @TempDir
    Path dir;

    @Override
    protected Storage open() {
        return new RocksDbStorage(dir.resolve("db"), 16, false);
    }

    @Override
    protected void close(Storage s) {
        ((RocksDbStorage) s).close();
    }

    @Override
    protected String expectedEngine() {
        return "rocksdb";
    }

    private RocksDbStorage rocks() {
        return (RocksDbStorage) storage;
    }

    @Test
    void reopenedDatabaseHasCommittedData() {
        storage.write(new WriteBatch().put(b("block"), b("one")).put(b("gone"), b("x")));
        storage.write(new WriteBatch().delete(b("gone")).put(b("empty"), new byte[0]));
        rocks().close();
        storage = new RocksDbStorage(dir.resolve("db"), 16, true);
        assertArrayEquals(b("one"), storage.get(b("block")));
        assertArrayEquals(new byte[0], storage.get(b("empty")));
        assertNull(storage.get(b("gone")));
    }

    @Test
    void aDatabaseWithADamagedTableFileIsRefusedOnOpenNamingTheDamageAndTheFix() throws Exception {
        for (int i = 0; i < 2_000; i++) {
            storage.write(new WriteBatch().put(b("key " + i), b("a value that fills the table " + i)));
        }
        rocks().close();
        Path path = dir.resolve("db");
        // the rows into a table file (a node's are, once its memtable fills)
        try (org.rocksdb.Options o = new org.rocksdb.Options(); org.rocksdb.RocksDB raw = org.rocksdb.RocksDB.open(o,
                path.toString()); org.rocksdb.FlushOptions f = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            raw.flush(f);
        }
        storage = new RocksDbStorage(path, 16, false, true); // intact: verified and opened
        assertArrayEquals(b("a value that fills the table 7"), storage.get(b("key 7")));
        rocks().close();
        Path table;
        try (var files = java.nio.file.Files.list(path)) {
            table = files.filter(f -> f.toString().endsWith(".sst")).findFirst().orElseThrow();
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(table);
        for (int i = bytes.length / 4; i < bytes.length / 4 + 16; i++) {
            bytes[i] ^= 0x5a;
        }
        java.nio.file.Files.write(table, bytes);
        java.util.List<String> reported = new java.util.ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new RocksDbStorage(path, 16, false, true, dir, reported::add));
        assertTrue(e.getMessage().startsWith("RocksDB at " + path + " is damaged: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(". The node does not run on it: run ./cairn recover --home " + dir
                + ", which moves it aside and rebuilds the node from a snapshot"), e.getMessage());
        assertEquals(java.util.List.of(e.getMessage()), reported, "the launcher is told, to stop the node");
        storage = new RocksDbStorage(dir.resolve("other"), 16, false); // for tearDown
    }

    @Test
    void afterACleanCloseAWriteAheadLogCutShortLosesNothing() throws Exception {
        for (int i = 0; i < 100; i++) {
            storage.write(new WriteBatch().put(b("block " + i), b("committed " + i)));
        }
        rocks().close();
        Path path = dir.resolve("db");
        try (var files = Files.list(path)) {
            for (Path wal : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(wal.toFile(), "rw")) {
                    f.setLength(f.length() / 2);
                }
            }
        }
        storage = new RocksDbStorage(path, 16, false, true);
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(b("committed " + i), storage.get(b("block " + i)), "block " + i);
        }
    }

    @Test
    void aDatabaseWithoutItsCurrentFileIsRefusedRatherThanCreatedAnewEmpty() throws Exception {
        storage.write(new WriteBatch().put(b("block"), b("one")));
        rocks().close();
        Path path = dir.resolve("db");
        Files.delete(path.resolve("CURRENT"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new RocksDbStorage(path, 16, false, true, dir, m -> { }));
        assertTrue(e.getMessage().startsWith("RocksDB at " + path + " is damaged: Corruption: the CURRENT file is "
                + "missing, but the directory holds the database's files ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("run ./cairn recover --home " + dir
                + ", which moves it aside and rebuilds the node from a snapshot"), e.getMessage());
        storage = new RocksDbStorage(dir.resolve("other"), 16, false); // for tearDown
    }

    @Test
    void aDatabaseWithoutItsManifestIsRefusedOnOpenNamingTheDamageAndTheFix() throws Exception {
        storage.write(new WriteBatch().put(b("block"), b("one")));
        rocks().close();
        Path path = dir.resolve("db");
        try (var files = Files.list(path)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-")).toList()) {
                Files.delete(f);
            }
        }
        java.util.List<String> reported = new java.util.ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new RocksDbStorage(path, 16, false, true, dir, reported::add));
        assertTrue(e.getMessage().startsWith("RocksDB at " + path + " is damaged: "), e.getMessage());
        assertTrue(e.getMessage().contains("MANIFEST"), e.getMessage());
        assertTrue(e.getMessage().endsWith(". The node does not run on it: run ./cairn recover --home " + dir
                + ", which moves it aside and rebuilds the node from a snapshot"), e.getMessage());
        assertEquals(java.util.List.of(e.getMessage()), reported);
        storage = new RocksDbStorage(dir.resolve("other"), 16, false); // for tearDown
    }

    @Test
    void secondOpenOfALockedPathFailsNamingIt() {
        Path path = rocks().path();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new RocksDbStorage(path, 16, false));
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("lock"), e.getMessage());
        // The failed attempt must not disturb the instance that holds the lock.
        storage.write(new WriteBatch().put(b("k"), b("v")));
        assertArrayEquals(b("v"), storage.get(b("k")));
    }

    @Test
    void closeWithOpenViewsAndScansReleasesTheLock() {
        storage.write(new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")));
        ReadView view = storage.view();
        Iterator<ReadView.Entry> scan = view.scan(b(""), null);
        assertTrue(scan.hasNext());
        ReadView untouched = storage.view();
        untouched.scan(b("a"), b("b"));
        rocks().close();

        assertThrows(IllegalStateException.class, scan::next);
        assertThrows(IllegalStateException.class, () -> view.get(b("a")));
        view.close();
        assertFalse(storage.health().ready());
        assertThrows(IllegalStateException.class, () -> storage.get(b("a")));
        assertThrows(IllegalStateException.class, () -> storage.write(new WriteBatch().put(b("a"), b("1"))));

        // What an engine update does: the next instance opens the same directory right away.
        storage = new RocksDbStorage(dir.resolve("db"), 16, false);
        assertArrayEquals(b("2"), storage.get(b("b")));
    }

    @Test
    void closingWhileOtherThreadsReadFailsThemCleanly() throws Exception {
        WriteBatch batch = new WriteBatch();
        for (int i = 0; i < 2_000; i++) {
            batch.put(u64(i), u64(i));
        }
        storage.write(batch);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(3);
        java.util.List<java.util.concurrent.CompletableFuture<Throwable>> outcomes = new java.util.ArrayList<>();
        for (int r = 0; r < 3; r++) {
            java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
            outcomes.add(outcome);
            boolean useViews = r > 0;
            Thread t = new Thread(() -> {
                try {
                    running.countDown();
                    while (true) {
                        if (useViews) {
                            ReadView v = storage.view();
                            Iterator<ReadView.Entry> it = v.scan(u64(0), null);
                            while (it.hasNext()) {
                                it.next();
                            }
                            v.close();
                        } else {
                            storage.get(u64(7));
                            storage.write(new WriteBatch().put(b("w"), b("x")));
                        }
                    }
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            t.start();
        }
        assertTrue(running.await(10, java.util.concurrent.TimeUnit.SECONDS));
        rocks().close();
        for (java.util.concurrent.CompletableFuture<Throwable> outcome : outcomes) {
            Throwable e = outcome.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(IllegalStateException.class, e.getClass(), () -> "unexpected " + e);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    @Test
    void repeatedUpdatesReopenTheSamePath() {
        for (int i = 0; i < 20; i++) {
            storage.write(new WriteBatch().put(b("n"), u64(i)));
            storage.view(); // left open on purpose: deactivation must close it
            rocks().close();
            storage = new RocksDbStorage(dir.resolve("db"), 16, false);
            assertEquals(i, u64(storage.get(b("n"))));
        }
    }

    @Test
    void activationResolvesRelativePathAgainstNodeHomeAndCreatesParents() throws Exception {
        Path home = dir.resolve("node-home");
        RocksDbStorage s = new RocksDbStorage(context(Map.of("cairn.home", home.toString())),
                config("data/deep/chain", 8, false));
        try {
            assertEquals(home.resolve("data/deep/chain").toAbsolutePath(), s.path());
            assertTrue(Files.exists(s.path().resolve("CURRENT")));
            assertTrue(s.health().detail().contains(s.path().toString()), s.health().detail());
        } finally {
            s.close();
        }
    }

    @Test
    void absolutePathIgnoresNodeHome() {
        Path abs = dir.resolve("elsewhere").toAbsolutePath();
        assertEquals(abs, RocksDbStorage.resolve(Path.of("/some/home"), abs.toString()));
        assertThrows(IllegalArgumentException.class, () -> RocksDbStorage.resolve(Path.of("/some/home"), " "));
    }

    @Test
    void badConfigurationIsRejectedClearly() throws Exception {
        IllegalArgumentException cache = assertThrows(IllegalArgumentException.class,
                () -> new RocksDbStorage(dir.resolve("x"), 0, false));
        assertTrue(cache.getMessage().contains("cacheMb"), cache.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> RocksDbStorage.resolve(Path.of("/home"), " "));
        assertTrue(empty.getMessage().contains("path"), empty.getMessage());

        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        IllegalStateException notDir = assertThrows(IllegalStateException.class,
                () -> new RocksDbStorage(file.resolve("chain"), 8, false));
        assertTrue(notDir.getMessage().contains(file.toString()), notDir.getMessage());
    }

    private static BundleContext context(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(RocksDbStorageTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getProperty")) {
                        return properties.get((String) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static RocksDbStorage.Config config(String path, int cacheMb, boolean sync) {
        return (RocksDbStorage.Config) Proxy.newProxyInstance(RocksDbStorageTest.class.getClassLoader(),
                new Class<?>[] {RocksDbStorage.Config.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "path" -> path;
                    case "cacheMb" -> cacheMb;
                    case "sync" -> sync;
                    case "verifyOnOpen" -> true;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /**
     * A table's filter and index come in small partitions under a top level: a whole-file filter grew past a block
     * cache shard after a few million transactions, was never kept, and every absent-key lookup read it again.
     */
    @Test
    void tablesAreWrittenWithPartitionedIndexesAndFilters() throws Exception {
        Path path = dir.resolve("partitioned");
        RocksDbStorage storage = new RocksDbStorage(path, 16, false);
        java.util.Random random = new java.util.Random(7);
        for (int batch = 0; batch < 20; batch++) {
            WriteBatch w = new WriteBatch();
            for (int i = 0; i < 5_000; i++) {
                byte[] key = new byte[33]; // a tx-index key: a prefix byte and a hash
                random.nextBytes(key);
                w.put(key, new byte[12]);
            }
            storage.write(w);
        }
        storage.close(); // flushes the memtable into a table file
        org.rocksdb.RocksDB.loadLibrary();
        try (org.rocksdb.Options o = new org.rocksdb.Options();
                org.rocksdb.RocksDB db = org.rocksdb.RocksDB.openReadOnly(o, path.toString())) {
            Map<String, org.rocksdb.TableProperties> tables = db.getPropertiesOfAllTables();
            assertFalse(tables.isEmpty(), "the writes reached a table file");
            for (org.rocksdb.TableProperties t : tables.values()) {
                assertTrue(t.getIndexPartitions() > 1, "index partitions of " + t.getNumEntries() + " entries: "
                        + t.getIndexPartitions());
                assertTrue(t.getTopLevelIndexSize() > 0, "a two-level index");
                assertEquals("bloomfilter", t.getFilterPolicyName());
            }
        }
    }
}
