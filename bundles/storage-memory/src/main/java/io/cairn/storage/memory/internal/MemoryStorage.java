package io.cairn.storage.memory.internal;

import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Storage held in memory, multi-versioned so that readers never block and never see half a batch.
 *
 * <p>Each key maps to a {@link Chain} holding its newest {@link Version}, which links to older ones (a
 * holder, so that updating an existing key costs one skip-list lookup, not two). A batch is applied by one
 * writer at a time under version {@code committed + 1}, and {@code committed} is bumped only after the
 * whole batch is in place; a reader looks only at versions {@code <= } the version it pinned. Versions
 * that no open view can see any more are pruned by the writer after each batch.
 */
@Component(immediate = true, service = Storage.class, configurationPid = MemoryStorage.PID,
        property = {"cairn.component=storage", "cairn.engine=memory", "cairn.upgrade=stop-first",
                "cairn.upgrade.migrate:Boolean=true"})
public final class MemoryStorage implements Storage {
    static final String PID = "io.cairn.storage.memory";
    static final String ENGINE = "memory";

    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    private final ConcurrentSkipListMap<byte[], Chain> keys = new ConcurrentSkipListMap<>(UNSIGNED);
    private final Object writeLock = new Object();
    /** Chains that got a new version, in version order, to prune once no view needs their older versions. */
    // guarded by writeLock
    private final ArrayDeque<Superseded> superseded = new ArrayDeque<>();
    /** Pinned version -> number of open views on it. */
    private final ConcurrentHashMap<Long, Integer> pins = new ConcurrentHashMap<>();
    /** The last batch applied in full. */
    private volatile long committed;
    /** The version up to which the writer may be pruning; a view pinned below it must re-pin. */
    private volatile long horizon;
    private volatile boolean closed;

    @Override
    public String engine() {
        return ENGINE;
    }

    @Override
    public Health health() {
        if (closed) {
            return Health.notReady("memory storage is closed");
        }
        int views = 0;
        for (int n : pins.values()) {
            views += n;
        }
        return Health.ready("in memory (not durable), version " + committed + ", " + views + " open views");
    }

    @Override
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        checkOpen();
        while (true) {
            long at = committed;
            Chain chain = keys.get(key);
            Version seen = chain == null ? null : visibleAt(chain.newest, at);
            if (seen != null) {
                return seen.value == null ? null : seen.value.clone();
            }
            // Nothing at or below `at`: either the key did not exist then, or a later batch was committed
            // and pruning cut the version we wanted. Only in the second case has `committed` moved on.
            if (chain == null || committed == at) {
                return null;
            }
        }
    }

    @Override
    public void write(WriteBatch batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.size() == 0) {
            return;
        }
        synchronized (writeLock) {
            checkOpen();
            long number = committed + 1;
            for (WriteBatch.Op op : batch.ops()) {
                byte[] key = Objects.requireNonNull(op.key(), "key of a batch operation");
                byte[] value = op.isDelete() ? null : op.value().clone();
                Chain chain = keys.get(key);
                if (chain == null) {
                    if (value != null) {
                        // Published with its only version already in place; readers skip it until committed.
                        key = key.clone();
                        keys.put(key, new Chain(new Version(number, value, null)));
                    }
                    // Deleting an absent key changes nothing any reader could see.
                    continue;
                }
                chain.newest = new Version(number, value, chain.newest);
                // Only a delete can leave a chain to drop from the map, so only a delete needs the key.
                superseded.addLast(new Superseded(value == null ? key.clone() : null, chain, number));
            }
            committed = number;
            prune(number);
        }
    }

    @Override
    public ReadView view() {
        checkOpen();
        long at;
        while (true) {
            at = committed;
            pin(at);
            // Pairs with prune(): it publishes horizon before reading pins, we publish our pin before
            // reading horizon, so either it sees our pin or we see that it may prune past `at`.
            if (horizon <= at) {
                break;
            }
            unpin(at);
        }
        return new MemoryReadView(at);
    }

    /**
     * Refuses further use. The data is left to the garbage collector rather than cleared, so that a
     * reader racing with the deactivation fails on its next call instead of seeing a truncated scan.
     */
    @Deactivate
    void deactivate() {
        synchronized (writeLock) {
            closed = true;
        }
    }

    /** Number of stored versions, for tests of pruning. */
    long versionCount() {
        long n = 0;
        for (Chain c : keys.values()) {
            for (Version v = c.newest; v != null; v = v.older) {
                n++;
            }
        }
        return n;
    }

    /** Number of keys holding any version (deleted keys linger until no view can see them). */
    int keyCount() {
        return keys.size();
    }

    private void prune(long number) {
        horizon = number;
        long floor = number;
        for (Long pinned : pins.keySet()) {
            floor = Math.min(floor, pinned);
        }
        while (!superseded.isEmpty() && superseded.peekFirst().number <= floor) {
            Superseded s = superseded.pollFirst();
            Version newest = s.chain.newest;
            Version keep = visibleAt(newest, floor);
            if (keep == null) {
                continue;
            }
            keep.older = null;
            if (keep == newest && keep.value == null && s.key != null) {
                keys.remove(s.key, s.chain);
            }
        }
    }

    private void pin(long version) {
        pins.merge(version, 1, Integer::sum);
    }

    private void unpin(long version) {
        pins.computeIfPresent(version, (v, n) -> n == 1 ? null : n - 1);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("memory storage is closed (engine deactivated)");
        }
    }

    private static Version visibleAt(Version newest, long at) {
        Version v = newest;
        while (v != null && v.number > at) {
            v = v.older;
        }
        return v;
    }

    static void checkRange(byte[] from, byte[] to) {
        if (from != null && to != null && Arrays.compareUnsigned(from, to) > 0) {
            throw new IllegalArgumentException("scan range is reversed: from " + hex(from) + " > to " + hex(to));
        }
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(2 + 2 * Math.min(b.length, 32)).append("0x");
        for (int i = 0; i < Math.min(b.length, 32); i++) {
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return b.length > 32 ? s.append("...").toString() : s.toString();
    }

    /** One value of a key; {@code value == null} marks a delete. */
    private static final class Version {
        final long number;
        final byte[] value;
        /** Cut by the writer once no reader can reach below this version. */
        volatile Version older;

        Version(long number, byte[] value, Version older) {
            this.number = number;
            this.value = value;
            this.older = older;
        }
    }

    /** A key's versions, newest first; only the writer replaces {@code newest}. */
    private static final class Chain {
        volatile Version newest;

        Chain(Version newest) {
            this.newest = newest;
        }
    }

    /**
     * A chain that got a new version in batch {@code number}, so its older versions become prunable once
     * no view is pinned below it; {@code key} is set for deletes.
     */
    private record Superseded(byte[] key, Chain chain, long number) {}

    private final class MemoryReadView implements ReadView {
        private final long at;
        private final AtomicBoolean closedView = new AtomicBoolean();

        MemoryReadView(long at) {
            this.at = at;
        }

        @Override
        public byte[] get(byte[] key) {
            Objects.requireNonNull(key, "key");
            checkUsable();
            Chain chain = keys.get(key);
            Version seen = chain == null ? null : visibleAt(chain.newest, at);
            return seen == null || seen.value == null ? null : seen.value.clone();
        }

        @Override
        public Iterator<Entry> scan(byte[] from, byte[] to) {
            checkRange(from, to);
            checkUsable();
            NavigableMap<byte[], Chain> range;
            if (from == null) {
                range = to == null ? keys : keys.headMap(to, false);
            } else {
                range = to == null ? keys.tailMap(from, true) : keys.subMap(from, true, to, false);
            }
            Iterator<Map.Entry<byte[], Chain>> it = range.entrySet().iterator();
            return new Iterator<>() {
                private Entry next;

                @Override
                public boolean hasNext() {
                    checkUsable();
                    while (next == null && it.hasNext()) {
                        Map.Entry<byte[], Chain> e = it.next();
                        Version seen = visibleAt(e.getValue().newest, at);
                        if (seen != null && seen.value != null) {
                            next = new Entry(e.getKey().clone(), seen.value.clone());
                        }
                    }
                    return next != null;
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
                unpin(at);
            }
        }

        private void checkUsable() {
            if (closedView.get()) {
                throw new IllegalStateException("read view at version " + at + " is closed");
            }
            checkOpen();
        }
    }
}
