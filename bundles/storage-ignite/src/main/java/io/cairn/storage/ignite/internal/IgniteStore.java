package io.cairn.storage.ignite.internal;

import io.cairn.api.node.NotReadyException;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.ClientTransaction;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * The storage contract on three caches of a storage cluster, reached through Ignite's thin client (docs/storage.md,
 * "The ignite engine"). This node is the only writer of its namespace's caches.
 *
 * <ul>
 *   <li>{@code meta}: {@code version}, the last batch applied to {@code kv}; the log records of the batches
 *       committed after it ({@code log:<n>}, in parts of at most 1 MiB); {@code writer}.
 *   <li>{@code kv}: each key's newest applied value and the batch that wrote it, {@code u64(batch) ‖ present ‖
 *       value} ({@code present} 0 for a delete: a tombstone). A range scan is pages of SQL over its table
 *       ({@link KvTable}), in unsigned key order.
 *   <li>{@code history}: while a read view older than a batch is open when the batch is applied, the value each key
 *       of it replaced: {@code key ‖ u64(batch)} to {@code u64(previous batch) ‖ present ‖ value}.
 * </ul>
 *
 * <p>A batch commits when its log record is written (one put, or one transaction over its parts); the {@link Applier} moves it into
 * {@code kv} afterwards, and until then the node serves it from {@link Pending}. A view pinned at batch {@code V}
 * reads the pending batches up to {@code V}, then {@code kv}, and where a key's entry there is newer than {@code V},
 * follows the key's history back to the value it had at {@code V}.
 */
final class IgniteStore implements Storage {
    static final String ENGINE = "ignite";
    /** The SQL table's value type: raw bytes. */
    static final String ENTRY_TYPE = byte[].class.getName();
    /** The last batch applied to kv. */
    static final String VERSION = "version";
    /** Who writes the namespace: the node home that first opened it. */
    private static final String WRITER = "writer";
    /** At most this many committed batches wait to be applied; a write past it waits for the applier. */
    static final int MAX_LAG = 16;

    private final IgniteClient client;
    private final String where;
    private final long timeoutMs;
    private final Caches caches;
    private final KvTable table;

    private final Object writeLock = new Object();
    private final Versions versions;
    private final Pending pending = new Pending();
    private final EntryCache cache;
    private final KeyFilter keys = new KeyFilter(1 << 16);
    /** Reads of a key that went to the cluster, for tests. */
    private final java.util.concurrent.atomic.AtomicLong clusterReads = new java.util.concurrent.atomic.AtomicLong();
    private final Applier applier;
    /** A write failed on the wire: the cluster may or may not hold it, so the next write reads the log back. */
    private volatile boolean uncertain;
    /** Why the last operation failed to reach the cluster, or null. */
    private volatile String unreachable;
    private volatile boolean closed;
    private final Set<IgniteView> openViews = ConcurrentHashMap.newKeySet();

    private IgniteStore(IgniteClient client, Caches caches, String where, long timeoutMs, long cacheBytes,
            long applied) {
        this.client = client;
        this.cache = new EntryCache(cacheBytes);
        this.where = where;
        this.timeoutMs = timeoutMs;
        this.caches = caches;
        this.table = new KvTable(client, caches.kv().getName());
        this.versions = new Versions(applied, applied);
        this.applier = new Applier(client, caches, versions, pending, cache, timeoutMs, MAX_LAG, new Applier.Link() {
            @Override
            public void reached() {
                unreachable = null;
            }

            @Override
            public void lost(String doing, ClientException e) {
                IgniteStore.this.lost(doing, e);
            }
        });
    }

    /**
     * Opens the namespace's caches (creating them on first use), reads the last applied batch and the log of the
     * batches committed after it, and starts applying them. History left by a previous run is deleted: no view of
     * that run is open any more.
     */
    static IgniteStore open(IgniteClient client, Caches caches, String where, long timeoutMs, long cacheBytes,
            String writer) {
        Object holder = caches.meta().getAndPutIfAbsent(WRITER, writer);
        if (holder != null && !holder.equals(writer)) {
            throw new NamespaceTaken("storage-ignite: the namespace " + caches.kv().getName().replaceAll("_kv$", "_*")
                    + " on the storage cluster at " + where + " is the store of the node at " + holder + ", not of "
                    + writer + ": a node writes only its own (give this one its own --storage-namespace)");
        }
        Long v = (Long) caches.meta().get(VERSION);
        IgniteStore s = new IgniteStore(client, caches, where, timeoutMs, cacheBytes, v == null ? 0 : v);
        caches.history().clear();
        long n = s.versions.applied();
        while (s.readLog(n + 1)) {
            n++;
        }
        s.versions.committed(n);
        s.applier.start(caches.kv().getName());
        Thread loader = new Thread(() -> s.table.fill(s.keys, () -> s.closed, () -> s.versions.awaitChange(2000)),
                "storage-ignite keys " + caches.kv().getName());
        loader.setDaemon(true);
        loader.start();
        return s;
    }

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Health health() {
        if (closed) {
            return Health.notReady("ignite storage is closed");
        }
        String u = unreachable;
        if (u != null) {
            return Health.notReady(u);
        }
        long c = versions.committed();
        long a = versions.applied();
        return Health.ready("on the storage cluster at " + where + " (" + caches.kv().getName() + "), batch " + c
                + (a < c ? " (" + (c - a) + " being applied)" : "") + ", " + versions.openViews() + " open views");
    }

    @Override
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        byte[] p = pending.lookup(key, Long.MAX_VALUE);
        if (p != null) {
            return p == Pending.DELETED ? null : p.clone(); // the node's own copy stays as committed
        }
        byte[] e = newest(key);
        return e == null ? null : Entries.valueOf(e);
    }

    /**
     * Commits a batch by writing its log record (one put, or one transaction over its parts). The applier moves it into {@code kv} afterwards; the
     * node serves it from memory meanwhile.
     */
    @Override
    public void write(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.size() == 0) {
            return;
        }
        Map<ByteBuffer, byte[]> ops = new LinkedHashMap<>();
        for (WriteBatch.Op op : batch.ops()) {
            byte[] key = Objects.requireNonNull(op.key(), "key of a batch operation");
            ops.put(ByteBuffer.wrap(key.clone()), op.isDelete() ? Pending.DELETED : op.value().clone());
        }
        List<byte[]> parts = Entries.logParts(ops);
        ops.forEach((k, v) -> {
            if (v != Pending.DELETED) {
                keys.add(k.array()); // before anyone can see it: a key of a failed write is only a false positive
            }
        });
        synchronized (writeLock) {
            checkOpen();
            if (uncertain) {
                resync();
            }
            if (!versions.awaitLagAtMost(MAX_LAG - 1, timeoutMs)) {
                String u = unreachable;
                throw new NotReadyException("storage-ignite: " + (versions.committed() - versions.applied())
                        + " committed batches wait to be applied on the storage cluster at " + where
                        + (u == null ? "" : ": " + u));
            }
            long n = versions.committed() + 1;
            try {
                if (parts.size() == 1) {
                    caches.meta().put(Entries.logKey(n, 0), parts.get(0)); // one key: atomic without a transaction
                } else {
                    Map<String, byte[]> record = new HashMap<>();
                    for (int i = 0; i < parts.size(); i++) {
                        record.put(Entries.logKey(n, i), parts.get(i));
                    }
                    try (ClientTransaction tx = client.transactions().txStart(TransactionConcurrency.OPTIMISTIC,
                            TransactionIsolation.SERIALIZABLE, timeoutMs)) {
                        caches.meta().putAll(record);
                        tx.commit();
                    }
                }
            } catch (ClientException e) {
                uncertain = true;
                throw lost("writing a batch of " + batch.size() + " operations (applied whole or not at all)", e);
            }
            unreachable = null;
            pending.add(n, ops, parts.size());
            versions.committed(n);
        }
    }

    @Override
    public ReadView view() {
        checkOpen();
        IgniteView v = new IgniteView(versions.pin());
        openViews.add(v);
        return v;
    }

    /**
     * Applies what is committed (waiting at most the timeout) and closes the views still open; the client belongs to
     * the component that opened it.
     */
    void close() {
        synchronized (writeLock) {
            closed = true;
        }
        applier.stop(timeoutMs);
        for (IgniteView v : openViews) {
            v.close();
        }
    }

    long committed() {
        return versions.committed();
    }

    /** Waits until kv holds every committed batch, for tests. */
    boolean awaitAllApplied(long timeout) {
        return versions.awaitApplied(versions.committed(), timeout);
    }

    /** Makes the applier's next attempt fail after writing its entries, for tests. */
    void failApplyOnce() {
        applier.failOnceAfterEntries();
    }

    /** Holds (true) or lets go (false) of the batches not yet applied to kv, for tests. */
    void holdApplier(boolean hold) {
        applier.hold(hold);
    }

    /** Number of history records and tombstones waiting for views to close, for tests of pruning. */
    int pendingCleanup() {
        return applier.pendingCleanup();
    }

    /** Has the servers plan the range scan before the node's components first scan ({@link KvTable#warmUp}). */
    void warmUp() {
        table.warmUp(() -> closed);
    }

    /** True once the key filter answers for absent keys, for tests. */
    boolean keysLoaded() {
        return keys.isComplete();
    }

    /** Reads of a key that went to the cluster so far, for tests. */
    long clusterReads() {
        return clusterReads.get();
    }

    /** Reads batch {@code n}'s log record into the pending batches; false when the log has none. */
    private boolean readLog(long n) {
        byte[] first = (byte[]) call(() -> caches.meta().get(Entries.logKey(n, 0)), "reading the log");
        if (first == null) {
            return false;
        }
        int count = Entries.logPartCount(first);
        List<byte[]> parts = new ArrayList<>(List.of(first));
        if (count > 1) {
            Set<String> rest = new java.util.LinkedHashSet<>();
            for (int i = 1; i < count; i++) {
                rest.add(Entries.logKey(n, i));
            }
            Map<String, Object> got = call(() -> caches.meta().getAll(rest), "reading the log");
            for (String k : rest) {
                byte[] part = (byte[]) got.get(k);
                if (part == null) {
                    throw new IllegalStateException("storage-ignite: the log record of batch " + n + " on the cluster "
                            + "at " + where + " lacks its part " + k);
                }
                parts.add(part);
            }
        }
        Map<ByteBuffer, byte[]> ops = Entries.logOps(parts);
        ops.forEach((k, v) -> keys.add(k.array()));
        pending.add(n, ops, count);
        return true;
    }

    /** After a write whose outcome is unknown: the log on the cluster says whether it committed. */
    private void resync() {
        long n = versions.committed() + 1;
        if (readLog(n)) {
            versions.committed(n);
        }
        uncertain = false;
    }

    /** The key's newest entry in kv (held in the node, or read from the cluster), or null. */
    private byte[] newest(byte[] key) {
        if (!keys.mightContain(key)) {
            return null;
        }
        byte[] held = cache.get(key);
        if (held != null) {
            return held == EntryCache.ABSENT ? null : held;
        }
        long before = versions.applied();
        clusterReads.incrementAndGet();
        byte[] e = call(() -> caches.kv().get(key), "reading a key");
        if (e == null || Entries.batchOf(e) <= before) {
            byte[] k = key.clone();
            cache.read(k, e == null ? EntryCache.ABSENT : e);
            if (versions.applied() != before) {
                // a batch was applied meanwhile: what was read may be what it replaced
                cache.forget(k);
            }
        }
        return e;
    }

    /** The value {@code key} had at batch {@code at}, given its newest entry {@code e}. */
    private byte[] valueAt(byte[] key, byte[] e, long at) {
        if (e == null) {
            return null;
        }
        long n = Entries.batchOf(e);
        byte[] v = null;
        boolean resolved = false;
        while (n > at) {
            long batch = n;
            byte[] h = call(() -> caches.history().get(Entries.historyKey(key, batch)), "reading a key's history");
            if (h == null) {
                // the entry is visible before the rest of its transaction: wait for the applier's commit to return
                awaitApplied(batch);
                h = call(() -> caches.history().get(Entries.historyKey(key, batch)), "reading a key's history");
                if (h == null) {
                    throw new IllegalStateException("storage-ignite: batch " + batch + " replaced key "
                            + Entries.hex(key)
                            + " without recording its previous value, which the view at batch " + at + " needs");
                }
            }
            n = Entries.batchOf(h);
            v = Entries.valueOf(h);
            resolved = true;
        }
        return resolved ? v : Entries.valueOf(e);
    }

    private void awaitApplied(long n) {
        if (!versions.awaitApplied(n, timeoutMs)) {
            throw new NotReadyException("storage-ignite: batch " + n + " is being applied on the storage cluster at "
                    + where + " but did not finish within " + timeoutMs + " ms");
        }
    }

    private <T> T call(java.util.function.Supplier<T> op, String doing) {
        try {
            T t = op.get();
            unreachable = null;
            return t;
        } catch (ClientException e) {
            throw lost(doing, e);
        }
    }

    private NotReadyException lost(String doing, ClientException e) {
        // a server's error answer (such as a query that failed while the cluster was creating other caches) is
        // not a lost cluster: it says so, and the engine's health does not turn to unreachable for it
        boolean answered = false;
        for (Throwable t = e; t != null && !answered; t = t.getCause()) {
            answered = t.getClass().getSimpleName().equals("ClientServerError");
        }
        String why = "storage-ignite: the storage cluster at " + where + (answered ? " failed a request" : " did not answer")
                + " while " + doing + ": " + e.getMessage();
        if (!answered) {
            unreachable = why;
        }
        NotReadyException n = new NotReadyException(why);
        n.initCause(e);
        return n;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ignite storage is closed (engine deactivated)");
        }
    }

    private static void waitOn(Object lock) {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReadyException("storage-ignite: interrupted while waiting for a batch to commit");
        }
    }

    /** The caches of one namespace. */
    record Caches(ClientCache<byte[], byte[]> kv, ClientCache<byte[], byte[]> history,
            ClientCache<String, Object> meta) {}

    /** Another node's store is in the namespace. */
    static final class NamespaceTaken extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NamespaceTaken(String message) {
            super(message);
        }
    }

    private final class IgniteView implements ReadView {
        private final long at;
        private final AtomicBoolean closedView = new AtomicBoolean();

        IgniteView(long at) {
            this.at = at;
        }

        @Override
        public byte[] get(byte[] key) {
            Objects.requireNonNull(key, "key");
            checkUsable();
            byte[] p = pending.lookup(key, at);
            if (p != null) {
                return p == Pending.DELETED ? null : p.clone(); // the node's own copy stays as committed
            }
            return valueAt(key, newest(key), at);
        }

        @Override
        public Iterator<Entry> scan(byte[] from, byte[] to) {
            if (from != null && to != null && Arrays.compareUnsigned(from, to) > 0) {
                throw new IllegalArgumentException("scan range is reversed: from " + Entries.hex(from) + " > to "
                        + Entries.hex(to));
            }
            checkUsable();
            // the pending batches this view sees, merged with kv's pages; a key in both is the pending batch's
            TreeMap<byte[], byte[]> overlay = pending.slice(from, to, at);
            return new Iterator<>() {
                private Entry next;
                private Iterator<List<?>> page = Collections.emptyIterator();
                /** The last key read from kv; the next page starts after it. */
                private byte[] after;
                private boolean lastPage;
                /** The kv row read but not yet returned, or null. */
                private byte[] rowKey;
                private byte[] rowEntry;

                @Override
                public boolean hasNext() {
                    checkUsable();
                    while (next == null) {
                        if (rowKey == null) {
                            readRow();
                        }
                        Map.Entry<byte[], byte[]> o = overlay.firstEntry();
                        if (o == null && rowKey == null) {
                            return false;
                        }
                        int c = o == null ? 1 : rowKey == null ? -1 : Arrays.compareUnsigned(o.getKey(), rowKey);
                        if (c <= 0) {
                            overlay.pollFirstEntry();
                            if (c == 0) {
                                rowKey = null;
                            }
                            if (o.getValue() != Pending.DELETED) {
                                next = new Entry(o.getKey().clone(), o.getValue().clone());
                            }
                        } else {
                            byte[] v = valueAt(rowKey, rowEntry, at);
                            if (v != null) {
                                next = new Entry(rowKey, v);
                            }
                            rowKey = null;
                        }
                    }
                    return true;
                }

                /** The next kv row into {@link #rowKey}, reading the next page when needed; null after the last. */
                private void readRow() {
                    if (!page.hasNext()) {
                        if (lastPage) {
                            return;
                        }
                        List<List<?>> rows = call(() -> table.rows(from, to, after), "reading a range scan");
                        lastPage = rows.size() < KvTable.PAGE;
                        page = rows.iterator();
                        if (!page.hasNext()) {
                            return;
                        }
                    }
                    List<?> row = page.next();
                    rowKey = (byte[]) row.get(0);
                    rowEntry = (byte[]) row.get(1);
                    after = rowKey;
                }

                @Override
                public Entry next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Entry e = next;
                    next = null;
                    return e;
                }
            };
        }

        @Override
        public void close() {
            if (closedView.compareAndSet(false, true)) {
                openViews.remove(this);
                versions.unpin(at);
            }
        }

        private void checkUsable() {
            if (closedView.get()) {
                throw new IllegalStateException("read view at batch " + at + " is closed");
            }
            checkOpen();
        }
    }
}
