package io.cairn.storage.ignite.internal;

import io.cairn.api.node.NotReadyException;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
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
import org.apache.ignite.cache.query.SqlFieldsQuery;
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
 *   <li>{@code kv}: each key's newest value and the batch that wrote it, {@code u64(batch) ‖ present ‖ value}
 *       ({@code present} 0 for a delete: a tombstone). Its SQL table's primary-key index is kept sorted by the
 *       servers, so a range scan is pages of SQL over it, in unsigned key order.
 *   <li>{@code history}: while a read view older than a batch is open, the batch also records, for each key it
 *       writes, the value it replaced: {@code key ‖ u64(batch)} to {@code u64(previous batch) ‖ present ‖ value}.
 *   <li>{@code meta}: the number of the last batch written ({@code version}).
 * </ul>
 *
 * <p>A batch is one optimistic serializable transaction over all three. A view pinned at batch {@code V} reads
 * {@code kv}, and where a key's batch is newer than {@code V}, follows the key's history back to the value it had at
 * {@code V}. History and tombstones are deleted once no open view is older than them.
 */
final class IgniteStore implements Storage {
    static final String ENGINE = "ignite";
    /** The SQL table's value type: raw bytes. */
    static final String ENTRY_TYPE = byte[].class.getName();
    private static final String VERSION = "version";
    /** Who writes the namespace: the node home that first opened it. */
    private static final String WRITER = "writer";
    private static final int PAGE = 512;

    private final IgniteClient client;
    private final String where;
    private final long timeoutMs;
    private final ClientCache<byte[], byte[]> kv;
    /** The SQL schema of the kv table: {@code cairn_<namespace>}. */
    private final String schema;
    private final ClientCache<byte[], byte[]> history;
    private final ClientCache<String, Object> meta;

    private final Object writeLock = new Object();
    /** Guards {@link #pins}, {@link #committed} and {@link #writingBare}; notified when a batch ends. */
    private final Object pinLock = new Object();
    private final TreeMap<Long, Integer> pins = new TreeMap<>();
    private volatile long committed;
    /** A batch is being written without history (no view was open): a new view waits for it to end. */
    private boolean writingBare;
    /** A write failed on the wire: the cluster may or may not hold it, so the next write reads the version back. */
    private volatile boolean uncertain;
    /** Why the last operation failed to reach the cluster, or null. */
    private volatile String unreachable;
    private volatile boolean closed;

    // guarded by writeLock: what to delete once no view needs it
    private final ArrayDeque<Written> written = new ArrayDeque<>();
    private final Map<ByteBuffer, Long> tombstones = new HashMap<>();
    private final Set<IgniteView> openViews = ConcurrentHashMap.newKeySet();
    private final EntryCache cache;

    private IgniteStore(IgniteClient client, Caches caches, String where, long timeoutMs, long cacheBytes) {
        this.client = client;
        this.cache = new EntryCache(cacheBytes);
        this.where = where;
        this.timeoutMs = timeoutMs;
        this.kv = caches.kv();
        this.schema = caches.kv().getName().substring(0, caches.kv().getName().length() - "_kv".length());
        this.history = caches.history();
        this.meta = caches.meta();
    }

    /**
     * Opens the namespace's caches (creating them on first use) and reads the last batch number. History left by a
     * previous run is deleted: no view of that run is open any more.
     */
    static IgniteStore open(IgniteClient client, Caches caches, String where, long timeoutMs, long cacheBytes,
            String writer) {
        Object holder = caches.meta().getAndPutIfAbsent(WRITER, writer);
        if (holder != null && !holder.equals(writer)) {
            throw new NamespaceTaken("storage-ignite: the namespace " + caches.kv().getName().replaceAll("_kv$", "_*")
                    + " on the storage cluster at " + where + " is the store of the node at " + holder + ", not of "
                    + writer + ": a node writes only its own (give this one its own --storage-namespace)");
        }
        IgniteStore s = new IgniteStore(client, caches, where, timeoutMs, cacheBytes);
        Long v = (Long) caches.meta().get(VERSION);
        s.committed = v == null ? 0 : v;
        caches.history().clear();
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
        int views;
        synchronized (pinLock) {
            views = pins.values().stream().mapToInt(Integer::intValue).sum();
        }
        return Health.ready("on the storage cluster at " + where + " (" + kv.getName() + "), batch " + committed + ", "
                + views + " open views");
    }

    @Override
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        byte[] e = newest(key);
        if (e == null) {
            return null;
        }
        long n = Entries.batchOf(e);
        if (n > committed) {
            // the batch that wrote it is committing now: the value is the latest once its commit returns
            awaitCommitted(n);
        }
        return Entries.valueOf(e);
    }

    @Override
    public void write(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.size() == 0) {
            return;
        }
        Map<ByteBuffer, WriteBatch.Op> last = new LinkedHashMap<>();
        for (WriteBatch.Op op : batch.ops()) {
            byte[] key = Objects.requireNonNull(op.key(), "key of a batch operation");
            last.put(ByteBuffer.wrap(key.clone()), op);
        }
        synchronized (writeLock) {
            checkOpen();
            if (uncertain) {
                resync();
            }
            long n = committed + 1;
            boolean keepHistory;
            synchronized (pinLock) {
                keepHistory = !pins.isEmpty();
                writingBare = !keepHistory;
            }
            boolean done = false;
            List<byte[]> historyKeys = new ArrayList<>();
            long t0 = System.nanoTime();
            long t1 = t0;
            try {
                Map<ByteBuffer, byte[]> previous = keepHistory ? previous(last.keySet()) : Map.of();
                t1 = System.nanoTime();
                Map<byte[], byte[]> puts = new HashMap<>();
                Map<byte[], byte[]> replaced = new HashMap<>();
                for (Map.Entry<ByteBuffer, WriteBatch.Op> e : last.entrySet()) {
                    byte[] key = e.getKey().array();
                    byte[] value = e.getValue().value();
                    if (keepHistory) {
                        byte[] p = previous.get(e.getKey());
                        if (value == null && (p == null || Entries.valueOf(p) == null)) {
                            continue; // deleting what no view can see changes nothing
                        }
                        byte[] hk = Entries.historyKey(key, n);
                        replaced.put(hk, p == null ? Entries.entry(0, null) : p);
                        historyKeys.add(hk);
                    }
                    puts.put(key, Entries.entry(n, value));
                }
                try (ClientTransaction tx = client.transactions().txStart(TransactionConcurrency.OPTIMISTIC,
                        TransactionIsolation.SERIALIZABLE, timeoutMs)) {
                    kv.putAll(puts);
                    if (!replaced.isEmpty()) {
                        history.putAll(replaced);
                    }
                    meta.put(VERSION, n);
                    tx.commit();
                }
                // before the batch counts as committed, so that no read of it caches what it replaced
                puts.forEach(cache::written);
                done = true;
                unreachable = null;
            } catch (ClientException e) {
                uncertain = true;
                throw lost("writing a batch of " + batch.size() + " operations (applied whole or not at all)", e);
            } finally {
                synchronized (pinLock) {
                    if (done) {
                        committed = n;
                    }
                    writingBare = false;
                    pinLock.notifyAll();
                }
            }
            for (Map.Entry<ByteBuffer, WriteBatch.Op> e : last.entrySet()) {
                if (e.getValue().isDelete()) {
                    tombstones.put(e.getKey(), n);
                } else {
                    tombstones.remove(e.getKey());
                }
            }
            if (!historyKeys.isEmpty()) {
                written.addLast(new Written(n, historyKeys));
            }
            long t2 = System.nanoTime();
            prune();
            if (last.size() >= 200 && n % 5 == 0) {
                System.getLogger(IgniteStore.class.getName()).log(System.Logger.Level.DEBUG, "batch " + n + ": "
                        + last.size() + " keys, history " + keepHistory + ", previous " + (t1 - t0) / 1000_000
                        + " ms, tx " + (t2 - t1) / 1000_000 + " ms, prune " + (System.nanoTime() - t2) / 1000_000
                        + " ms");
            }
        }
    }

    @Override
    public ReadView view() {
        checkOpen();
        long at;
        synchronized (pinLock) {
            while (writingBare) {
                waitOn(pinLock);
            }
            at = committed;
            pins.merge(at, 1, Integer::sum);
        }
        IgniteView v = new IgniteView(at);
        openViews.add(v);
        return v;
    }

    /** Closes the views still open; the client belongs to the component that opened it. */
    void close() {
        synchronized (writeLock) {
            closed = true;
        }
        for (IgniteView v : openViews) {
            v.close();
        }
    }

    long committed() {
        return committed;
    }

    /** Number of history records and tombstones waiting for views to close, for tests of pruning. */
    int pendingCleanup() {
        synchronized (writeLock) {
            int n = tombstones.size();
            for (Written w : written) {
                n += w.historyKeys.size();
            }
            return n;
        }
    }

    /** Deletes the history and tombstones that no open view can need: those of batches at or below every view. */
    private void prune() {
        long floor;
        synchronized (pinLock) {
            floor = pins.isEmpty() ? committed : Math.min(pins.firstKey(), committed);
        }
        Set<byte[]> oldHistory = new HashSet<>();
        while (!written.isEmpty() && written.peekFirst().number <= floor) {
            oldHistory.addAll(written.pollFirst().historyKeys);
        }
        Set<byte[]> deadKeys = new HashSet<>();
        for (Iterator<Map.Entry<ByteBuffer, Long>> it = tombstones.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ByteBuffer, Long> t = it.next();
            if (t.getValue() <= floor) {
                deadKeys.add(t.getKey().array());
                it.remove();
            }
        }
        try {
            if (!oldHistory.isEmpty()) {
                history.removeAll(oldHistory);
            }
            if (!deadKeys.isEmpty()) {
                kv.removeAll(deadKeys);
            }
        } catch (ClientException e) {
            // a tombstone reads as absent and stale history is never read again: both are deleted at the next start
            System.getLogger(IgniteStore.class.getName()).log(System.Logger.Level.WARNING,
                    "storage-ignite: could not delete " + (oldHistory.size() + deadKeys.size())
                            + " records no view needs any more: " + e.getMessage());
        }
    }

    private Map<ByteBuffer, byte[]> previous(Set<ByteBuffer> keys) {
        Set<byte[]> raw = new HashSet<>();
        Map<ByteBuffer, byte[]> out = new HashMap<>();
        for (ByteBuffer k : keys) {
            byte[] held = cache.get(k.array());
            if (held == null) {
                raw.add(k.array());
            } else if (held != EntryCache.ABSENT) {
                out.put(k, held);
            }
        }
        if (!raw.isEmpty()) {
            for (Map.Entry<byte[], byte[]> e : kv.getAll(raw).entrySet()) {
                out.put(ByteBuffer.wrap(e.getKey()), e.getValue());
            }
        }
        return out;
    }

    /**
     * One page of a range scan, in unsigned key order, through the servers' SQL engine: the keys from {@code from}
     * (or after {@code after}, the last key of the page before) below {@code to}. (Ignite's IndexQuery on the same
     * index failed on caches a node created, "typeDesc is null", so scans page with keyset SQL.)
     */
    private SqlFieldsQuery pageQuery(byte[] from, byte[] to, byte[] after) {
        StringBuilder sql = new StringBuilder("SELECT K, V FROM ").append(schema).append(".KV WHERE ");
        List<Object> args = new ArrayList<>();
        if (after != null) {
            sql.append("K > ?");
            args.add(after);
        } else {
            sql.append("K >= ?");
            args.add(from == null ? new byte[0] : from);
        }
        if (to != null) {
            sql.append(" AND K < ?");
            args.add(to);
        }
        sql.append(" ORDER BY K LIMIT ").append(PAGE);
        return new SqlFieldsQuery(sql.toString()).setArgs(args.toArray());
    }

    /** The key's newest entry (held in the node, or read from the cluster), or null. */
    private byte[] newest(byte[] key) {
        byte[] held = cache.get(key);
        if (held != null) {
            return held == EntryCache.ABSENT ? null : held;
        }
        long before = committed;
        byte[] e = call(() -> kv.get(key), "reading a key");
        if (e == null || Entries.batchOf(e) <= before) {
            byte[] k = key.clone();
            cache.read(k, e == null ? EntryCache.ABSENT : e);
            if (committed != before) {
                // a batch committed meanwhile: what was read may be what it replaced
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
            byte[] h = call(() -> history.get(Entries.historyKey(key, batch)), "reading a key's history");
            if (h == null) {
                // the entry is visible before the rest of its batch: wait for the commit to return
                awaitCommitted(batch);
                h = call(() -> history.get(Entries.historyKey(key, batch)), "reading a key's history");
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

    private void awaitCommitted(long n) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (pinLock) {
            while (committed < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    pinLock.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NotReadyException("storage-ignite: interrupted while batch " + n + " commits");
                }
            }
        }
        if (committed < n && uncertain) {
            synchronized (writeLock) {
                resync();
            }
        }
        if (committed < n) {
            throw new NotReadyException("storage-ignite: batch " + n + " is on the cluster but did not commit within "
                    + timeoutMs + " ms");
        }
    }

    /** After a write whose outcome is unknown: the cluster's batch number is the truth. */
    private void resync() {
        Long v = (Long) call(() -> meta.get(VERSION), "reading the last batch number");
        cache.clear();
        synchronized (pinLock) {
            committed = v == null ? 0 : v;
            pinLock.notifyAll();
        }
        uncertain = false;
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
        String why = "storage-ignite: the storage cluster at " + where + " did not answer while " + doing + ": "
                + e.getMessage();
        unreachable = why;
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

    /** The history records batch {@code number} wrote. */
    private record Written(long number, List<byte[]> historyKeys) {}

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
            return valueAt(key, newest(key), at);
        }

        @Override
        public Iterator<Entry> scan(byte[] from, byte[] to) {
            if (from != null && to != null && Arrays.compareUnsigned(from, to) > 0) {
                throw new IllegalArgumentException("scan range is reversed: from " + Entries.hex(from) + " > to "
                        + Entries.hex(to));
            }
            checkUsable();
            return new Iterator<>() {
                private Entry next;
                private Iterator<java.util.List<?>> page = java.util.Collections.emptyIterator();
                /** The last key read; the next page starts after it. */
                private byte[] after;
                private boolean last;

                @Override
                public boolean hasNext() {
                    checkUsable();
                    while (next == null) {
                        if (!page.hasNext()) {
                            if (last) {
                                return false;
                            }
                            List<java.util.List<?>> rows = call(() -> client.query(pageQuery(from, to, after)).getAll(),
                                    "reading a range scan");
                            last = rows.size() < PAGE;
                            page = rows.iterator();
                            if (!page.hasNext()) {
                                return false;
                            }
                        }
                        java.util.List<?> row = page.next();
                        byte[] key = (byte[]) row.get(0);
                        after = key;
                        byte[] v = valueAt(key, (byte[]) row.get(1), at);
                        if (v != null) {
                            next = new Entry(key, v);
                        }
                    }
                    return true;
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
                synchronized (pinLock) {
                    pins.computeIfPresent(at, (v, n) -> n == 1 ? null : n - 1);
                }
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
