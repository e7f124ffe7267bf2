package io.cairn.txpool.internal;

import io.cairn.api.node.BlockStore;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateView;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State values read for admission, shared by every submit until the next block. Opening a state
 * snapshot per transaction would cost more than the admission check itself; a sender that sends
 * several transactions per block is read once. The cache is keyed by block store and head height,
 * so a new block (or a new block store) starts an empty one.
 */
final class StateCache {
    private static final byte[] ABSENT = new byte[0];

    private volatile Generation current;

    /** A view at the block store's head now; close it to release the snapshot it may have opened. */
    View view(BlockStore store) {
        long height = store.height();
        Generation g = current;
        if (g == null || g.store != store || g.height < height) {
            g = new Generation(store, height);
            current = g;
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
