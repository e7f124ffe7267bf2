package io.cairn.txpool.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class StateCacheTest {
    private static final byte[] A = {1, 'a'};
    private static final byte[] B = {1, 'b'};
    private static final byte[] C = {1, 'c'};

    private final Fakes.Chain chain = new Fakes.Chain(0).withGenesis();
    private final StateCache cache = new StateCache();

    private void set(byte[] key, String value) {
        chain.state.put(ByteBuffer.wrap(key), value.getBytes());
    }

    private byte[] read(byte[] key) {
        try (StateCache.View v = cache.view(chain)) {
            assertEquals(chain.height, v.height());
            return v.get(key);
        }
    }

    @Test
    void aCommittedBlocksWritesCarryTheCacheToTheNewHeadWithoutReadingStateAgain() {
        set(A, "a0");
        set(B, "b0");
        set(C, "c0");
        assertArrayEquals("a0".getBytes(), read(A));
        assertArrayEquals("b0".getBytes(), read(B));
        assertArrayEquals("c0".getBytes(), read(C));
        int opened = chain.snapshotsOpened.get();

        StateCache.View atParent = cache.view(chain); // judging at block 0 while block 1 commits
        set(B, "b1");
        chain.state.remove(ByteBuffer.wrap(C));
        chain.height = 1;
        cache.committed(chain, 1, new WriteBatch().put(B, "b1".getBytes()).delete(C));

        assertArrayEquals("a0".getBytes(), read(A), "what the block did not write is the parent's");
        assertArrayEquals("b1".getBytes(), read(B), "what it wrote is its");
        assertNull(read(C), "what it deleted is absent");
        assertEquals(opened, chain.snapshotsOpened.get(), "no state read again at the new head");
        assertArrayEquals("b0".getBytes(), atParent.get(B), "a view of the parent keeps the parent's values");
        atParent.close();
    }

    @Test
    void aHeadThatMovedWithoutItsWritesStartsEmpty() {
        set(A, "a0");
        read(A);
        int opened = chain.snapshotsOpened.get();
        set(A, "a2");
        chain.height = 2; // blocks 1 and 2 committed; the cache was told of neither
        assertArrayEquals("a2".getBytes(), read(A));
        assertEquals(opened + 1, chain.snapshotsOpened.get());

        set(A, "a3");
        chain.height = 3;
        cache.committed(chain, 3, null); // a block whose writes are unknown
        assertArrayEquals("a3".getBytes(), read(A));
        assertEquals(opened + 2, chain.snapshotsOpened.get());

        set(A, "a5");
        chain.height = 5;
        cache.committed(chain, 5, new WriteBatch()); // not the child of the cached head: only its own writes
        assertArrayEquals("a5".getBytes(), read(A));
        assertEquals(opened + 3, chain.snapshotsOpened.get());
    }

    @Test
    void aViewThatBeganAtTheNewHeadFirstIsKept() {
        set(A, "a0");
        read(A);
        set(A, "a1");
        chain.height = 1;
        assertArrayEquals("a1".getBytes(), read(A)); // a submit reached the new head before the pool was told
        int size = cache.size();
        cache.committed(chain, 1, new WriteBatch().put(A, "a1".getBytes()).put(B, "b1".getBytes()));
        assertEquals(size, cache.size(), "the generation read at the new head stays");
        assertArrayEquals("a1".getBytes(), read(A));
    }

    @Test
    void aCacheLargerThanTheCarryLimitIsNotCopiedOnlyTheBlocksWritesAreKept() {
        try (StateCache.View v = cache.view(chain)) {
            for (int i = 0; i <= StateCache.CARRY_LIMIT; i++) {
                byte[] k = {2, (byte) (i >> 16), (byte) (i >> 8), (byte) i};
                v.get(k); // absent: cached as absent
            }
        }
        assertEquals(StateCache.CARRY_LIMIT + 1, cache.size());
        chain.height = 1;
        cache.committed(chain, 1, new WriteBatch().put(A, "a1".getBytes()));
        assertEquals(1, cache.size(), "only the block's writes");
        int opened = chain.snapshotsOpened.get();
        assertArrayEquals("a1".getBytes(), read(A));
        assertEquals(opened, chain.snapshotsOpened.get());
    }
}
