package io.cairn.txpool.internal;

import io.cairn.api.node.BlockStore;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State values read for admission, shared by every submit at one head. Opening a state snapshot per
 * transaction would cost more than the admission check itself; a sender that sends several transactions
 * is read once. The cache is keyed by block store and head height: a committed block whose state writes
 * the pool is told of carries the cache over to the new head (the values it did not write are those of
 * the parent); any other move of the head (a block not told of, a new block store) starts an empty one.
 */
final class StateCache {
    private static final byte[] ABSENT = new byte[0];
    /**
     * Above this many values a block's writes start the next generation alone (they are the hottest): the copy runs
     * on the committing thread, under the block store's commit lock, ~0.3 ms at this size.
     */
    static final int CARRY_LIMIT = 4_096;

    private volatile Generation current;

    /**
     * Block {@code height} of {@code store} committed with these state writes (null: unknown). Called in block order,
     * after the block is the store's head. The generation at the parent is copied with the writes applied; a view
     * of the parent still open keeps reading the parent's.
     */
    synchronized void committed(BlockStore store, long height, WriteBatch writes) {
        if (writes == null) {
            return; // the next view starts an empty generation at the new head
        }
        Generation g = current;
        ConcurrentHashMap<ByteBuffer, byte[]> next;
        if (g != null && g.store == store && g.height == height) {
            return; // a view at this head came first and began reading it
        } else if (g != null && g.store == store && g.height == height - 1 && g.values.size() <= CARRY_LIMIT) {
            next = new ConcurrentHashMap<>(g.values);
        } else {
            next = new ConcurrentHashMap<>();
        }
        for (WriteBatch.Op op : writes.ops()) {
            next.put(ByteBuffer.wrap(op.key()), op.isDelete() ? ABSENT : op.value());
        }
        current = new Generation(store, height, next);
    }

    /** How many values the cache holds at its head (tests). */
    int size() {
        Generation g = current;
        return g == null ? 0 : g.values.size();
    }

    /** A view at the block store's head now; close it to release the snapshot it may have opened. */
    View view(BlockStore store) {
        long height = store.height();
        Generation g = current;
        if (g == null || g.store != store || g.height < height) {
            synchronized (this) { // never behind a generation a commit carried over meanwhile
                g = current;
                if (g == null || g.store != store || g.height < height) {
                    g = new Generation(store, height);
                    current = g;
                }
            }
        }
        return new View(g);
    }

    private record Generation(BlockStore store, long height, ConcurrentHashMap<ByteBuffer, byte[]> values) {
        Generation(BlockStore store, long height) {
            this(store, height, new ConcurrentHashMap<>());
        }
    }

    /** Reads through the cache; a miss opens one snapshot for the rest of this view's life. */
    static final class View implements StateView, AutoCloseable {
        private final Generation generation;
        private StateSnapshot snapshot;

        private View(Generation generation) {
            this.generation = generation;
        }

        /** The head height this view's cached values belong to (a miss may read a later state). */
        long height() {
            return generation.height;
        }

        @Override
        public byte[] get(byte[] key) {
            ByteBuffer k = ByteBuffer.wrap(key);
            byte[] v = generation.values.get(k);
            if (v != null) {
                return v == ABSENT ? null : v;
            }
            if (snapshot == null) {
                snapshot = generation.store.state();
            }
            v = snapshot.get(key);
            // A snapshot taken after a newer block must not leak its values into this height's cache.
            if (snapshot.header().number() == generation.height) {
                generation.values.put(ByteBuffer.wrap(key.clone()), v == null ? ABSENT : v);
            }
            return v;
        }

        @Override
        public void close() {
            if (snapshot != null) {
                snapshot.close();
                snapshot = null;
            }
        }
    }
}
