package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.TestPools.await;
import static io.cairn.txpool.internal.TestPools.config;
import static io.cairn.txpool.internal.TestPools.hashes;
import static io.cairn.txpool.internal.TestPools.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.PoolStatus;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.testing.RecordingMetrics;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The component: readiness, admission control, verification once, metrics, the loop thread, concurrency. */
class TransactionPoolTest {
    private final TestPools t = new TestPools();
    private final Fakes.Suite suite = t.suite;
    private final Fakes.Chain chain = t.chain;

    @AfterEach
    void deactivateAll() {
        t.close();
    }

    private Fakes.Account account(int n) {
        return t.account(n);
    }

    @Test
    void notReadyNamesWhatIsMissing() throws Exception {
        TransactionPool p = t.unbound(config(10, 10));
        byte[] tx = account(1).tx(suite, 0);
        assertEquals("txpool not ready: waiting for crypto suite, block store, ledger model",
                rejected(p, tx, Reason.NOT_READY).getMessage());
        p.bindSuite(suite);
        p.bindModel(t.model);
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
    void aSuiteTheGenesisDoesNotNameIsNotTheChains() throws Exception {
        chain.suite = "sm2";
        TransactionPool p = t.pool();
        TxRejectedException e = rejected(p, account(1).tx(suite, 0), Reason.NOT_READY);
        assertEquals("txpool not ready: the crypto suite 'test-keyed' is not the chain's: its genesis names 'sm2'",
                e.getMessage());
        assertFalse(p.health().ready());
        assertEquals(0, suite.verifies.get());
        chain.suite = suite.name();
        assertNotNull(p.submit(account(1).tx(suite, 0)));
    }

    @Test
    void clientsAreRefusedCheaplyPastTheAdmissionLimitWhileGossipStillFillsThePool() throws Exception {
        TransactionPool p = t.pool(config(100, 10, 1000, 3));
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
        assertEquals(4, p.size(), "the gossiped transaction admitted");
    }

    @Test
    void committedBlocksRaiseTheLimitAPoolAdmitsClientsUpTo() throws Exception {
        TransactionPool p = t.pool(config(100_000, 10, 60_000, 2));
        p.submit(account(1).tx(suite, 0));
        p.submit(account(2).tx(suite, 0));
        rejected(p, account(3).tx(suite, 0), Reason.POOL_FULL);
        chain.commit(p, p.pending(10)); // the first block only starts the clock
        t.clock.advanceMillis(5);
        p.submit(account(1).tx(suite, 1));
        p.submit(account(2).tx(suite, 1));
        chain.commit(p, p.pending(10)); // 2 transactions committed: about 0.4 tx/s over the 5 s average
        for (int i = 3; i <= 6; i++) { // 60 s of that rate is over 20 transactions
            p.submit(account(i).tx(suite, 0));
        }
        assertEquals(4, p.size());
        PoolStatus s = p.status();
        assertEquals(4, s.size());
        assertEquals(100_000, s.capacity());
        assertEquals(0.4, s.commitRate(), 0.01);
        assertEquals(23, s.clientLimit(), "0.4 tx/s for 60 s");
    }

    @Test
    void poolFull() throws Exception {
        TransactionPool p = t.pool(2, 10);
        p.submit(account(1).tx(suite, 0));
        p.submit(account(2).tx(suite, 0));
        assertEquals("pool full: 2 of 2", rejected(p, account(3).tx(suite, 0), Reason.POOL_FULL).getMessage());
        assertEquals(2, p.capacity());
        assertEquals(2, p.size());
        assertEquals(new PoolStatus(2, 2, 2, 0.0), p.status());
    }

    @Test
    void metricsCountAdmissionsBySourceAndRefusalsByReason() throws Exception {
        TransactionPool p = t.pool();
        RecordingMetrics m = t.metrics;
        byte[] tx = account(1).tx(suite, 0);
        p.submit(tx);
        rejected(p, tx, Reason.DUPLICATE);
        rejected(p, account(2).tx(suite, Fakes.CHAIN + 1, 0, 1), Reason.WRONG_CHAIN);
        p.onMessage("peer", TransactionGossip.TOPIC, TransactionGossip.encode(List.of(account(3).tx(suite, 0))));
        assertEquals(1, m.count("txpool_admitted", "source", "client"));
        assertEquals(1, m.count("txpool_admitted", "source", "gossip"));
        assertEquals(0, m.count("txpool_admitted", "source", "handover"));
        assertEquals(1, m.count("txpool_rejected", "reason", "DUPLICATE"));
        assertEquals(1, m.count("txpool_rejected", "reason", "WRONG_CHAIN"));
        assertEquals(2.0, m.gauge("txpool_pending"));
        t.retire(p);
        assertTrue(Double.isNaN(m.gauge("txpool_pending")), "the gauge leaves with the pool");
        TransactionPool next = t.pool();
        TestPools.drain(next);
        assertEquals(2, m.count("txpool_admitted", "source", "handover"));
        assertEquals(2.0, m.gauge("txpool_pending"));
    }

    // ---- verification once

    @Test
    void verifiesEachTransactionExactlyOnce() throws Exception {
        TransactionPool p = t.pool();
        List<byte[]> txs = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            for (int n = 0; n < 5; n++) {
                txs.add(account(s).tx(suite, n));
            }
        }
        for (byte[] tx : txs) {
            p.submit(tx);
        }
        assertEquals(50, suite.verifies.get());
        List<VerifiedTransaction> pending = p.pending(100);
        assertEquals(50, pending.size());
        p.pending(100);
        chain.commit(p, pending.subList(0, 20));
        for (byte[] tx : txs) {
            rejected(p, tx, Reason.DUPLICATE);
        }
        assertEquals(50, suite.verifies.get(), "pending, commit and duplicates never verify again");
    }

    @Test
    void thePoolKeepsItsOwnCopyOfTheBytes() throws Exception {
        TransactionPool p = t.pool();
        byte[] tx = account(1).tx(suite, 0);
        byte[] sent = tx.clone();
        VerifiedTransaction v = p.submit(tx);
        tx[tx.length - 1] ^= 1; // a caller reusing its buffer
        assertTrue(java.util.Arrays.equals(sent, p.get(v.hash()).orElseThrow().encoded()));
    }

    // ---- dependencies coming and going

    @Test
    void keepsPendingWhileADependencyIsAway() throws Exception {
        TransactionPool p = t.pool();
        VerifiedTransaction tx = p.submit(account(1).tx(suite, 0));
        p.unbindModel(t.model);
        assertFalse(p.health().ready());
        rejected(p, account(2).tx(suite, 0), Reason.NOT_READY);
        assertEquals(hashes(List.of(tx)), hashes(p.pending(10)));
        p.bindModel(new Fakes.Model());
        assertTrue(p.health().ready());
        assertEquals(hashes(List.of(tx)), hashes(p.pending(10)));
    }

    @Test
    void aBatchIsPreparedForTheModelUnlessThePoolWouldRefuseItForWantOfRoom() throws Exception {
        List<Integer> prepared = new java.util.concurrent.CopyOnWriteArrayList<>();
        TransactionPool p = t.pool(2, 10);
        p.bindModel(new Fakes.Model() {
            @Override
            public boolean prepares() {
                return true;
            }

            @Override
            public void prepare(List<VerifiedTransaction> txs) {
                prepared.add(txs.size());
            }
        });
        byte[] a = account(1).tx(suite, 0);
        byte[] b = account(2).tx(suite, 0);
        p.prepare(List.of(a, b, new byte[] {1, 2, 3}));
        assertEquals(List.of(2), prepared, "what decodes, in one call; bytes that do not decode are left to submit");
        p.submit(a);
        p.submit(b);
        p.prepare(List.of(account(3).tx(suite, 0)));
        assertEquals(List.of(2), prepared, "a full pool starts no work for what it will refuse");
    }

    @Test
    void unbindOfAReplacedProviderKeepsTheNewOne() throws Exception {
        TransactionPool p = t.pool();
        Fakes.Model newer = new Fakes.Model();
        p.bindModel(newer); // greedy: the new provider is bound before the old one is unbound
        p.unbindModel(t.model);
        assertNotNull(p.submit(account(1).tx(suite, 0)));
    }

    // ---- the loop thread: started on activate only, stopped on deactivate

    private static boolean poolThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(th -> th.getName().equals("cairn-txpool") && th.isAlive());
    }

    @Test
    void constructorAndBindsStartNoThreadActivateStartsTheLoopAndDeactivateStopsIt() throws Exception {
        assertFalse(poolThreadAlive());
        TransactionPool p = t.pool();
        assertFalse(poolThreadAlive(), "no thread from the constructor or a bind method");
        p.activate();
        assertTrue(poolThreadAlive());
        t.retire(p);
        assertFalse(poolThreadAlive(), "deactivate joined the loop");
    }

    @Test
    void anActivatedPoolTakesTheHandOverBackOnItsOwnThread() throws Exception {
        TransactionPool first = t.pool();
        VerifiedTransaction tx = first.submit(account(1).tx(suite, 0));
        t.retire(first);
        TransactionPool second = t.pool();
        second.activate();
        await(() -> second.restoreIdle() && second.size() == 1, "the hand-over taken back by the loop");
        assertEquals(hashes(List.of(tx)), hashes(second.pending(10)));
    }

    // ---- concurrency

    @Test
    void concurrentSubmitsLoseAndDuplicateNothing() throws Exception {
        TransactionPool p = t.pool();
        int threads = 8;
        int sendersPerThread = 25;
        int noncesPerSender = 20;
        List<byte[]> all = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, List<byte[]>> perThread = new HashMap<>();
        for (int th = 0; th < threads; th++) {
            List<byte[]> mine = new ArrayList<>();
            for (int s = 0; s < sendersPerThread; s++) {
                Fakes.Account a = account(th * 1000 + s);
                for (int n = 0; n < noncesPerSender; n++) {
                    mine.add(a.tx(suite, n));
                }
            }
            perThread.put(th, mine);
            all.addAll(mine);
        }
        ExecutorService exec = Executors.newFixedThreadPool(threads * 2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            ConcurrentLinkedQueue<Hash> accepted = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> done = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                List<byte[]> mine = perThread.get(th);
                // two submitters per slice send the same transactions: each must be admitted exactly once
                for (int copy = 0; copy < 2; copy++) {
                    done.add(exec.submit(() -> {
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
                assertEquals(expected, Fakes.transfer(v).nonce(), "per sender in nonce order");
                next.put(v.sender(), expected + 1);
            }
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void concurrentSubmitsAndCommits() throws Exception {
        TransactionPool p = t.pool();
        int senders = 40;
        int nonces = 50;
        ExecutorService exec = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int th = 0; th < 4; th++) {
                int slice = th;
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
}
