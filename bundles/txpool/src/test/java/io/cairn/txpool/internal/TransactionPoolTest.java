package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.Fakes.CHAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransactionPoolTest {
    private final Fakes.Suite suite = new Fakes.Suite();
    private final Fakes.Chain chain = new Fakes.Chain(1_000_000).withGenesis();
    private final Fakes.Model model = new Fakes.Model();
    private final Fakes.MemoryStorage storage = new Fakes.MemoryStorage();
    private final List<TransactionPool> pools = new ArrayList<>();

    /** Admission control off (its floor is the capacity): tests of everything else. */
    static TransactionPool.Config config(int capacity, int maxNonceGap) {
        return config(capacity, maxNonceGap, 1500, capacity);
    }

    static TransactionPool.Config config(int capacity, int maxNonceGap, long admitQueueMs, int admitFloor) {
        return new TransactionPool.Config() {
            @Override public Class<? extends Annotation> annotationType() { return TransactionPool.Config.class; }
            @Override public int capacity() { return capacity; }
            @Override public int maxNonceGap() { return maxNonceGap; }
            @Override public long admitQueueMs() { return admitQueueMs; }
            @Override public int admitFloor() { return admitFloor; }
        };
    }

    private TransactionPool pool(int capacity, int maxNonceGap) {
        return pool(config(capacity, maxNonceGap));
    }

    private TransactionPool pool(TransactionPool.Config config) {
        TransactionPool p = new TransactionPool(config);
        pools.add(p);
        p.bindSuite(suite);
        p.bindBlockStore(chain);
        p.bindModel(model);
        p.bindStorage(storage);
        return p;
    }

    private TransactionPool pool() {
        return pool(200_000, 1000);
    }

    @AfterEach
    void deactivateAll() {
        for (TransactionPool p : pools) {
            p.deactivate();
        }
    }

    static List<Hash> hashes(List<VerifiedTransaction> txs) {
        return txs.stream().map(VerifiedTransaction::hash).toList();
    }

    private Fakes.Account account(int n) {
        return Fakes.Account.of(suite, n);
    }

    private static TxRejectedException rejected(TransactionPool p, byte[] tx, Reason reason) {
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> p.submit(tx));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
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

    // ---- each rejection reason

    @Test
    void malformedCarriesTheDecoderMessage() {
        TransactionPool p = pool();
        byte[] truncated = java.util.Arrays.copyOf(account(1).tx(suite, 0), 50);
        String decoderSays = assertThrows(MalformedDataException.class, () -> Transaction.decode(truncated)).getMessage();
        assertEquals(decoderSays, rejected(p, truncated, Reason.MALFORMED).getMessage());
        assertEquals("transaction bytes are missing", rejected(p, null, Reason.MALFORMED).getMessage());
        assertEquals(0, suite.verifies.get());
    }

    @Test
    void notReadyNamesWhatIsMissing() throws Exception {
        TransactionPool p = new TransactionPool(config(10, 10));
        pools.add(p);
        byte[] tx = account(1).tx(suite, 0);
        assertEquals("txpool not ready: waiting for crypto suite, block store, ledger model",
                rejected(p, tx, Reason.NOT_READY).getMessage());
        p.bindSuite(suite);
        p.bindModel(model);
        assertEquals("txpool not ready: waiting for block store", rejected(p, tx, Reason.NOT_READY).getMessage());
        assertFalse(p.health().ready());
        Fakes.Chain empty = new Fakes.Chain(100);
        p.bindBlockStore(empty);
        assertEquals("txpool not ready: no genesis block yet", rejected(p, tx, Reason.NOT_READY).getMessage());
        assertEquals("no genesis block yet", p.health().detail());
        empty.withGenesis();
        assertNotNull(p.submit(tx));
        assertTrue(p.health().ready(), p.health().detail());
    }

    @Test
    void wrongChain() {
        byte[] tx = account(1).tx(suite, CHAIN + 1, 0, 1);
        assertEquals("transaction is for chain 8, this node runs chain 7",
                rejected(pool(), tx, Reason.WRONG_CHAIN).getMessage());
    }

    @Test
    void duplicatePendingAndCommitted() throws Exception {
        TransactionPool p = pool();
        byte[] tx = account(1).tx(suite, 0);
        VerifiedTransaction v = p.submit(tx);
        assertEquals("transaction " + v.hash() + " is already pending", rejected(p, tx, Reason.DUPLICATE).getMessage());
        chain.commit(p, List.of(v));
        assertEquals(0, p.size());
        assertEquals("transaction " + v.hash() + " is already committed in block 1",
                rejected(p, tx, Reason.DUPLICATE).getMessage());
        assertEquals(1, suite.verifies.get(), "duplicates are caught before the signature check");
    }

    @Test
    void badSignature() {
        byte[] tx = account(1).tx(suite, 0);
        tx[tx.length - 1] ^= 1;
        TxRejectedException e = rejected(pool(), tx, Reason.BAD_SIGNATURE);
        assertTrue(e.getMessage().endsWith("the signature does not verify for its public key"), e.getMessage());
    }

    @Test
    void clientsAreRefusedCheaplyPastTheAdmissionLimitWhileGossipStillFillsThePool() throws Exception {
        TransactionPool p = pool(config(100, 10, 1000, 3));
        for (int i = 1; i <= 3; i++) {
            p.submit(account(i).tx(suite, 0));
        }
        int verifies = suite.verifies.get();
        TxRejectedException busy = rejected(p, account(4).tx(suite, 0), Reason.POOL_FULL);
        assertTrue(busy.getMessage().startsWith("pool busy: 3 transactions pending"), busy.getMessage());
        assertTrue(busy.getMessage().contains("client limit 3"), busy.getMessage());
        assertEquals(verifies, suite.verifies.get(), "a refused submission costs no signature check");
        // what another node accepted still reaches this pool (and so the leader), up to the capacity
        p.onMessage("peer", TransactionGossip.TOPIC, TransactionGossip.encode(List.of(account(5).tx(suite, 0))));
        await(() -> p.size() == 4, "the gossiped transaction admitted");
    }

    @Test
    void theAdmissionLimitFollowsTheRateTheChainCommits() throws Exception {
        Admission a = new Admission(1000, 100);
        assertEquals(100, a.limit(1_000_000), "no blocks yet: the floor");
        long t = 0;
        for (int i = 0; i < 200; i++) { // 2,000 transactions every 0.5 s for 100 s: 4,000 tx/s
            a.committed(2000, t);
            t += 500_000_000L;
        }
        assertEquals(4000, a.rate(), 40);
        assertEquals(4000, a.limit(1_000_000), 40);
        assertEquals(3000, a.limit(3000), "never beyond the capacity");
        a.committed(0, t + 60_000_000_000L); // a minute without blocks: back to the floor
        assertEquals(100, a.limit(1_000_000));
    }

    @Test
    void committedBlocksRaiseTheLimitAPoolAdmitsClientsUpTo() throws Exception {
        TransactionPool p = pool(config(100_000, 10, 60_000, 2));
        p.submit(account(1).tx(suite, 0));
        p.submit(account(2).tx(suite, 0));
        rejected(p, account(3).tx(suite, 0), Reason.POOL_FULL);
        chain.commit(p, p.pending(10)); // the first block only starts the clock
        p.submit(account(1).tx(suite, 1));
        p.submit(account(2).tx(suite, 1));
        chain.commit(p, p.pending(10)); // 2 transactions committed: about 0.4 tx/s over the 5 s average
        for (int i = 3; i <= 6; i++) { // 60 s of that rate is over 20 transactions
            p.submit(account(i).tx(suite, 0));
        }
        assertEquals(4, p.size());
    }

    @Test
    void poolFull() throws Exception {
        TransactionPool p = pool(2, 10);
        p.submit(account(1).tx(suite, 0));
        p.submit(account(2).tx(suite, 0));
        assertEquals("pool full: 2 of 2", rejected(p, account(3).tx(suite, 0), Reason.POOL_FULL).getMessage());
        assertEquals(2, p.capacity());
        assertEquals(2, p.size());
    }

    @Test
    void nonceReplayedTakenAndTooHigh() throws Exception {
        TransactionPool p = pool(100, 3);
        Fakes.Account a = account(1);
        chain.setAccount(a.address(), 5, 1000);
        assertEquals("nonce 4 of " + a.address() + " is already used: the account's nonce is 5",
                rejected(p, a.tx(suite, 4), Reason.NONCE_REPLAYED).getMessage());
        VerifiedTransaction five = p.submit(a.tx(suite, 5));
        byte[] otherFive = a.tx(suite, CHAIN, 5, 2);
        assertEquals("nonce 5 of " + a.address() + " is already taken by pending transaction " + five.hash(),
                rejected(p, otherFive, Reason.NONCE_REPLAYED).getMessage());
        // next is 6; a gap of up to 3 is held (6..9), 10 is too far
        assertEquals("nonce 10 of " + a.address() + " is too far ahead: its next nonce is 6 and the pool holds at most 3 beyond it",
                rejected(p, a.tx(suite, 10), Reason.NONCE_TOO_HIGH).getMessage());
        assertNotNull(p.submit(a.tx(suite, 9)));
    }

    @Test
    void noGapsWhenMaxNonceGapIsZero() throws Exception {
        TransactionPool p = pool(100, 0);
        Fakes.Account a = account(1);
        p.submit(a.tx(suite, 0));
        rejected(p, a.tx(suite, 2), Reason.NONCE_TOO_HIGH);
        p.submit(a.tx(suite, 1));
    }

    @Test
    void insufficientBalanceComesFromTheModel() {
        Fakes.Account a = account(1);
        chain.setAccount(a.address(), 0, 10);
        TxRejectedException e = rejected(pool(), a.tx(suite, CHAIN, 0, 11), Reason.INSUFFICIENT_BALANCE);
        assertEquals("balance 10 of " + a.address() + " cannot pay 11", e.getMessage());
    }

    // ---- verification once

    @Test
    void verifiesEachTransactionExactlyOnce() throws Exception {
        TransactionPool p = pool();
        List<byte[]> txs = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            for (int n = 0; n < 5; n++) {
                txs.add(account(s).tx(suite, n));
            }
        }
        for (byte[] t : txs) {
            p.submit(t);
        }
        assertEquals(50, suite.verifies.get());
        List<VerifiedTransaction> pending = p.pending(100);
        assertEquals(50, pending.size());
        p.pending(100);
        chain.commit(p, pending.subList(0, 20));
        for (byte[] t : txs) {
            rejected(p, t, Reason.DUPLICATE);
        }
        assertEquals(50, suite.verifies.get(), "pending, commit and duplicates never verify again");
    }

    @Test
    void stateIsNotReadPerTransaction() throws Exception {
        TransactionPool p = pool();
        Fakes.Account a = account(1);
        for (int n = 0; n < 100; n++) {
            p.submit(a.tx(suite, n));
        }
        assertTrue(chain.snapshotsOpened.get() <= 2, "opened " + chain.snapshotsOpened.get() + " snapshots");
    }

    // ---- ordering and removal

    @Test
    void pendingIsArrivalOrderAcrossSendersAndNonceOrderPerSender() throws Exception {
        TransactionPool p = pool();
        Fakes.Account a = account(1);
        Fakes.Account b = account(2);
        VerifiedTransaction b0 = p.submit(b.tx(suite, 0));
        VerifiedTransaction a1 = p.submit(a.tx(suite, 1)); // gapped until a0 arrives
        VerifiedTransaction b1 = p.submit(b.tx(suite, 1));
        VerifiedTransaction a0 = p.submit(a.tx(suite, 0));
        VerifiedTransaction a3 = p.submit(a.tx(suite, 3)); // gapped: a2 never arrives
        assertEquals(hashes(List.of(b0, b1, a0, a1)), hashes(p.pending(10)));
        assertEquals(hashes(List.of(b0, b1)), hashes(p.pending(2)));
        assertEquals(5, p.size());
        assertEquals(2, p.nextNonce(a.address()), "the next nonce fills the gap");
        assertEquals(2, p.nextNonce(b.address()));
        assertEquals(0, p.nextNonce(account(3).address()));
        assertEquals(a3.hash(), p.get(a3.hash()).orElseThrow().hash());
    }

    @Test
    void commitRemovesIncludedAndStaleTransactions() throws Exception {
        TransactionPool p = pool();
        Fakes.Account a = account(1);
        Fakes.Account b = account(2);
        VerifiedTransaction a0 = p.submit(a.tx(suite, 0));
        VerifiedTransaction a1 = p.submit(a.tx(suite, 1));
        VerifiedTransaction b0 = p.submit(b.tx(suite, 0));
        VerifiedTransaction b1 = p.submit(b.tx(suite, 1));
        // b's nonce 0 is used by another transaction that reached a block without this pool
        Fakes.Suite other = suite;
        VerifiedTransaction b0elsewhere = new VerifiedTransaction(Transaction.decode(b.tx(other, CHAIN, 0, 5)),
                Hash.of(Fakes.sha256("elsewhere".getBytes())), b.address(), new byte[0]);
        chain.commit(p, List.of(a0, b0elsewhere));
        assertTrue(p.get(a0.hash()).isEmpty());
        assertTrue(p.get(b0.hash()).isEmpty(), "b0 is stale");
        assertEquals(2, p.size());
        assertEquals(hashes(List.of(a1, b1)), hashes(p.pending(10)));
        assertEquals(2, p.nextNonce(a.address()));
        chain.commit(p, List.of(a1, b1));
        assertEquals(0, p.size());
        assertEquals(hashes(List.of()), hashes(p.pending(10)));
        assertEquals(2, p.nextNonce(b.address()));
    }

    @Test
    void missedBlocksRereadEverySendersNonce() throws Exception {
        TransactionPool p = pool();
        Fakes.Account a = account(1);
        VerifiedTransaction a0 = p.submit(a.tx(suite, 0));
        VerifiedTransaction a1 = p.submit(a.tx(suite, 1));
        chain.commit(p, List.of());
        // Block 2 moved the account on and the pool missed it (no listener call): block 3 shows the gap.
        chain.setAccount(a.address(), 1, 1000);
        chain.height = 2;
        chain.commit(p, List.of());
        assertEquals(hashes(List.of(a1)), hashes(p.pending(10)));
        assertTrue(p.get(a0.hash()).isEmpty());
        assertEquals(1, p.size());
    }

    @Test
    void aCommittedTransactionThatDidNotUseItsNonceLeavesAHole() throws Exception {
        TransactionPool p = pool();
        Fakes.Account a = account(1);
        VerifiedTransaction a0 = p.submit(a.tx(suite, 0));
        VerifiedTransaction a1 = p.submit(a.tx(suite, 1));
        assertEquals(2, p.nextNonce(a.address()));
        chain.consumeNonces = false;
        chain.commit(p, List.of(a0));
        assertEquals(0, p.nextNonce(a.address()), "nonce 0 is free again");
        assertEquals(List.of(), p.pending(10), "a1 waits for a new nonce 0");
        VerifiedTransaction again = p.submit(a.tx(suite, CHAIN, 0, 2));
        assertEquals(hashes(List.of(again, a1)), hashes(p.pending(10)));
    }

    @Test
    void keepsPendingWhileADependencyIsAway() throws Exception {
        TransactionPool p = pool();
        VerifiedTransaction t = p.submit(account(1).tx(suite, 0));
        p.unbindModel(model);
        assertFalse(p.health().ready());
        rejected(p, account(2).tx(suite, 0), Reason.NOT_READY);
        assertEquals(hashes(List.of(t)), hashes(p.pending(10)));
        p.bindModel(new Fakes.Model());
        assertTrue(p.health().ready());
        assertEquals(hashes(List.of(t)), hashes(p.pending(10)));
    }

    @Test
    void unbindOfAReplacedProviderKeepsTheNewOne() throws Exception {
        TransactionPool p = pool();
        Fakes.Model newer = new Fakes.Model();
        p.bindModel(newer); // greedy: the new provider is bound before the old one is unbound
        p.unbindModel(model);
        assertNotNull(p.submit(account(1).tx(suite, 0)));
    }

    // ---- concurrency

    @Test
    void concurrentSubmitsLoseAndDuplicateNothing() throws Exception {
        TransactionPool p = pool();
        int threads = 8;
        int sendersPerThread = 25;
        int noncesPerSender = 20;
        List<byte[]> all = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, List<byte[]>> perThread = new HashMap<>();
        for (int t = 0; t < threads; t++) {
            List<byte[]> mine = new ArrayList<>();
            for (int s = 0; s < sendersPerThread; s++) {
                Fakes.Account a = account(t * 1000 + s);
                for (int n = 0; n < noncesPerSender; n++) {
                    mine.add(a.tx(suite, n));
                }
            }
            perThread.put(t, mine);
            all.addAll(mine);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            ConcurrentLinkedQueue<Hash> accepted = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<byte[]> mine = perThread.get(t);
                // two submitters per slice send the same transactions: each must be admitted exactly once
                for (int copy = 0; copy < 2; copy++) {
                    done.add(pool.submit(() -> {
                        start.await();
                        for (byte[] tx : mine) {
                            try {
                                accepted.add(p.submit(tx).hash());
                            } catch (TxRejectedException e) {
                                if (e.reason() != Reason.DUPLICATE) {
                                    failures.add(e);
                                }
                            }
                        }
                        return null;
                    }));
                }
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(failures.isEmpty(), () -> "unexpected rejections: " + failures);
            int total = threads * sendersPerThread * noncesPerSender;
            assertEquals(total, accepted.size());
            assertEquals(total, new HashSet<>(accepted).size());
            assertEquals(total, p.size());
            assertTrue(suite.verifies.get() <= 2 * total);
            List<VerifiedTransaction> pending = p.pending(Integer.MAX_VALUE);
            assertEquals(total, pending.size());
            Map<Address, Long> next = new HashMap<>();
            Set<Hash> seen = new HashSet<>();
            for (VerifiedTransaction v : pending) {
                assertTrue(seen.add(v.hash()));
                long expected = next.getOrDefault(v.sender(), 0L);
                assertEquals(expected, v.nonce(), "per sender in nonce order");
                next.put(v.sender(), expected + 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentSubmitsAndCommits() throws Exception {
        TransactionPool p = pool();
        int senders = 40;
        int nonces = 50;
        ExecutorService exec = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int slice = t;
                done.add(exec.submit(() -> {
                    start.await();
                    for (int n = 0; n < nonces; n++) {
                        for (int s = slice; s < senders; s += 4) {
                            p.submit(account(s).tx(suite, n));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            int committed = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (committed < senders * nonces && System.nanoTime() < deadline) {
                List<VerifiedTransaction> block = p.pending(37);
                chain.commit(p, block);
                committed += block.size();
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(senders * nonces, committed);
            assertEquals(0, p.size());
            assertEquals(senders * nonces, chain.committed.size());
        } finally {
            exec.shutdownNow();
        }
    }

    // ---- hand-over across deactivate / activate

    @Test
    void aPoolBeingReplacedTurnsTransactionsAwayInsteadOfLosingThem() throws Exception {
        TransactionPool old = pool();
        Fakes.Account a = account(1);
        old.submit(a.tx(suite, 0));
        old.deactivate(); // hands over what it holds
        pools.remove(old);
        // A caller still holding the old instance (RPC during a swap) must hear "not ready", not "accepted":
        // an acceptance now would be in neither the hand-over nor the new pool.
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> old.submit(a.tx(suite, 1)));
        assertEquals(TxRejectedException.Reason.NOT_READY, e.reason());
        assertEquals(1, PendingTransactions.decode(storage.get(PendingTransactions.KEY)).size());
    }

    @Test
    void pendingTransactionsSurviveDeactivateAndActivate() throws Exception {
        TransactionPool first = pool();
        Fakes.Account a = account(1);
        Fakes.Account b = account(2);
        List<VerifiedTransaction> sent = List.of(first.submit(a.tx(suite, 0)), first.submit(b.tx(suite, 0)),
                first.submit(a.tx(suite, 1)), first.submit(a.tx(suite, 3)));
        first.deactivate();
        pools.remove(first);
        byte[] saved = storage.get(PendingTransactions.KEY);
        assertNotNull(saved, "the pool handed its transactions over in storage");
        assertEquals(4, PendingTransactions.decode(saved).size());
        int verifiesBefore = suite.verifies.get();

        // The new instance is created and bound in any order; storage last here.
        TransactionPool second = new TransactionPool(config(1000, 10));
        pools.add(second);
        second.bindSuite(suite);
        second.bindModel(model);
        second.bindBlockStore(chain);
        assertEquals(0, second.size(), "nothing restored without storage");
        second.bindStorage(storage);
        await(() -> second.restoreIdle() && second.size() == 4, "restore");
        assertNull(storage.get(PendingTransactions.KEY), "the handed-over key is deleted");
        assertEquals(verifiesBefore + 4, suite.verifies.get(), "restored transactions are verified again");
        for (VerifiedTransaction v : sent) {
            assertTrue(second.get(v.hash()).isPresent());
        }
        assertEquals(hashes(List.of(sent.get(0), sent.get(1), sent.get(2))), hashes(second.pending(10)));
    }

    @Test
    void handOverDropsWhatWasCommittedMeanwhile() throws Exception {
        TransactionPool first = pool();
        VerifiedTransaction t0 = first.submit(account(1).tx(suite, 0));
        VerifiedTransaction t1 = first.submit(account(1).tx(suite, 1));
        first.deactivate();
        pools.remove(first);
        TransactionPool second = pool();
        await(second::restoreIdle, "restore");
        assertEquals(2, second.size());
        chain.commit(second, List.of(t0));
        second.deactivate();
        pools.remove(second);
        TransactionPool third = pool();
        await(() -> third.restoreIdle() && storage.get(PendingTransactions.KEY) == null, "restore");
        assertEquals(hashes(List.of(t1)), hashes(third.pending(10)));
    }

    @Test
    void handOverIsPickedUpAtTheNextBlockWhenBothInstancesRan() throws Exception {
        // Blue/green: the new pool activates before the old one deactivates and writes its hand-over.
        TransactionPool old = pool();
        TransactionPool fresh = pool();
        VerifiedTransaction t = old.submit(account(1).tx(suite, 0));
        await(fresh::restoreIdle, "idle");
        old.deactivate();
        pools.remove(old);
        assertEquals(0, fresh.size());
        chain.commit(fresh, List.of());
        await(() -> fresh.restoreIdle() && fresh.size() == 1, "restore at the next block");
        assertEquals(hashes(List.of(t)), hashes(fresh.pending(10)));
    }

    @Test
    void encodingRoundTrips() {
        List<byte[]> txs = List.of(new byte[] {1, 2}, new byte[0], new byte[] {3});
        List<byte[]> back = PendingTransactions.decode(PendingTransactions.encode(txs));
        assertEquals(3, back.size());
        assertTrue(java.util.Arrays.equals(txs.get(0), back.get(0)));
        assertEquals(ByteBuffer.wrap(txs.get(2)), ByteBuffer.wrap(back.get(2)));
        assertThrows(MalformedDataException.class, () -> PendingTransactions.decode(new byte[] {0, 0, 0, 1}));
    }
}
