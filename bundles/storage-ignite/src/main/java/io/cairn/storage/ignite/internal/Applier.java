package io.cairn.storage.ignite.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.ClientTransaction;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;

/**
 * Applies committed batches from the log to {@code kv}, in order, on a thread of its own, so that a block's commit
 * costs one write of its log record and the cluster takes in the entries while the node executes the next block
 * (docs/storage.md, "Batches and views").
 *
 * <p>Batches that every open view is pinned at or after need no history: they are applied together, each key once,
 * in one transaction that also deletes their log records and advances {@code version}. A batch newer than an open
 * view is applied alone with the values it replaced recorded in {@code history} for that view, after waiting a
 * moment for the view to close. History and tombstones are deleted once no open view is older than them.
 */
final class Applier implements Runnable {
    /** At most this many keys in one transaction (a group of batches is cut after the batch that crosses it). */
    static final int GROUP_KEYS = 20_000;
    /** How long a batch waits for the views older than it to close before it is applied with history. */
    private static final long VIEW_WAIT_NANOS = 50_000_000L;
    private static final long RETRY_MS = 500;
    private static final System.Logger LOG = System.getLogger(Applier.class.getName());

    /** How the applier reports reaching or losing the cluster. */
    interface Link {
        void reached();

        void lost(String doing, ClientException e);
    }

    private final IgniteClient client;
    private final IgniteStore.Caches caches;
    private final Versions versions;
    private final Pending pending;
    private final EntryCache cache;
    private final long timeoutMs;
    private final Link link;
    private final int maxLag;

    // the applier thread's own
    private final ArrayDeque<Written> written = new ArrayDeque<>();
    private final Map<ByteBuffer, Long> tombstones = new HashMap<>();
    /** The last transaction failed on the wire: it may or may not have committed. */
    private Attempt uncertain;
    private long blockedSince;

    private volatile boolean stopping;
    /** Tests hold the applier to see batches that are committed but not applied. */
    private volatile boolean held;
    private volatile boolean failOnce;
    private Thread thread;

    Applier(IgniteClient client, IgniteStore.Caches caches, Versions versions, Pending pending, EntryCache cache,
            long timeoutMs, int maxLag, Link link) {
        this.client = client;
        this.caches = caches;
        this.versions = versions;
        this.pending = pending;
        this.cache = cache;
        this.timeoutMs = timeoutMs;
        this.maxLag = maxLag;
        this.link = link;
    }

    void start(String name) {
        thread = new Thread(this, "storage-ignite applier " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Applies what is committed, waiting at most {@code waitMs}, and stops. What it could not apply stays in the log
     * and is applied when the namespace is next opened.
     */
    void stop(long waitMs) {
        stopping = true;
        versions.committed(versions.committed()); // wakes the thread
        try {
            thread.join(Math.max(1, waitMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Makes the next attempt fail as if the connection broke after its entries were written, for tests. */
    void failOnceAfterEntries() {
        failOnce = true;
    }

    /** Holds (true) or lets go (false) of the batches not yet applied, for tests. */
    void hold(boolean hold) {
        held = hold;
        versions.committed(versions.committed());
    }

    /** Number of history records and tombstones waiting for views to close, for tests of pruning. */
    synchronized int pendingCleanup() {
        int n = tombstones.size();
        for (Written w : written) {
            n += w.historyKeys.size();
        }
        return n;
    }

    @Override
    public void run() {
        while (true) {
            long applied = versions.applied();
            long committed = versions.committed();
            if (applied >= committed || held) {
                if (stopping) {
                    return;
                }
                versions.awaitChange(1000);
                continue;
            }
            try {
                if (uncertain != null) {
                    settle();
                    continue;
                }
                long bareTo = Math.min(committed, versions.oldestPin());
                if (bareTo > applied) {
                    applyTogether(pending.range(applied + 1, bareTo));
                } else if (waitForViews(committed - applied)) {
                    continue;
                } else {
                    applyWithHistory(pending.range(applied + 1, applied + 1).get(0));
                }
                blockedSince = 0;
                link.reached();
            } catch (ClientException e) {
                link.lost("applying batch " + (applied + 1) + " from the log", e);
                if (stopping) {
                    return;
                }
                versions.awaitChange(RETRY_MS);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "storage-ignite: applying batch " + (applied + 1)
                        + " failed; retrying in " + RETRY_MS + " ms", e);
                if (stopping) {
                    return;
                }
                versions.awaitChange(RETRY_MS);
            }
        }
    }

    /** True when the next batch should wait a little longer for the views older than it to close. */
    private boolean waitForViews(long lag) {
        long now = System.nanoTime();
        if (blockedSince == 0) {
            blockedSince = now;
        }
        if (stopping || lag >= maxLag / 2 || now - blockedSince >= VIEW_WAIT_NANOS) {
            return false;
        }
        versions.awaitChange(10);
        return true;
    }

    /** Batches no open view is older than, each key once, newest value, in one transaction. */
    private void applyTogether(List<Pending.Batch> batches) {
        Map<ByteBuffer, byte[]> entries = new LinkedHashMap<>();
        List<Pending.Batch> group = new ArrayList<>();
        for (Pending.Batch b : batches) {
            for (Map.Entry<ByteBuffer, byte[]> op : b.ops().entrySet()) {
                byte[] v = op.getValue();
                entries.put(op.getKey(), Entries.entry(b.number(), v == Pending.DELETED ? null : v));
            }
            group.add(b);
            if (entries.size() >= GROUP_KEYS) {
                break;
            }
        }
        commit(new Attempt(group, entries, Map.of()));
    }

    /** One batch that a view older than it may read past: what it replaces goes to {@code history} for that view. */
    private void applyWithHistory(Pending.Batch b) {
        long n = b.number();
        Map<ByteBuffer, byte[]> previous = previous(b.ops().keySet());
        Map<ByteBuffer, byte[]> entries = new LinkedHashMap<>();
        Map<byte[], byte[]> replaced = new HashMap<>();
        for (Map.Entry<ByteBuffer, byte[]> op : b.ops().entrySet()) {
            byte[] value = op.getValue() == Pending.DELETED ? null : op.getValue();
            byte[] p = previous.get(op.getKey());
            if (value == null && (p == null || Entries.valueOf(p) == null)) {
                continue; // deleting what no view can see changes nothing
            }
            replaced.put(Entries.historyKey(op.getKey().array(), n), p == null ? Entries.entry(0, null) : p);
            entries.put(op.getKey(), Entries.entry(n, value));
        }
        commit(new Attempt(List.of(b), entries, replaced));
    }

    private void commit(Attempt a) {
        long t0 = System.nanoTime();
        Set<String> logKeys = new HashSet<>();
        for (Pending.Batch b : a.batches) {
            for (int i = 0; i < b.logParts(); i++) {
                logKeys.add(Entries.logKey(b.number(), i));
            }
        }
        Map<byte[], byte[]> puts = new HashMap<>();
        a.entries.forEach((k, e) -> puts.put(k.array(), e));
        uncertain = a;
        // kv and history are atomic caches: their writes need no transaction, because until version moves past the
        // batches they hold nothing a reader takes from them (the node serves those keys from the pending batches,
        // and an entry newer than a view sends the view to history, written first), and writing them again after a
        // failure writes the same bytes. Moving version and deleting the log records is the one transaction.
        if (!a.replaced.isEmpty()) {
            caches.history().putAll(a.replaced);
        }
        caches.kv().putAll(puts);
        if (failOnce) {
            failOnce = false;
            throw new ClientException("connection lost (a test's fault, after the entries were written)");
        }
        try (ClientTransaction tx = client.transactions().txStart(TransactionConcurrency.OPTIMISTIC,
                TransactionIsolation.SERIALIZABLE, timeoutMs)) {
            caches.meta().removeAll(logKeys);
            caches.meta().put(IgniteStore.VERSION, a.last());
            tx.commit();
        }
        uncertain = null;
        done(a);
        if (puts.size() >= 200 && a.last() % 5 == 0) {
            LOG.log(System.Logger.Level.DEBUG, "applied batches " + a.batches.get(0).number() + "-" + a.last() + ": "
                    + puts.size() + " keys, " + a.replaced.size() + " history, " + (System.nanoTime() - t0) / 1000_000
                    + " ms, " + pending.size() + " pending");
        }
    }

    /**
     * After an attempt that failed on the wire: the cluster's {@code version} says whether it committed; if not, the
     * same attempt is made again (its history records what kv held before the first try, which that try may have
     * overwritten).
     */
    private void settle() {
        Long v = (Long) caches.meta().get(IgniteStore.VERSION);
        Attempt a = uncertain;
        if (v != null && v >= a.last()) {
            uncertain = null;
            done(a);
        } else {
            commit(a);
        }
    }

    private void done(Attempt a) {
        a.entries.forEach((k, e) -> cache.written(k.array(), e));
        synchronized (this) {
            for (Map.Entry<ByteBuffer, byte[]> e : a.entries.entrySet()) {
                if (e.getValue()[8] == 0) {
                    tombstones.put(e.getKey(), Entries.batchOf(e.getValue()));
                } else {
                    tombstones.remove(e.getKey());
                }
            }
            if (!a.replaced.isEmpty()) {
                written.addLast(new Written(a.last(), List.copyOf(a.replaced.keySet())));
            }
        }
        prune(a.last());
        versions.applied(a.last());
        pending.appliedUpTo(a.last());
    }

    /** Deletes the history and tombstones that no open view can need: those of batches at or below every view. */
    private void prune(long applied) {
        long floor = Math.min(versions.oldestPin(), applied);
        Set<byte[]> oldHistory = new HashSet<>();
        Set<byte[]> deadKeys = new HashSet<>();
        synchronized (this) {
            while (!written.isEmpty() && written.peekFirst().number <= floor) {
                oldHistory.addAll(written.pollFirst().historyKeys);
            }
            for (Iterator<Map.Entry<ByteBuffer, Long>> it = tombstones.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<ByteBuffer, Long> t = it.next();
                if (t.getValue() <= floor) {
                    deadKeys.add(t.getKey().array());
                    it.remove();
                }
            }
        }
        try {
            if (!oldHistory.isEmpty()) {
                caches.history().removeAll(oldHistory);
            }
            if (!deadKeys.isEmpty()) {
                caches.kv().removeAll(deadKeys);
            }
        } catch (ClientException e) {
            // a tombstone reads as absent and stale history is never read again: both are deleted at the next start
            LOG.log(System.Logger.Level.WARNING, "storage-ignite: could not delete " + (oldHistory.size()
                    + deadKeys.size()) + " records no view needs any more: " + e.getMessage());
        }
    }

    /** The entries {@code kv} holds for the keys (held in the node, or read from the cluster). */
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
            for (Map.Entry<byte[], byte[]> e : caches.kv().getAll(raw).entrySet()) {
                out.put(ByteBuffer.wrap(e.getKey()), e.getValue());
            }
        }
        return out;
    }

    /** One transaction's batches, the {@code kv} entries it writes and the history records it adds. */
    private record Attempt(List<Pending.Batch> batches, Map<ByteBuffer, byte[]> entries, Map<byte[], byte[]> replaced) {
        long last() {
            return batches.get(batches.size() - 1).number();
        }
    }

    /** The history records batch {@code number} wrote. */
    private record Written(long number, List<byte[]> historyKeys) {}
}
