package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.Await;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --at H}: the head is taken as it is; a block below the head is refused; a block to come is waited for and
 * its view taken as it commits, holding its state and nothing of the block after it, which commits right after; a
 * block that does not come in time is refused naming the head.
 */
class HeightWatchTest {
    static final byte[] STATE = Keys.of(Keys.STATE, "block");

    /** A store whose views are copies: what a committed batch wrote, and nothing written after. */
    static final class CopyStorage implements Storage {
        private final TreeMap<byte[], byte[]> data = new TreeMap<>(Arrays::compareUnsigned);

        @Override
        public synchronized byte[] get(byte[] key) {
            return data.get(key);
        }

        @Override
        public synchronized void write(WriteBatch batch) {
            for (WriteBatch.Op op : batch.ops()) {
                if (op.value() == null) {
                    data.remove(op.key());
                } else {
                    data.put(op.key(), op.value());
                }
            }
        }

        @Override
        public synchronized ReadView view() {
            return MapView.over(new TreeMap<>(data));
        }

        @Override
        public String engine() {
            return "copy";
        }

        @Override
        public Health health() {
            return Health.ready("copy");
        }
    }

    final CopyStorage storage = new CopyStorage();
    final HeightWatch watch = new HeightWatch(() -> storage);

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    /** Commits block {@code n} as the block store does: its batch, then its listeners, before the next block. */
    void commit(long n) {
        storage.write(new WriteBatch().put(Keys.CHAIN_HEAD, u64(n)).put(STATE, u64(n)));
        BlockHeader h = new BlockHeader(1, 7, n, Hash.ZERO, 0, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0, new byte[0],
                new byte[0]);
        watch.blockCommitted(new Block(h, List.of(), List.of()), Hash.ZERO, List.of());
    }

    @Test
    void theHeadIsTakenAsItIsAndABlockBelowItIsRefused() throws Exception {
        for (long n = 0; n <= 4; n++) {
            commit(n);
        }
        try (ReadView v = watch.at(4, Duration.ofSeconds(1))) {
            assertArrayEquals(u64(4), v.get(STATE));
        }
        IllegalArgumentException below = assertThrows(IllegalArgumentException.class,
                () -> watch.at(2, Duration.ofSeconds(1)));
        assertEquals("block 2 is below the head (block 4): the node keeps only the current state, so a snapshot is of "
                + "the head or of a block still to come (--at H with H at least 4)", below.getMessage());
        assertEquals(0, watch.waiters());
    }

    @Test
    void aBlockToComeIsTakenAsItCommitsBeforeTheNextOne() throws Exception {
        commit(0);
        CompletableFuture<byte[][]> taken = CompletableFuture.supplyAsync(() -> {
            try (ReadView v = watch.at(7, Duration.ofSeconds(30))) {
                return new byte[][] {v.get(Keys.CHAIN_HEAD), v.get(STATE)};
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until("the export waiting for block 7", Duration.ofSeconds(10), () -> watch.waiters() == 1);
        for (long n = 1; n <= 12; n++) { // no pause: block 8 commits right after block 7's listeners
            commit(n);
        }
        byte[][] got = taken.get(10, TimeUnit.SECONDS);
        assertArrayEquals(u64(7), got[0], "the view's head");
        assertArrayEquals(u64(7), got[1], "block 7's state, not block 8's");
        assertEquals(0, watch.waiters());
    }

    @Test
    void aBlockThatDoesNotComeInTimeIsRefusedNamingTheHead() {
        commit(0);
        commit(1);
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> watch.at(100, Duration.ofMillis(50)));
        assertEquals("block 100 was not committed within 50 ms (the head is block 1): no snapshot written; ask again "
                + "with a longer --timeout", late.getMessage());
        assertEquals(0, watch.waiters());
    }

    @Test
    void createsOptionsAreParsedAndBadOnesNamed() {
        SnapshotCommands.CreateOptions o = SnapshotCommands.CreateOptions.parse(List.of("--at", "12", "--timeout",
                "2m", "--state-only", "out"));
        assertEquals(12L, o.at());
        assertEquals(Duration.ofMinutes(2), o.timeout());
        assertEquals("out", o.dir());
        assertEquals(true, o.stateOnly());
        assertEquals(Duration.ofSeconds(120), SnapshotCommands.CreateOptions.parse(List.of("--at", "3")).timeout());
        assertEquals("cairn:snapshot create: --at 'x1' is not a block number (0 or more)", refusal("--at", "x1"));
        assertEquals("cairn:snapshot create: --at '-3' is not a block number (0 or more)", refusal("--at", "-3"));
        assertEquals("cairn:snapshot create: --timeout '10 days' is not a duration of more than 0 (e.g. 500ms, 30s, "
                + "2m)", refusal("--at", "5", "--timeout", "10 days"));
        assertEquals("cairn:snapshot create: --timeout is how long --at waits for its block; give --at H with it",
                refusal("--timeout", "5s"));
        assertEquals("cairn:snapshot create: --at needs a value", refusal("--at"));
        assertEquals("cairn:snapshot create: unknown option '--all'", refusal("--all"));
        assertEquals("cairn:snapshot create takes at most a directory, got 'a' and 'b'", refusal("a", "b"));
    }

    static String refusal(String... args) {
        String m = assertThrows(IllegalArgumentException.class,
                () -> SnapshotCommands.CreateOptions.parse(List.of(args))).getMessage();
        return m.indexOf('\n') < 0 ? m : m.substring(0, m.indexOf('\n'));
    }
}
