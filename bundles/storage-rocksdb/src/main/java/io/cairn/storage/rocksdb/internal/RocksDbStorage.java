package io.cairn.storage.rocksdb.internal;

import io.cairn.api.runtime.NodeHome;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteOptions;

/**
 * Storage on RocksDB. The JNI classes and the native library come from the never-updated
 * {@code cairn-rocksdb-lib} bundle, so updating this engine does not map the library again.
 *
 * <p>Every native handle is closed on deactivation, views and iterators first, so that the LOCK file
 * is released and the next engine instance (update, hot swap) can open the same directory at once.
 * Using a RocksDB handle after it is closed crashes the JVM, so closing waits for calls in flight:
 * storage calls hold a read stamp of {@link #lifecycle}, view calls hold the view's monitor.
 */
@Component(immediate = true, service = Storage.class, configurationPid = RocksDbStorage.PID,
        property = {"cairn.component=storage", "cairn.engine=rocksdb", "cairn.upgrade=stop-first",
                "cairn.upgrade.migrate:Boolean=true"})
@Designate(ocd = RocksDbStorage.Config.class, factory = false)
public final class RocksDbStorage implements Storage {
    static final String PID = "io.cairn.storage.rocksdb";
    static final String ENGINE = "rocksdb";

    private static final System.Logger LOG = System.getLogger(RocksDbStorage.class.getName());

    @ObjectClassDefinition(name = "Cairn RocksDB storage", description = "Chain state and blocks on RocksDB.")
    public @interface Config {
        @AttributeDefinition(description = "Database directory; relative paths resolve against the node home (cairn.home).")
        String path() default "data/chain";

        @AttributeDefinition(description = "Block cache size in MiB.")
        int cacheMb() default 128;

        @AttributeDefinition(description = "fsync the write-ahead log on every batch (the WAL is always written).")
        boolean sync() default false;

        @AttributeDefinition(description = "On open, read every table file and check its checksums: a damaged "
                + "database is refused before the node runs on it (costs a read of the whole database per start).")
        boolean verifyOnOpen() default true;
    }

    private final Path path;
    /** Block cache shards (2^2): each must hold the largest index or filter block an older table may have. */
    static final int CACHE_SHARD_BITS = 2;
    private final LRUCache blockCache;
    private final BloomFilter bloomFilter;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final StampedLock lifecycle = new StampedLock();
    private final Set<RocksReadView> openViews = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Activate
    public RocksDbStorage(BundleContext context, Config config) {
        this(resolve(NodeHome.of(context), config.path()), config.cacheMb(), config.sync(), config.verifyOnOpen(),
                NodeHome.of(context), damage -> refuse(context, damage));
    }

    RocksDbStorage(Path path, int cacheMb, boolean sync) {
        this(path, cacheMb, sync, false);
    }

    RocksDbStorage(Path path, int cacheMb, boolean sync, boolean verifyOnOpen) {
        this(path, cacheMb, sync, verifyOnOpen, NodeHome.of(null), damage -> { });
    }

    /**
     * @param home the node home, for the fix the damage message names
     * @param onDamage told the message when the database is damaged, before the constructor throws it
     */
    RocksDbStorage(Path path, int cacheMb, boolean sync, boolean verifyOnOpen, Path home,
            java.util.function.Consumer<String> onDamage) {
        if (cacheMb < 1) {
            throw new IllegalArgumentException("storage-rocksdb: cacheMb must be at least 1, got " + cacheMb);
        }
        this.path = path;
        // Idempotent: the library bundle's class loader maps the native library once per JVM.
        RocksDB.loadLibrary();
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the RocksDB directory " + path + ": " + e, e);
        }
        // Four shards, half of each kept for index and filter blocks: RocksDB's default for 128 MB is 64 shards of
        // 2 MB, and a table's whole-file filter block grows past 2 MB after a few million transactions (2.6 MB at
        // ~3M): such a block was never kept, every duplicate check read it again, and a node fell from ~20,000 to
        // ~3,000 tx/s with 90% of its submit threads in RocksDB.get. Filters are partitioned below as well.
        blockCache = new LRUCache(cacheMb * 1024L * 1024L, CACHE_SHARD_BITS, false, 0.5);
        bloomFilter = new BloomFilter(10, false);
        options = new Options()
                .setCreateIfMissing(true)
                // Two cores: one flush and one compaction at a time keep up with ~10k tx/s.
                .setMaxBackgroundJobs(2)
                .setWriteBufferSize(64L << 20)
                // A bloom filter on the memtable too (whole keys, ~6 MB of the 64): an absent key (every new
                // transaction's duplicate check) is otherwise searched for in the memtable's skip list first.
                .setMemtablePrefixBloomSizeRatio(0.1)
                .setMemtableWholeKeyFiltering(true)
                .setBytesPerSync(1L << 20)
                // Blocks of hashes and signatures barely compress; LZ4 is cheap where they do.
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setLevelCompactionDynamicLevelBytes(true)
                .setMaxLogFileSize(16L << 20)
                .setKeepLogFileNum(4)
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(blockCache)
                        // Point lookups of absent keys (new accounts, tx dedup) skip the disk.
                        .setFilterPolicy(bloomFilter)
                        // Filters and indexes in 4 KB partitions under a small top level that stays pinned: a lookup
                        // loads the partition it needs, never a whole file's filter, whatever the table's size.
                        .setPartitionFilters(true)
                        .setIndexType(IndexType.kTwoLevelIndexSearch)
                        .setMetadataBlockSize(4096)
                        .setPinTopLevelIndexAndFilter(true)
                        .setCacheIndexAndFilterBlocks(true)
                        .setCacheIndexAndFilterBlocksWithHighPriority(true)
                        .setPinL0FilterAndIndexBlocksInCache(true)
                        .setBlockSize(16 * 1024));
        writeOptions = new WriteOptions().setSync(sync).setDisableWAL(false);
        RocksDB opened;
        try {
            String lost = lostCurrent(path);
            if (lost != null) {
                // without CURRENT, RocksDB would create an empty database beside the old files: a chain lost unseen
                throw new RocksDBException(lost);
            }
            opened = RocksDB.open(options, path.toString());
        } catch (RocksDBException e) {
            writeOptions.close();
            options.close();
            bloomFilter.close();
            blockCache.close();
            String why = e.getMessage();
            if (damaged(why)) {
                String damage = damage(path, why, home);
                LOG.log(System.Logger.Level.ERROR, damage);
                onDamage.accept(damage);
                throw new IllegalStateException(damage, e);
            }
            String hint = why != null && why.toLowerCase().contains("lock")
                    ? " (another node or engine instance has it open)" : "";
            throw new IllegalStateException("cannot open RocksDB at " + path + ": " + why + hint, e);
        }
        if (verifyOnOpen) {
            long start = System.nanoTime();
            try {
                opened.verifyChecksum();
            } catch (RocksDBException e) {
                opened.close();
                writeOptions.close();
                options.close();
                bloomFilter.close();
                blockCache.close();
                String damage = damage(path, e.getMessage(), home);
                LOG.log(System.Logger.Level.ERROR, damage);
                onDamage.accept(damage);
                throw new IllegalStateException(damage, e);
            }
            LOG.log(System.Logger.Level.INFO, "RocksDB at {0}: every table file''s checksums verified in {1} ms", path,
                    (System.nanoTime() - start) / 1_000_000);
        }
        db = opened;
    }

    /**
     * Whether RocksDB's reason for not opening a database is damage to its files (a table, the MANIFEST, CURRENT, a
     * log it cannot replay) rather than the lock, permissions or a full disk, which the operator fixes in place.
     */
    static boolean damaged(String why) {
        if (why == null) {
            return false;
        }
        String w = why.toLowerCase(java.util.Locale.ROOT);
        return w.contains("corruption") || w.contains("checksum") || w.contains("manifest") || w.contains("new db")
                || w.contains("current file") || (w.contains("no such file") && !w.contains("lock"));
    }

    /** Why {@code path} holds a database without its CURRENT file (table files or a MANIFEST); null if it does not. */
    static String lostCurrent(Path path) {
        if (Files.exists(path.resolve("CURRENT"))) {
            return null;
        }
        try (java.util.stream.Stream<Path> files = Files.list(path)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".sst") || f.startsWith("MANIFEST-") || f.endsWith(".log")).sorted()
                    .findFirst().map(f -> "Corruption: the CURRENT file is missing, but the directory holds the "
                            + "database's files (" + f + ", ...)").orElse(null);
        } catch (IOException e) {
            return null; // RocksDB's open says what is wrong with the directory
        }
    }

    /** The message of a damaged database: what RocksDB found, and the fix (docs/operations.md). */
    static String damage(Path path, String report, Path home) {
        return "RocksDB at " + path + " is damaged: " + report + ". The node does not run on it: run ./cairn recover "
                + "--home " + home + ", which moves it aside and rebuilds the node from a snapshot";
    }

    /**
     * Tells the launcher that the node must not run (a {@code Supplier<String>} with {@code cairn.node=refused}, a
     * java.* type it shares with every bundle): it stops the node with the message. The registration goes when this
     * bundle stops.
     */
    private static void refuse(BundleContext context, String damage) {
        java.util.function.Supplier<String> message = () -> damage;
        context.registerService(java.util.function.Supplier.class, message,
                new java.util.Hashtable<>(java.util.Map.of("cairn.node", "refused")));
    }

    /** {@code configured} as an absolute path; a relative one is taken from the node home. */
    static Path resolve(Path home, String configured) {
        if (configured == null || configured.isBlank()) {
            throw new IllegalArgumentException("storage-rocksdb: path must not be empty");
        }
        return NodeHome.resolve(home, configured.trim());
    }

    Path path() {
        return path;
    }

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Health health() {
        long stamp = lifecycle.readLock();
        try {
            if (closed) {
                return Health.notReady("RocksDB at " + path + " is closed");
            }
            long errors = db.getLongProperty("rocksdb.background-errors");
            if (errors > 0) {
                return Health.notReady("RocksDB at " + path + " reports " + errors
                        + " background errors (disk full or I/O failure?)");
            }
            if (db.getLongProperty("rocksdb.is-write-stopped") > 0) {
                return Health.notReady("RocksDB at " + path + " has stopped writes until compaction catches up");
            }
            return Health.ready("RocksDB at " + path + ", " + openViews.size() + " open views");
        } catch (RocksDBException e) {
            return Health.notReady("RocksDB at " + path + " cannot report its state: " + e.getMessage());
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    @Override
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        long stamp = lifecycle.readLock();
        try {
            checkOpen();
            return db.get(key);
        } catch (RocksDBException e) {
            throw failure("read", e);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    @Override
    public void write(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.size() == 0) {
            return;
        }
        int reserve = (int) Math.min(Integer.MAX_VALUE, batch.byteSize() + 16L * batch.size() + 64);
        try (org.rocksdb.WriteBatch native_ = new org.rocksdb.WriteBatch(reserve)) {
            for (WriteBatch.Op op : batch.ops()) {
                byte[] key = Objects.requireNonNull(op.key(), "key of a batch operation");
                if (op.isDelete()) {
                    native_.delete(key);
                } else {
                    native_.put(key, op.value());
                }
            }
            long stamp = lifecycle.readLock();
            try {
                checkOpen();
                db.write(writeOptions, native_);
            } finally {
                lifecycle.unlockRead(stamp);
            }
        } catch (RocksDBException e) {
            throw failure("write of " + batch.size() + " operations", e);
        }
    }

    /** Compacts the range through every level, so that the table files holding its deleted entries are rewritten. */
    @Override
    public void compact(byte[] from, byte[] to) {
        Objects.requireNonNull(from, "from");
        long stamp = lifecycle.readLock();
        try {
            checkOpen();
            db.compactRange(from, to);
        } catch (RocksDBException e) {
            throw failure("compaction", e);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    @Override
    public ReadView view() {
        long stamp = lifecycle.readLock();
        try {
            checkOpen();
            RocksReadView view = new RocksReadView(db.getSnapshot());
            openViews.add(view);
            return view;
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Closes views (their iterators and snapshots), then the database, then the options it used. */
    @Deactivate
    public void close() {
        long stamp = lifecycle.writeLock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (RocksReadView view : new ArrayList<>(openViews)) {
                view.close();
            }
            try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
                // A clean stop leaves every write in table files, not in the write-ahead log alone: a log cut short
                // afterwards (a copy, a tool) then loses nothing, and the next open replays nothing.
                db.flush(flush);
            } catch (RocksDBException e) {
                LOG.log(System.Logger.Level.WARNING, "flushing RocksDB at " + path + " into its table files failed", e);
            }
            try {
                // With sync=false the WAL may sit in the page cache; a clean stop should not lose it.
                db.flushWal(true);
            } catch (RocksDBException e) {
                LOG.log(System.Logger.Level.WARNING, "syncing the WAL of RocksDB at " + path + " failed", e);
            }
            try {
                db.closeE();
            } catch (RocksDBException e) {
                LOG.log(System.Logger.Level.WARNING, "closing RocksDB at " + path + " reported an error", e);
            }
            writeOptions.close();
            options.close();
            bloomFilter.close();
            blockCache.close();
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("RocksDB at " + path + " is closed (engine deactivated)");
        }
    }

    private IllegalStateException failure(String what, RocksDBException e) {
        return new IllegalStateException(what + " on RocksDB at " + path + " failed: " + e.getMessage(), e);
    }

    static void checkRange(byte[] from, byte[] to) {
        if (from != null && to != null && Arrays.compareUnsigned(from, to) > 0) {
            throw new IllegalArgumentException("scan range is reversed: from " + hex(from) + " > to " + hex(to));
        }
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder("0x");
        for (int i = 0; i < Math.min(b.length, 32); i++) {
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return b.length > 32 ? s.append("...").toString() : s.toString();
    }

    /**
     * A snapshot and the iterators opened on it. All native calls run under this object's monitor, so
     * that closing (by its user or by the engine's deactivation) never frees a handle in use.
     */
    private final class RocksReadView implements ReadView {
        private final Snapshot snapshot;
        private final ReadOptions readOptions;
        private final List<Scan> scans = new ArrayList<>();
        private boolean viewClosed;

        RocksReadView(Snapshot snapshot) {
            this.snapshot = snapshot;
            this.readOptions = new ReadOptions().setSnapshot(snapshot);
        }

        @Override
        public synchronized byte[] get(byte[] key) {
            Objects.requireNonNull(key, "key");
            checkUsable();
            try {
                return db.get(readOptions, key);
            } catch (RocksDBException e) {
                throw failure("read", e);
            }
        }

        @Override
        public synchronized Iterator<Entry> scan(byte[] from, byte[] to) {
            checkRange(from, to);
            checkUsable();
            ReadOptions scanOptions = new ReadOptions().setSnapshot(snapshot);
            // The bound lets RocksDB stop at `to` instead of walking deleted entries past it.
            Slice upper = to == null ? null : new Slice(to);
            if (upper != null) {
                scanOptions.setIterateUpperBound(upper);
            }
            RocksIterator it = db.newIterator(scanOptions);
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from);
            }
            Scan scan = new Scan(it, scanOptions, upper);
            scans.add(scan);
            return scan;
        }

        @Override
        public synchronized void close() {
            if (viewClosed) {
                return;
            }
            viewClosed = true;
            for (Scan scan : new ArrayList<>(scans)) {
                scan.release();
            }
            readOptions.close();
            db.releaseSnapshot(snapshot);
            snapshot.close();
            openViews.remove(this);
        }

        private void checkUsable() {
            if (viewClosed) {
                throw new IllegalStateException("read view on RocksDB at " + path + " is closed");
            }
        }

        /** One scan's native iterator, released as soon as it is exhausted. */
        private final class Scan implements Iterator<Entry> {
            private final RocksIterator it;
            private final ReadOptions scanOptions;
            private final Slice upper;
            private boolean open = true;

            Scan(RocksIterator it, ReadOptions scanOptions, Slice upper) {
                this.it = it;
                this.scanOptions = scanOptions;
                this.upper = upper;
            }

            @Override
            public boolean hasNext() {
                synchronized (RocksReadView.this) {
                    checkUsable();
                    if (!open) {
                        return false;
                    }
                    if (it.isValid()) {
                        return true;
                    }
                    try {
                        it.status();
                    } catch (RocksDBException e) {
                        release();
                        throw failure("scan", e);
                    }
                    release();
                    return false;
                }
            }

            @Override
            public Entry next() {
                synchronized (RocksReadView.this) {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Entry e = new Entry(it.key(), it.value());
                    it.next();
                    return e;
                }
            }

            void release() {
                if (!open) {
                    return;
                }
                open = false;
                it.close();
                scanOptions.close();
                if (upper != null) {
                    upper.close();
                }
                scans.remove(this);
            }
        }
    }
}
