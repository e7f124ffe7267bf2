package io.cairn.consensus.solo.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.storage.WriteBatch;
import java.lang.annotation.Annotation;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SoloConsensusTest {
    static final long CHAIN = 3;

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return d.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class Suite implements CryptoSuite {
        @Override public String name() { return "fake"; }
        @Override public byte[] hash(byte[] data) { return sha256(data); }
        @Override public byte[] sign(byte[] hash32, byte[] key) { return Arrays.copyOf(sha256(hash32, key), 64); }
        @Override public boolean verify(byte[] h, byte[] s, byte[] k) { return Arrays.equals(s, sign(h, k)); }
        @Override public KeyPair generateKeyPair() { throw new UnsupportedOperationException(); }
        @Override public byte[] publicKey(byte[] privateKey) { throw new UnsupportedOperationException(); }
    }

    static final class Identity implements NodeIdentity {
        final Suite suite = new Suite();
        final byte[] publicKey;

        Identity(int seed) {
            publicKey = Arrays.copyOf(sha256(new byte[] {(byte) seed}), 64);
        }

        @Override public byte[] publicKey() { return publicKey.clone(); }
        @Override public Address address() { return suite.address(publicKey); }
        @Override public byte[] sign(byte[] hash32) { return suite.sign(hash32, publicKey); }
        @Override public CryptoSuite suite() { return suite; }
    }

    /** Transactions in arrival order; commits remove them, as the real pool's block listener does. */
    static final class Pool implements TxPool {
        final List<VerifiedTransaction> txs = new ArrayList<>();

        synchronized void add(int n) {
            for (int i = 0; i < n; i++) {
                int id = serial.incrementAndGet();
                byte[] key = new byte[64];
                Transaction tx = new Transaction(CHAIN, id, Address.ZERO, BigInteger.ONE, new byte[0], key, new byte[64]);
                txs.add(new VerifiedTransaction(tx, Hash.of(sha256(new byte[] {(byte) (id >>> 8), (byte) id})),
                        Address.ZERO, tx.encode()));
            }
        }

        synchronized void removeAll(List<VerifiedTransaction> done) {
            txs.removeAll(done);
        }

        @Override public synchronized List<VerifiedTransaction> pending(int max) { return List.copyOf(txs.subList(0, Math.min(max, txs.size()))); }
        @Override public synchronized int size() { return txs.size(); }
        @Override public VerifiedTransaction submit(byte[] encoded) { throw new UnsupportedOperationException(); }
        @Override public Optional<VerifiedTransaction> get(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public int capacity() { return Integer.MAX_VALUE; }
        @Override public long nextNonce(Address sender) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    static final AtomicInteger serial = new AtomicInteger();

    /** Builds the next header; can be told to fail. */
    static final class Exec implements Executor {
        final AtomicInteger failNext = new AtomicInteger();

        @Override
        public ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("executor failed on purpose");
            }
            BlockHeader h = new BlockHeader(1, CHAIN, parent.number() + 1, Hash.ZERO, timestamp, Hash.ZERO, Hash.ZERO,
                    Hash.ZERO, txs.size(), sealer, new byte[0]);
            return new ExecutedBlock(h, txs, List.of(), new WriteBatch());
        }

        @Override public ExecutedBlock genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** Records commits and tells the pool. */
    static class Store implements BlockStore {
        final List<ExecutedBlock> commits = new CopyOnWriteArrayList<>();
        /** Runs on the sealer's thread after each commit (new transactions arriving meanwhile). */
        volatile Runnable afterCommit = () -> { };
        final List<List<byte[]>> seals = new CopyOnWriteArrayList<>();
        final List<String> sealers;
        final Pool pool;
        final AtomicInteger refuseCommits = new AtomicInteger();
        volatile long height = 0;

        Store(Pool pool, List<String> sealers) {
            this.pool = pool;
            this.sealers = sealers;
        }

        @Override public long height() { return height; }

        @Override
        public Optional<BlockHeader> header(long number) {
            if (number == 0) {
                return Optional.of(new BlockHeader(1, CHAIN, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0,
                        new byte[0], new byte[0]));
            }
            return Optional.of(commits.get((int) number - 1).header());
        }

        @Override
        public Optional<Genesis> genesis() {
            return Optional.of(new Genesis(CHAIN, "fake", "account", 1000, sealers, new TreeMap<>()));
        }

        @Override
        public Block commit(ExecutedBlock block, List<byte[]> seal) {
            if (refuseCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("storage write failed on purpose");
            }
            if (block.header().number() != height + 1) {
                throw new IllegalStateException("block " + block.header().number() + " does not extend " + height);
            }
            seals.add(seal);
            height = block.header().number();
            pool.removeAll(block.transactions());
            commits.add(block); // last: a test that sees the commit also sees the pool without its transactions
            afterCommit.run();
            return block.seal(seal);
        }

        @Override public Optional<Hash> hash(long number) { throw new UnsupportedOperationException(); }
        @Override public Optional<Block> block(long number) { throw new UnsupportedOperationException(); }
        @Override public Optional<Block> block(Hash hash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Long> number(Hash blockHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Located> transaction(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Receipt> receipt(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public long totalTransactionCount() { return 0; }
        @Override public StateSnapshot state() { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    private final Pool pool = new Pool();
    private final Exec exec = new Exec();
    private final Identity identity = new Identity(1);
    private final Store store = new Store(pool, List.of(Bytes.toHex(identity.publicKey)));
    private final List<SoloConsensus> started = new ArrayList<>();

    static SoloConsensus.Config config(int blockTxs, long intervalMs, boolean emptyBlocks) {
        return new SoloConsensus.Config() {
            @Override public Class<? extends Annotation> annotationType() { return SoloConsensus.Config.class; }
            @Override public int blockTxs() { return blockTxs; }
            @Override public long intervalMs() { return intervalMs; }
            @Override public boolean emptyBlocks() { return emptyBlocks; }
        };
    }

    private SoloConsensus solo(int blockTxs, long intervalMs, boolean emptyBlocks, boolean bindExecutor) {
        SoloConsensus s = new SoloConsensus(config(blockTxs, intervalMs, emptyBlocks));
        started.add(s);
        s.bindTxPool(pool);
        s.bindBlockStore(store);
        s.bindIdentity(identity);
        if (bindExecutor) {
            s.bindExecutor(exec);
        }
        return s;
    }

    @AfterEach
    void stop() {
        started.forEach(SoloConsensus::deactivate);
    }

    static long sealed(SoloConsensus s) {
        return (Long) s.status().get("blocksSealed");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void sealsAsSoonAsBlockTxsWait() throws Exception {
        SoloConsensus s = solo(3, 60_000, false, true);
        pool.add(2);
        long rounds = s.rounds();
        await(() -> s.rounds() > rounds + 5, "sealer rounds");
        assertEquals(0, store.commits.size(), "two of three do not make a block before the interval");
        pool.add(2);
        await(() -> store.commits.size() == 1 && sealed(s) == 1, "a block");
        ExecutedBlock b = store.commits.get(0);
        assertEquals(3, b.transactions().size());
        assertEquals(1, b.header().number());
        assertArrayEquals(identity.publicKey, b.header().sealer());
        byte[] hash = identity.suite.hash(b.header().encode());
        byte[] seal = store.seals.get(0).get(0);
        assertEquals(1, store.seals.get(0).size());
        assertArrayEquals(identity.publicKey, Arrays.copyOfRange(seal, 0, 64));
        assertArrayEquals(identity.sign(hash), Arrays.copyOfRange(seal, 64, 128));
        assertEquals(1, pool.size());
        var status = s.status();
        assertEquals("solo", status.get("engine"));
        assertEquals(1L, status.get("height"));
        assertEquals(Hash.of(hash).toHex(), status.get("lastBlockHash"));
        assertEquals(3, status.get("lastBlockTxs"));
        assertEquals(1L, status.get("blocksSealed"));
        assertEquals(identity.address().toHex(), status.get("sealer"));
        assertTrue(status.containsKey("lastSealMs"));
        assertEquals("solo", s.engine());
        assertTrue(s.health().ready(), s.health().detail());
    }

    @Test
    void sealsFewerOnceTheOldestHasWaitedTheInterval() throws Exception {
        SoloConsensus s = solo(100, 200, false, true);
        long t0 = System.nanoTime();
        pool.add(2);
        await(() -> store.commits.size() == 1, "a block");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 200, "sealed after " + waited + " ms");
        assertEquals(2, store.commits.get(0).transactions().size());
        assertEquals(0, pool.size());
        await(() -> sealed(s) == 1, "the sealer's count");
    }

    @Test
    void underSteadyLoadBelowBlockTxsBlocksFollowEachOtherWithoutWaitingTheInterval() throws Exception {
        // a pool that never runs dry (as under admission control, it holds fewer than blockTxs)
        pool.add(5);
        // (bounded: transaction hashes of this fake repeat every 65,536 ids, which would confuse later tests)
        store.afterCommit = () -> {
            if (store.commits.size() < 25) {
                pool.add(5);
            }
        };
        SoloConsensus s = solo(100, 300, false, true);
        await(() -> store.commits.size() >= 1, "the first block, once the oldest waited the interval");
        long first = System.nanoTime();
        long deadline = first + TimeUnit.SECONDS.toNanos(10);
        while (store.commits.size() < 21 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first);
        assertTrue(store.commits.size() >= 21, "blocks: " + store.commits.size());
        // waiting the interval again after every block would take 20 x 300 ms
        assertTrue(ms < 3000, "20 more blocks took " + ms + " ms");
    }

    @Test
    void noEmptyBlocksByDefault() throws Exception {
        SoloConsensus s = solo(10, 5, false, true);
        long rounds = s.rounds();
        await(() -> s.rounds() > rounds + 30, "sealer rounds"); // each round is at most 5 ms: many intervals
        assertEquals(0, store.commits.size());
    }

    @Test
    void emptyBlocksWhenConfigured() throws Exception {
        solo(10, 5, true, true);
        await(() -> store.commits.size() >= 3, "empty blocks");
        assertEquals(0, store.commits.get(0).transactions().size());
        assertEquals(3, store.commits.get(2).header().number());
    }

    @Test
    void carriesOnAfterAnExecutorFailure() throws Exception {
        exec.failNext.set(2);
        SoloConsensus s = solo(1, 60_000, false, true);
        pool.add(1);
        await(() -> store.commits.size() == 1, "a block after two failures");
        assertEquals(2L, s.status().get("failures"));
        assertTrue(s.sealerThread().isAlive());
        pool.add(1);
        await(() -> store.commits.size() == 2, "the next block");
    }

    @Test
    void carriesOnAfterACommitFailure() throws Exception {
        SoloConsensus s = solo(1, 60_000, false, true);
        pool.add(1);
        await(() -> store.commits.size() == 1, "block 1");
        store.refuseCommits.set(1);
        pool.add(1);
        await(() -> store.commits.size() == 2 && sealed(s) == 2, "a block after a refused commit");
        assertEquals(1L, s.status().get("failures"));
        assertEquals(2L, s.status().get("height"));
    }

    @Test
    void stopsItsThreadOnDeactivate() throws Exception {
        SoloConsensus s = solo(10, 500, false, true);
        Thread t = s.sealerThread();
        assertTrue(t.isAlive());
        assertTrue(t.isDaemon());
        assertEquals(SoloConsensus.THREAD_NAME, t.getName());
        s.deactivate();
        started.remove(s);
        assertFalse(t.isAlive());
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(x -> x.getName().equals(SoloConsensus.THREAD_NAME)), "no sealer thread left");
    }

    @Test
    void waitsForAMissingDependencyAndResumesWhenItIsBound() throws Exception {
        SoloConsensus s = solo(1, 10, false, false);
        pool.add(3);
        long rounds = s.rounds();
        await(() -> s.rounds() > rounds + 3, "sealer rounds");
        assertEquals(0, store.commits.size());
        assertEquals("waiting for executor", s.health().detail());
        assertFalse(s.health().ready());
        s.bindExecutor(exec);
        // the fake store counts a commit before it removes the block's transactions from the pool
        await(() -> store.commits.size() == 3 && pool.size() == 0, "blocks once the executor is back");
        // it goes away again: the sealer waits, the pool keeps what it has
        s.unbindExecutor(exec);
        pool.add(2);
        long r2 = s.rounds();
        await(() -> s.rounds() > r2 + 3, "sealer rounds");
        assertEquals(3, store.commits.size());
        assertEquals(2, pool.size());
    }

    @Test
    void aReplacedProviderStaysBoundWhenTheOldOneLeaves() throws Exception {
        SoloConsensus s = solo(1, 10, false, true);
        Exec newer = new Exec();
        s.bindExecutor(newer); // greedy: new bound first, then the old one unbound
        s.unbindExecutor(exec);
        pool.add(1);
        await(() -> store.commits.size() == 1, "a block with the new executor");
    }

    @Test
    void doesNotSealWhenThisNodeIsNotASealer() throws Exception {
        Store foreign = new Store(pool, List.of(Bytes.toHex(new Identity(2).publicKey)));
        SoloConsensus s = new SoloConsensus(config(1, 10, false));
        started.add(s);
        s.bindTxPool(pool);
        s.bindExecutor(exec);
        s.bindIdentity(identity);
        s.bindBlockStore(foreign);
        pool.add(1);
        long rounds = s.rounds();
        await(() -> s.rounds() > rounds + 3, "sealer rounds");
        assertEquals(0, foreign.commits.size());
        assertFalse(s.health().ready());
        assertTrue(s.health().detail().contains("is not a sealer"), s.health().detail());
    }

    @Test
    void badConfigurationIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SoloConsensus(config(0, 10, false)));
        assertEquals("io.cairn.consensus.solo: blockTxs must be at least 1, got 0", e.getMessage());
    }

    /** A gate that counts who is inside and refuses entry while closed. */
    static final class Gate implements PipelineGate {
        volatile boolean closed;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger entered = new AtomicInteger();

        @Override
        public boolean tryEnter() {
            if (closed) {
                return false;
            }
            inside.incrementAndGet();
            entered.incrementAndGet();
            return true;
        }

        @Override
        public void exit() {
            inside.decrementAndGet();
        }
    }

    @Test
    void aClosedGateMakesNoBlocksAndKeepsTheTransactions() throws Exception {
        Gate gate = new Gate();
        gate.closed = true;
        SoloConsensus s = solo(1, 10, false, true);
        s.gate = gate;
        pool.add(3);
        long gated = s.gatedRounds();
        await(() -> s.gatedRounds() > gated + 20, "rounds skipped at the closed gate");
        assertEquals(0, store.commits.size(), "no block while the gate is closed");
        assertEquals(3, pool.size(), "the pool keeps what waits");
        assertEquals(0, gate.entered.get());

        gate.closed = false;
        await(() -> store.commits.size() == 3 && pool.size() == 0, "blocks once the gate reopens");
        await(() -> gate.inside.get() == 0, "the sealer outside the gate between rounds");
        assertTrue(gate.entered.get() >= 3);
    }

    @Test
    void everyBlockIsMadeInsideTheGate() throws Exception {
        Gate gate = new Gate();
        SoloConsensus s = solo(1, 10, false, true);
        s.gate = gate;
        List<Integer> insideAtCommit = new CopyOnWriteArrayList<>();
        Store watching = new Store(pool, List.of(Bytes.toHex(identity.publicKey))) {
            @Override
            public Block commit(ExecutedBlock block, List<byte[]> seal) {
                insideAtCommit.add(gate.inside.get());
                return super.commit(block, seal);
            }
        };
        s.bindBlockStore(watching);
        s.unbindBlockStore(store);
        // a round reads the store once, at its start: let any round begun before the swap finish first
        long r = s.rounds();
        await(() -> s.rounds() > r + 1, "a whole round on the watching store");
        pool.add(2);
        await(() -> watching.commits.size() == 2, "two blocks");
        assertEquals(List.of(1, 1), insideAtCommit, "the commit happens between tryEnter and exit");
    }
}
