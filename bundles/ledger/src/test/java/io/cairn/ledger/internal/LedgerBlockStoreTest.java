package io.cairn.ledger.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.HeadMovedException;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LedgerBlockStoreTest {
    private final MemoryStorage storage = new MemoryStorage();
    private final TestChain chain = new TestChain();
    private final byte[] seal = TestChain.filled(128, 5);

    private LedgerBlockStore open(MemoryStorage s) {
        LedgerBlockStore store = new LedgerBlockStore(4);
        store.bindSuite(chain.suite);
        store.bindStorage(s);
        return store;
    }

    private LedgerBlockStore withGenesis() {
        LedgerBlockStore store = open(storage);
        store.commit(chain.genesisBlock(), List.of());
        return store;
    }

    @Test
    void aHeadThatCouldNotBeReadBecauseStorageDidNotAnswerIsReadAgainLater() {
        withGenesis();
        AtomicBoolean answering = new AtomicBoolean(false);
        MemoryStorage flaky = new MemoryStorage() {
            @Override
            public synchronized byte[] get(byte[] key) {
                if (!answering.get()) {
                    throw new NotReadyException("the storage cluster did not answer");
                }
                return storage.get(key);
            }
        };
        LedgerBlockStore store = new LedgerBlockStore(4);
        store.retryNanos = 0;
        store.bindSuite(chain.suite);
        store.bindStorage(flaky);
        assertFalse(store.health().ready());
        assertTrue(store.health().detail().contains("did not answer"), store.health().detail());
        answering.set(true);
        assertTrue(store.health().ready(), "read again once the storage answers: " + store.health().detail());
        assertEquals(0, store.height());
    }

    @Test
    void aHeadThatIsBadDataIsNotReadAgain() {
        AtomicBoolean bad = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        MemoryStorage corrupt = new MemoryStorage() {
            @Override
            public synchronized byte[] get(byte[] key) {
                reads.incrementAndGet();
                return bad.get() && java.util.Arrays.equals(key, io.cairn.ledger.internal.ChainKeys.HEAD) ? new byte[3]
                        : super.get(key);
            }
        };
        LedgerBlockStore store = new LedgerBlockStore(4);
        store.retryNanos = 0;
        store.bindSuite(chain.suite);
        store.bindStorage(corrupt);
        int after = reads.get();
        assertFalse(store.health().ready());
        assertFalse(store.health().ready());
        assertEquals(after, reads.get(), "bad data is reported, not read again and again");
    }

    @Test
    void aSnapshotsBlockBecomesTheHeadOfAStoreHoldingBlock0AndTheChainGoesOnFromIt() {
        // another store makes blocks 1..5; this one, holding block 0 alone, takes block 5 as its head
        LedgerBlockStore source = open(new MemoryStorage());
        source.commit(chain.genesisBlock(), List.of());
        for (int i = 0; i < 5; i++) {
            source.commit(chain.next(source, 2), List.of(seal));
        }
        BlockHeader five = source.header(5).orElseThrow();
        LedgerBlockStore store = withGenesis();
        assertTrue(store.joinedAt().isEmpty());
        store.importHead(five, List.of(seal));
        assertEquals(5, store.height());
        assertEquals(5L, store.joinedAt().getAsLong());
        assertEquals(source.hash(5), store.hash(5));
        assertEquals(5L, store.number(source.hash(5).orElseThrow()).orElseThrow());
        assertTrue(store.block(5).isEmpty(), "its body is not held");
        assertTrue(store.block(3).isEmpty() && store.header(3).isEmpty(), "nor the blocks before it");
        assertTrue(store.block(0).isPresent() && store.spec().isPresent());
        // the next block commits on top of it, and a store reopened on the same storage still knows it joined
        ExecutedBlock six = chain.next(store, 1);
        store.commit(six, List.of(seal));
        assertEquals(6, store.height());
        assertTrue(store.block(6).isPresent());
        assertEquals(5L, open(storage).joinedAt().getAsLong());
        // only into a store of block 0 alone
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> store.importHead(five, List.of()));
        assertEquals("the store holds blocks 1..6 already: a snapshot is imported into a new home", again.getMessage());
        LedgerBlockStore fresh = withGenesis(new MemoryStorage());
        BlockHeader zero = fresh.header(0).orElseThrow();
        assertThrows(IllegalStateException.class, () -> fresh.importHead(zero, List.of()));
    }

    @Test
    void aFullSnapshotsBlocksAreWrittenInOrderAndTheStoreHoldsTheWholeChain() {
        LedgerBlockStore source = open(new MemoryStorage());
        source.commit(chain.genesisBlock(), List.of());
        for (int n : new int[] {2, 0, 3, 1, 2}) {
            source.commit(chain.next(source, n), List.of(seal));
        }
        List<List<io.cairn.api.chain.Receipt>> receipts = new ArrayList<>();
        List<io.cairn.api.chain.Block> blocks = blocks(source, 5, receipts);
        LedgerBlockStore store = withGenesis();
        // out of order: refused, nothing moves
        IllegalStateException gap = assertThrows(IllegalStateException.class,
                () -> store.importBlocks(blocks.subList(1, 2), receipts.subList(1, 2)));
        assertTrue(gap.getMessage().contains("does not"), gap.getMessage());
        store.importBlocks(blocks.subList(0, 2), receipts.subList(0, 2));
        assertEquals(0, store.height(), "the head stays block 0 while blocks are written");
        IllegalStateException skipped = assertThrows(IllegalStateException.class,
                () -> store.importBlocks(blocks.subList(3, 5), receipts.subList(3, 5)));
        assertEquals("block 4 does not extend block 2 (" + source.hash(2).orElseThrow() + ")", skipped.getMessage());
        store.importBlocks(blocks.subList(2, 5), receipts.subList(2, 5));
        store.importHead(source.header(5).orElseThrow(), blocks.get(4).seals());
        assertEquals(5, store.height());
        assertTrue(store.joinedAt().isEmpty(), "it holds the whole chain");
        assertEquals(source.totalTransactionCount(), store.totalTransactionCount());
        for (long n = 1; n <= 5; n++) {
            assertArrayEquals(source.block(n).orElseThrow().encode(), store.block(n).orElseThrow().encode());
            assertEquals(source.hash(n), store.hash(n));
            assertEquals(n, store.number(source.hash(n).orElseThrow()).orElseThrow());
        }
        io.cairn.api.chain.Envelope tx = blocks.get(2).transactions().get(1);
        io.cairn.api.chain.Hash txHash = chain.suite.digest(tx.payload());
        assertEquals(source.receipt(txHash), store.receipt(txHash));
        assertEquals(3L, store.transaction(txHash).orElseThrow().blockNumber());
        // the chain goes on from it, and a reopened store agrees
        store.commit(chain.next(store, 1), List.of(seal));
        assertEquals(6, open(storage).height());
        assertTrue(open(storage).joinedAt().isEmpty());
    }

    @Test
    void aJoinedStoreTakesItsHistoryInOrderAndThenHoldsTheWholeChain() {
        LedgerBlockStore source = open(new MemoryStorage());
        source.commit(chain.genesisBlock(), List.of());
        List<ExecutedBlock> executed = new ArrayList<>();
        for (int n : new int[] {2, 0, 3, 1, 2, 1}) {
            executed.add(chain.next(source, n));
            source.commit(executed.get(executed.size() - 1), List.of(seal));
        }
        List<List<io.cairn.api.chain.Receipt>> receipts = new ArrayList<>();
        List<io.cairn.api.chain.Block> blocks = blocks(source, 6, receipts);
        // a store that joined at block 5 and committed block 6 on top
        LedgerBlockStore store = withGenesis();
        IllegalStateException fromGenesis = assertThrows(IllegalStateException.class,
                () -> store.importHistory(blocks.subList(0, 1), receipts.subList(0, 1)));
        assertEquals("this store holds its chain from genesis: it has no history to import", fromGenesis.getMessage());
        store.importHead(source.header(5).orElseThrow(), blocks.get(4).seals());
        store.commit(executed.get(5), List.of(seal));
        assertEquals(1, store.totalTransactionCount(), "block 6's alone");

        // out of order: refused; in order over two calls, the blocks after 5 skipped
        IllegalStateException gap = assertThrows(IllegalStateException.class,
                () -> store.importHistory(blocks.subList(1, 2), receipts.subList(1, 2)));
        assertTrue(gap.getMessage().contains("does not"), gap.getMessage());
        assertEquals(2, store.importHistory(blocks.subList(0, 2), receipts.subList(0, 2)));
        assertEquals(5L, store.joinedAt().getAsLong(), "not whole yet");
        assertEquals(2, open(storage).importHistory(List.of(), List.of()), "a reopened store goes on after block 2");
        assertEquals(5, store.importHistory(blocks.subList(2, 6), receipts.subList(2, 6)));
        assertTrue(store.joinedAt().isEmpty(), "it holds the whole chain");
        assertTrue(open(storage).joinedAt().isEmpty());
        assertEquals(source.totalTransactionCount(), store.totalTransactionCount());
        assertEquals(source.totalTransactionCount(), open(storage).totalTransactionCount());
        for (long n = 1; n <= 6; n++) {
            assertArrayEquals(source.block(n).orElseThrow().encode(), store.block(n).orElseThrow().encode());
            assertEquals(n, store.number(source.hash(n).orElseThrow()).orElseThrow());
        }
        io.cairn.api.chain.Hash txHash = chain.suite.digest(blocks.get(2).transactions().get(1).payload());
        assertEquals(source.receipt(txHash), store.receipt(txHash));
        assertEquals(3L, store.transaction(txHash).orElseThrow().blockNumber());
        assertThrows(IllegalStateException.class, () -> store.importHistory(blocks.subList(0, 1), receipts.subList(0, 1)),
                "whole: nothing more to take");

        // a history whose block 5 is not the block held is refused there, and the store stays joined
        LedgerBlockStore fork = withGenesis(new MemoryStorage());
        for (int i = 0; i < 4; i++) {
            fork.commit(executed.get(i), List.of(seal));
        }
        fork.commit(chain.next(fork, 0), List.of(seal));
        LedgerBlockStore other = withGenesis(new MemoryStorage());
        other.importHead(fork.header(5).orElseThrow(), List.of(seal));
        IllegalStateException notHeld = assertThrows(IllegalStateException.class,
                () -> other.importHistory(blocks.subList(0, 5), receipts.subList(0, 5)));
        assertEquals("block 5 of the history has hash " + source.hash(5).orElseThrow() + ", the block this store "
                + "joined the chain at has " + fork.hash(5).orElseThrow(), notHeld.getMessage());
        assertEquals(5L, other.joinedAt().getAsLong());
        assertTrue(other.block(1).isEmpty(), "nothing of the refused call is written");
    }

    /** Blocks 1..{@code last} of {@code source}, their receipts added to {@code receipts}. */
    private List<io.cairn.api.chain.Block> blocks(LedgerBlockStore source, long last,
            List<List<io.cairn.api.chain.Receipt>> receipts) {
        List<io.cairn.api.chain.Block> blocks = new ArrayList<>();
        for (long n = 1; n <= last; n++) {
            io.cairn.api.chain.Block b = source.block(n).orElseThrow();
            blocks.add(b);
            List<io.cairn.api.chain.Receipt> rs = new ArrayList<>();
            b.transactions().forEach(t -> rs.add(source.receipt(chain.suite.digest(t.payload())).orElseThrow()));
            receipts.add(rs);
        }
        return blocks;
    }

    private LedgerBlockStore withGenesis(MemoryStorage s) {
        LedgerBlockStore store = open(s);
        store.commit(chain.genesisBlock(), List.of());
        return store;
    }

    @Test
    void commitsAChainAndReadsItBackByNumberHashAndTransaction() {
        LedgerBlockStore store = withGenesis();
        List<ExecutedBlock> blocks = new ArrayList<>();
        for (int n : new int[] {2, 3, 0, 5, 1, 2}) {
            ExecutedBlock b = chain.next(store, n);
            store.commit(b, List.of(seal));
            blocks.add(b);
        }
        assertEquals(6, store.height());
        assertEquals(13, store.totalTransactionCount());
        for (ExecutedBlock b : blocks) {
            long n = b.header().number();
            Hash hash = chain.suite.digest(b.header().encode());
            assertArrayEquals(b.header().encode(), store.header(n).orElseThrow().encode());
            assertEquals(hash, store.hash(n).orElseThrow());
            assertEquals(n, store.number(hash).orElseThrow());
            Block byNumber = store.block(n).orElseThrow();
            assertArrayEquals(b.seal(List.of(seal)).encode(), byNumber.encode());
            assertArrayEquals(byNumber.encode(), store.block(hash).orElseThrow().encode());
            for (int i = 0; i < b.transactions().size(); i++) {
                VerifiedTransaction vt = b.transactions().get(i);
                BlockStore.Located at = store.transaction(vt.hash()).orElseThrow();
                assertEquals(n, at.blockNumber());
                assertEquals(i, at.index());
                assertEquals(vt.hash(), at.hash());
                assertArrayEquals(vt.encoded(), at.tx().encoded());
                assertEquals(b.receipts().get(i), store.receipt(vt.hash()).orElseThrow());
            }
        }
        // block n's parent is block n-1: the chain links through the stored hashes
        assertEquals(store.hash(3).orElseThrow(), store.header(4).orElseThrow().parentHash());
        assertTrue(store.header(7).isEmpty());
        assertTrue(store.hash(-1).isEmpty());
        assertTrue(store.block(Hash.of(TestChain.filled(32, 3))).isEmpty());
        assertTrue(store.transaction(Hash.of(TestChain.filled(32, 3))).isEmpty());
        assertTrue(store.receipt(Hash.of(TestChain.filled(32, 3))).isEmpty());
    }

    @Test
    void aBlockOfVersion2EnvelopesRoundTripsAndItsTransactionsAreFoundByHash() {
        LedgerBlockStore store = withGenesis();
        VerifiedTransaction legacy = chain.tx();
        List<VerifiedTransaction> txs = List.of(chain.envelope(), legacy, chain.envelope(), chain.envelope());
        ExecutedBlock b = chain.next(store, txs);
        store.commit(b, List.of(seal));

        Block read = store.block(1).orElseThrow();
        assertEquals(txs.stream().map(VerifiedTransaction::envelope).toList(), read.transactions());
        assertEquals(List.of(2, 1, 2, 2), read.transactions().stream().map(Envelope::version).toList());
        assertArrayEquals(b.seal(List.of(seal)).encode(), read.encode());
        assertArrayEquals(read.encode(), Block.decode(read.encode()).encode());
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction vt = txs.get(i);
            assertEquals(Hash.of(chain.suite.hash(vt.envelope().payload())), vt.hash(), "the hash of the payload");
            BlockStore.Located at = store.transaction(vt.hash()).orElseThrow();
            assertEquals(1, at.blockNumber());
            assertEquals(i, at.index());
            assertEquals(vt.envelope(), at.tx());
            assertEquals(b.receipts().get(i), store.receipt(vt.hash()).orElseThrow());
        }
        // each transaction is stored as the bytes it was sent as: u32 n | n x bytes tx | u32 m | m x bytes seal
        Encoder body = new Encoder().u32(txs.size());
        txs.forEach(t -> body.bytes(t.encoded()));
        assertArrayEquals(body.u32(1).bytes(seal).toByteArray(), storage.get(ChainKeys.body(1)));
        assertArrayEquals(io.cairn.api.testing.LegacyTransfers.legacy(legacy).encode(), read.transactions().get(1).encoded(),
                "a version 1 transfer reads back as the bytes of the first format");
    }

    @Test
    void theHeadStateCanBeScannedForAModelsQueries() {
        LedgerBlockStore store = withGenesis();
        store.commit(chain.next(store, 1), List.of());
        try (StateSnapshot state = store.state()) {
            java.util.Iterator<io.cairn.api.storage.ReadView.Entry> it = state.scan(new byte[] {Keys.STATE},
                    new byte[] {(byte) (Keys.STATE + 1)});
            assertTrue(it.hasNext());
            io.cairn.api.storage.ReadView.Entry e = it.next();
            assertArrayEquals(TestChain.BLOCK_KEY, e.key());
            assertArrayEquals(ChainKeys.u64(1), e.value(), "the head's state");
            assertFalse(it.hasNext(), "only state entries in the state range");
        }
    }

    @Test
    void commitWritesEverythingInOneBatchIncludingStateWrites() {
        LedgerBlockStore store = withGenesis();
        int before = storage.writes.get();
        store.commit(chain.next(store, 3), List.of());
        assertEquals(before + 1, storage.writes.get());
        assertArrayEquals(ChainKeys.u64(1), storage.get(TestChain.BLOCK_KEY));
    }

    @Test
    void aBlockWithTheWrongNumberIsRejectedAndNothingIsWritten() {
        LedgerBlockStore store = withGenesis();
        store.commit(chain.next(store, 1), List.of());
        int size = storage.size();
        int writes = storage.writes.get();
        ExecutedBlock skip = chain.block(3, store.hash(1).orElseThrow(), List.of(chain.tx()), Receipt.Status.SUCCESS);
        HeadMovedException e = assertThrows(HeadMovedException.class, () -> store.commit(skip, List.of()));
        assertTrue(e.getMessage().contains("expected number 2, got 3"), e.getMessage());
        assertEquals(1, e.head());
        ExecutedBlock again = chain.block(1, store.hash(0).orElseThrow(), List.of(), Receipt.Status.SUCCESS);
        e = assertThrows(HeadMovedException.class, () -> store.commit(again, List.of()));
        assertTrue(e.getMessage().contains("expected number 2, got 1"), e.getMessage());
        assertEquals(size, storage.size());
        assertEquals(writes, storage.writes.get());
        assertEquals(1, store.height());
    }

    @Test
    void aBlockWithTheWrongParentIsRejectedAndNothingIsWritten() {
        LedgerBlockStore store = withGenesis();
        int size = storage.size();
        Hash wrong = Hash.of(TestChain.filled(32, 0x42));
        ExecutedBlock fork = chain.block(1, wrong, List.of(chain.tx()), Receipt.Status.SUCCESS);
        HeadMovedException e = assertThrows(HeadMovedException.class, () -> store.commit(fork, List.of()));
        assertTrue(e.getMessage().contains("expected parent hash " + store.hash(0).orElseThrow()), e.getMessage());
        assertTrue(e.getMessage().contains("got " + wrong), e.getMessage());
        assertEquals(size, storage.size());
        assertEquals(0, store.height());
    }

    @Test
    void genesisMustHaveAZeroParentAndAnEmptyStore() {
        LedgerBlockStore store = open(storage);
        ExecutedBlock g = chain.genesisBlock();
        BlockHeader h = g.header();
        BlockHeader withParent = new BlockHeader(h.version(), h.chainId(), 0, Hash.of(TestChain.filled(32, 1)),
                h.timestamp(), h.txRoot(), h.receiptRoot(), h.stateRoot(), 0, h.sealer(), h.extra());
        assertThrows(HeadMovedException.class,
                () -> store.commit(new ExecutedBlock(withParent, List.of(), List.of(), new WriteBatch()), List.of()));
        assertEquals(0, storage.size());
        store.commit(g, List.of());
        IllegalStateException e = assertThrows(HeadMovedException.class, () -> store.commit(g, List.of()));
        assertTrue(e.getMessage().contains("expected number 1, got 0"), e.getMessage());
    }

    @Test
    void aFailedStorageWriteLeavesTheHeadWhereItWas() {
        LedgerBlockStore store = withGenesis();
        Hash head = store.hash(0).orElseThrow();
        ExecutedBlock b = chain.next(store, 2);
        storage.failWrites = new IllegalStateException("disk full");
        List<Hash> seen = new CopyOnWriteArrayList<>();
        store.addListener((block, hash, txs) -> seen.add(hash));
        assertThrows(IllegalStateException.class, () -> store.commit(b, List.of()));
        assertEquals(0, store.height());
        assertEquals(head, store.hash(0).orElseThrow());
        assertTrue(store.header(1).isEmpty());
        assertEquals(0, store.totalTransactionCount());
        assertTrue(seen.isEmpty(), "listeners hear only of committed blocks");
        storage.failWrites = null;
        store.commit(b, List.of());
        assertEquals(1, store.height());
        assertEquals(1, seen.size());
    }

    @Test
    void listenersHearOfEachBlockAfterItIsDurableAndAThrowingOneDoesNotBreakTheCommit() {
        LedgerBlockStore store = withGenesis();
        List<String> calls = new CopyOnWriteArrayList<>();
        store.addListener((block, hash, txs) -> {
            throw new IllegalStateException("listener bug");
        });
        BlockListener recording = (block, hash, txs) -> {
            // durable and visible before anyone is told
            assertEquals(block.number(), store.height());
            assertArrayEquals(ChainKeys.u64(block.number()), storage.get(ChainKeys.HEAD));
            assertEquals(store.hash(block.number()).orElseThrow(), hash);
            calls.add(block.number() + ":" + txs);
        };
        store.addListener(recording);
        ExecutedBlock b = chain.next(store, 2);
        Block committed = store.commit(b, List.of(seal));
        assertEquals(1, store.height());
        assertEquals(List.of("1:" + List.of(b.transactions().get(0).hash(), b.transactions().get(1).hash())), calls);
        assertEquals(1, committed.seals().size());

        store.removeListener(recording);
        store.commit(chain.next(store, 0), List.of());
        assertEquals(1, calls.size());
    }

    @Test
    void listenersAreGivenTheStateWritesTheBlockStoreWrote() {
        LedgerBlockStore store = withGenesis();
        List<WriteBatch> told = new CopyOnWriteArrayList<>();
        store.addListener(new BlockListener() {
            @Override
            public void blockCommitted(Block block, io.cairn.api.chain.Hash hash, List<io.cairn.api.chain.Hash> txs) {
                throw new AssertionError("the block store tells the state writes too");
            }

            @Override
            public void blockCommitted(Block block, io.cairn.api.chain.Hash hash, List<io.cairn.api.chain.Hash> txs,
                    WriteBatch stateWrites) {
                told.add(stateWrites);
            }
        });
        ExecutedBlock b = chain.next(store, 2);
        store.commit(b, List.of(seal));
        assertEquals(List.of(b.stateWrites()), told);
        assertTrue(b.stateWrites().size() > 0, "the test block writes state");
    }

    @Test
    void genesisIsDecodedFromBlockZero() {
        LedgerBlockStore store = open(storage);
        assertTrue(store.genesis().isEmpty());
        store.commit(chain.genesisBlock(), List.of());
        assertEquals(TestChain.GENESIS, store.genesis().orElseThrow());
        assertEquals(TestChain.GENESIS, open(storage).genesis().orElseThrow());
    }

    @Test
    void stateIsTheHeadBlocksStateAndStaysSoWhileOpen() {
        LedgerBlockStore store = open(storage);
        assertThrows(NotReadyException.class, store::state);
        assertEquals(0, storage.openViews.get(), "a failed state() closes its view");
        store.commit(chain.genesisBlock(), List.of());
        store.commit(chain.next(store, 1), List.of());
        try (StateSnapshot s = store.state()) {
            assertEquals(1, s.header().number());
            store.commit(chain.next(store, 1), List.of());
            assertArrayEquals(ChainKeys.u64(1), s.get(TestChain.BLOCK_KEY));
            assertEquals(1, s.header().number());
            try (StateSnapshot later = store.state()) {
                assertEquals(2, later.header().number());
                assertArrayEquals(ChainKeys.u64(2), later.get(TestChain.BLOCK_KEY));
            }
        }
        assertEquals(0, storage.openViews.get());
    }

    @Test
    void stateAndItsHeaderAgreeWhileCommitsHappen() throws Exception {
        LedgerBlockStore store = withGenesis();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger checks = new AtomicInteger();
        List<String> problems = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            while (!done.get() || checks.get() == 0) {
                try (StateSnapshot s = store.state()) {
                    long stateBlock = ChainKeys.u64(s.get(TestChain.BLOCK_KEY), "block");
                    if (stateBlock != s.header().number()) {
                        problems.add("state of block " + stateBlock + " under header " + s.header().number());
                    }
                    checks.incrementAndGet();
                }
                long h = store.height();
                if (h >= 0 && store.header(h).isEmpty()) {
                    problems.add("head " + h + " has no header");
                }
            }
        });
        reader.start();
        for (int i = 0; i < 300; i++) {
            store.commit(chain.next(store, 1), List.of());
        }
        done.set(true);
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(reader.isAlive());
        assertEquals(List.of(), problems);
        assertTrue(checks.get() > 0);
    }

    @Test
    void aNewInstanceOnTheSameStorageSeesTheSameChain() {
        LedgerBlockStore store = withGenesis();
        store.commit(chain.next(store, 2), List.of());
        store.commit(chain.next(store, 3), List.of());
        LedgerBlockStore restarted = open(storage);
        assertEquals(2, restarted.height());
        assertEquals(5, restarted.totalTransactionCount());
        assertEquals(store.hash(2), restarted.hash(2));
        assertEquals(store.hash(1), restarted.hash(1));
        assertTrue(restarted.health().ready());
        assertEquals("height 2", restarted.health().detail());
        restarted.commit(chain.next(restarted, 1), List.of());
        assertEquals(3, restarted.height());
        assertEquals(6, restarted.totalTransactionCount());
    }

    @Test
    void aReplacementStorageIsReadForItsOwnHead() {
        LedgerBlockStore store = withGenesis();
        store.commit(chain.next(store, 1), List.of());
        MemoryStorage other = new MemoryStorage();
        store.bindStorage(other); // GREEDY: the replacement binds before the old one leaves
        store.unbindStorage(storage);
        assertEquals(-1, store.height());
        assertTrue(store.genesis().isEmpty());
        assertFalse(store.health().ready());
        store.bindStorage(storage);
        store.unbindStorage(other);
        assertEquals(1, store.height());
        assertTrue(store.genesis().isPresent());
        store.unbindStorage(storage);
        assertEquals("no storage", store.health().detail());
        assertThrows(NotReadyException.class, store::state);
        // with no storage a commit is "not ready", never "the head moved": sync must not count it as done
        assertThrows(NotReadyException.class, () -> store.commit(chain.genesisBlock(), List.of()));
    }

    @Test
    void healthSaysWhatIsMissing() {
        LedgerBlockStore store = new LedgerBlockStore(4);
        assertEquals("no storage", store.health().detail());
        store.bindStorage(storage);
        assertEquals("no crypto suite", store.health().detail());
        store.bindSuite(chain.suite);
        assertFalse(store.health().ready());
        assertEquals("no genesis block yet", store.health().detail());
        store.commit(chain.genesisBlock(), List.of());
        assertTrue(store.health().ready());
        assertEquals("height 0", store.health().detail());
    }

    @Test
    void stateWritesOutsideTheStateSpaceAreRejected() {
        LedgerBlockStore store = withGenesis();
        ExecutedBlock b = chain.next(store, 0);
        WriteBatch evil = new WriteBatch().put(ChainKeys.HEAD, ChainKeys.u64(99));
        ExecutedBlock bad = new ExecutedBlock(b.header(), b.transactions(), b.receipts(), evil);
        assertThrows(IllegalArgumentException.class, () -> store.commit(bad, List.of()));
        assertEquals(0, store.height());
        assertArrayEquals(ChainKeys.u64(0), storage.get(ChainKeys.HEAD));
    }

    @Test
    void aFailedReplayDoesNotOverwriteTheOriginalReceipt() {
        LedgerBlockStore store = withGenesis();
        VerifiedTransaction tx = chain.tx();
        store.commit(chain.next(store, List.of(tx)), List.of());
        Receipt original = store.receipt(tx.hash()).orElseThrow();
        store.commit(chain.block(2, store.hash(1).orElseThrow(), List.of(tx, tx), Receipt.Status.BAD_NONCE), List.of());
        assertEquals(original, store.receipt(tx.hash()).orElseThrow());
        assertEquals(1, store.transaction(tx.hash()).orElseThrow().blockNumber());
        assertEquals(2, store.block(2).orElseThrow().transactions().size());

        // a failing transaction seen for the first time is indexed, once, at its first position
        VerifiedTransaction fresh = chain.tx();
        store.commit(chain.block(3, store.hash(2).orElseThrow(), List.of(fresh, fresh), Receipt.Status.BAD_NONCE),
                List.of());
        assertEquals(0, store.transaction(fresh.hash()).orElseThrow().index());
        assertEquals(Receipt.Status.BAD_NONCE, store.receipt(fresh.hash()).orElseThrow().status());
    }

    @Test
    void mismatchedReceiptsOrCountsAreRejected() {
        LedgerBlockStore store = withGenesis();
        ExecutedBlock b = chain.next(store, 2);
        ExecutedBlock short1 = new ExecutedBlock(b.header(), b.transactions(), b.receipts().subList(0, 1),
                b.stateWrites());
        assertThrows(IllegalArgumentException.class, () -> store.commit(short1, List.of()));
        assertNull(storage.get(ChainKeys.header(1)));
        assertEquals(0, store.height());
        assertTrue(Keys.CHAIN == ChainKeys.HEAD[0]);
    }

    @Test
    void theChainSpecIsReadFromBlockZeroAndFollowsTheStorage() {
        LedgerBlockStore store = open(storage);
        assertTrue(store.spec().isEmpty());
        store.commit(chain.genesisBlock(), List.of());
        io.cairn.api.chain.ChainSpec spec = store.spec().orElseThrow();
        assertEquals(TestChain.GENESIS.chainId(), spec.chainId());
        assertEquals(TestChain.GENESIS.sealers().size(), spec.n());
        assertSame(spec, store.spec().orElseThrow(), "read once");
        store.unbindStorage(storage);
        assertTrue(store.spec().isEmpty());
    }
}
