package io.cairn.api.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.node.PoolStatus;
import io.cairn.api.node.TxPool;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BlockTriggerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Pending transactions; {@code runnable} of them can run (the rest wait for a nonce gap). */
    static final class Pool implements TxPool {
        final List<VerifiedTransaction> txs = new ArrayList<>();
        int runnable = Integer.MAX_VALUE;
        int serial;

        void add(int n) {
            for (int i = 0; i < n; i++) {
                int id = serial++;
                Transaction tx = new Transaction(1, id, Address.ZERO, BigInteger.ONE, new byte[0], new byte[64], new byte[64]);
                txs.add(new VerifiedTransaction(Envelope.decode(tx.encode()),
                        Hash.of(java.nio.ByteBuffer.allocate(32).putInt(id).array()), List.of(Address.ZERO)));
            }
        }

        @Override public List<VerifiedTransaction> pending(int max) { return List.copyOf(txs.subList(0, Math.min(Math.min(max, runnable), txs.size()))); }
        @Override public int size() { return txs.size(); }
        @Override public VerifiedTransaction submit(byte[] encoded) { throw new UnsupportedOperationException(); }
        @Override public Optional<VerifiedTransaction> get(Hash h) { return Optional.empty(); }
        @Override public int capacity() { return 1000; }
        @Override public PoolStatus status() { return new PoolStatus(size(), 1000, 1000, 0); }
        @Override public Optional<VerifiedTransaction> producer(LedgerKey key) { return Optional.empty(); }
        @Override public Optional<VerifiedTransaction> consumer(LedgerKey key) { return Optional.empty(); }
        @Override public Health health() { return Health.ready("test"); }
    }

    private final Pool pool = new Pool();

    @Test
    void aFullBlockIsDueAtOnceAndAPartialOneOnceTheOldestWaitedTheInterval() {
        BlockTrigger t = new BlockTrigger(3, 100, false, 0);
        pool.add(2);
        assertNull(t.due(pool, 0));
        assertEquals(5 * MS, t.waitNanos(), "looks again within the poll time");
        assertNull(t.due(pool, 99 * MS));
        assertEquals(1 * MS, t.waitNanos(), "... or when the interval is up, if sooner");
        assertEquals(2, t.due(pool, 100 * MS).size());
        pool.add(1);
        assertEquals(3, t.due(pool, 100 * MS).size(), "full: at once");
    }

    @Test
    void theBlockJustMadeIsLeftOutUntilThePoolHearsOfIt() {
        BlockTrigger t = new BlockTrigger(2, 100, false, 0);
        pool.add(4);
        List<VerifiedTransaction> first = t.due(pool, 0);
        t.made(first, 0, false);
        assertNull(t.due(pool, 0), "the pool still lists the first two as next: no block repeats them");
        assertEquals(pool.txs.subList(2, 4), t.candidates(pool, 4));
        assertFalse(t.hasRunnable(pool), "what the pool lists first is the block just made: no work owed yet");
        pool.txs.removeAll(first);
        assertTrue(t.hasRunnable(pool));
        assertEquals(pool.txs, t.due(pool, 0), "the pool heard of the block");
        assertFalse(t.hasRunnable(new Pool()));
    }

    @Test
    void gappedTransactionsWaitAndEmptyBlocksComeEveryIntervalWhenAsked() {
        BlockTrigger t = new BlockTrigger(10, 100, false, 0);
        pool.add(3);
        pool.runnable = 0;
        assertNull(t.due(pool, 0));
        assertNull(t.due(pool, 200 * MS), "aged, but nothing can run");
        assertEquals(20 * MS, t.waitNanos());
        BlockTrigger empty = new BlockTrigger(10, 100, true, 0);
        assertNull(empty.due(new Pool(), 99 * MS));
        assertEquals(List.of(), empty.due(new Pool(), 100 * MS));
        empty.made(List.of(), 100 * MS, true);
        assertNull(empty.due(new Pool(), 150 * MS));
    }

    @Test
    void restartingTheWaitOrNot() {
        BlockTrigger keep = new BlockTrigger(100, 100, false, 0);
        pool.add(5);
        assertNull(keep.due(pool, 0));
        List<VerifiedTransaction> b = keep.due(pool, 100 * MS);
        keep.made(b, 100 * MS, false);
        pool.txs.removeAll(b);
        pool.add(5);
        assertEquals(5, keep.due(pool, 101 * MS).size(), "still counting from when the pool was last empty");
        BlockTrigger restart = new BlockTrigger(100, 100, false, 0);
        Pool p2 = new Pool();
        p2.add(5);
        restart.due(p2, 0);
        List<VerifiedTransaction> b2 = restart.due(p2, 100 * MS);
        restart.made(b2, 100 * MS, true);
        p2.txs.removeAll(b2);
        p2.add(5);
        assertNull(restart.due(p2, 101 * MS), "the wait starts again");
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BlockTrigger(0, 1, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new BlockTrigger(1, 0, false, 0));
    }
}
