package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.TestPools.drain;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.network.Network;
import io.cairn.api.testing.CallerThreads;
import io.cairn.api.testing.StepClock;
import io.cairn.api.testing.TestReputation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pools gossiping over a network that delivers each broadcast at once on the sender's thread; received batches
 * are admitted on the compute pool, which runs them inline here, so every test is deterministic.
 */
class TransactionGossipTest {
    /** Delivers every broadcast to the other pools at once, on the caller's thread, and records it. */
    final class Net implements Network {
        final String id;

        Net(String id) {
            this.id = id;
        }

        @Override public String self() { return id; }
        @Override public List<Peer> peers() { return List.of(); }
        @Override public boolean send(String peerId, String topic, byte[] payload) { throw new UnsupportedOperationException(); }
        @Override public int maxPayload() { return 16 << 20; }
        @Override public Health health() { return Health.ready("fake"); }

        @Override
        public int broadcast(String topic, byte[] payload) {
            sent.add(new Sent(id, topic, payload));
            int n = 0;
            for (Map.Entry<String, TransactionPool> e : pools.entrySet()) {
                if (!e.getKey().equals(id)) {
                    e.getValue().onMessage(id, topic, payload);
                    n++;
                }
            }
            return n;
        }
    }

    record Sent(String from, String topic, byte[] payload) {}

    private final Map<String, TransactionPool> pools = new ConcurrentHashMap<>();
    private final Map<String, TestPools> nodes = new ConcurrentHashMap<>();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Fakes.Suite signer = new Fakes.Suite();

    private TransactionPool node(String id, boolean networked) {
        TestPools t = new TestPools();
        nodes.put(id, t);
        TransactionPool p = t.pool();
        if (networked) {
            p.bindNetwork(new Net(id));
        }
        pools.put(id, p);
        return p;
    }

    private TestReputation reputation(String node) {
        return nodes.get(node).reputation;
    }

    @AfterEach
    void deactivate() {
        nodes.values().forEach(TestPools::close);
    }

    private List<byte[]> txs(int sender, int count) {
        Fakes.Account a = Fakes.Account.of(signer, sender);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(a.tx(signer, i));
        }
        return out;
    }

    @Test
    void admittedTransactionsReachTheOtherPoolsInBatchesAndAreNotGossipedAgain() throws Exception {
        TransactionPool a = node("a", true);
        TransactionPool b = node("b", true);
        TransactionPool c = node("c", true);
        List<byte[]> txs = txs(1, 450);
        for (byte[] t : txs) {
            a.submit(t);
        }
        drain(a);
        drain(b);
        drain(c);
        assertEquals(450, b.size());
        assertEquals(450, c.size());
        assertEquals(450, a.gossipSent(), "every transaction gossiped");
        assertTrue(sent.stream().allMatch(s -> s.from().equals("a")), "received transactions are not gossiped again");
        assertTrue(sent.stream().allMatch(s -> s.topic().equals("tx")));
        int total = 0;
        for (Sent s : sent) {
            int n = TransactionGossip.decode(s.payload()).size();
            assertTrue(n >= 1 && n <= TransactionGossip.BATCH_TXS, "batch of " + n);
            total += n;
        }
        assertEquals(450, total);
        assertTrue(sent.size() >= 3 && sent.size() < 450, sent.size() + " messages for 450 transactions");
        // verified once per node
        assertEquals(450, nodes.get("a").suite.verifies.get());
        assertEquals(450, nodes.get("b").suite.verifies.get());
        assertEquals(450, nodes.get("c").suite.verifies.get());
        List<VerifiedTransaction> pending = b.pending(1000);
        assertArrayEquals(txs.get(0), pending.get(0).encoded());
        assertTrue(reputation("b").reports.isEmpty());
    }

    @Test
    void anActivatedPoolsLoopSendsTheBatchesOnItsOwn() throws Exception {
        TransactionPool a = node("a", true);
        TransactionPool b = node("b", true);
        a.activate();
        for (byte[] t : txs(10, 3)) {
            a.submit(t);
        }
        TestPools.await(() -> b.size() == 3, "the transactions on b");
        // a counts a batch once broadcast returns, which may be after b has taken it
        TestPools.await(() -> a.gossipSent() >= 3, "a's count of gossiped transactions");
        assertEquals(3, a.gossipSent());
    }

    @Test
    void aTransactionAlreadyKnownIsSkippedQuietly() throws Exception {
        TransactionPool a = node("a", true);
        TransactionPool b = node("b", true);
        byte[] t = txs(2, 1).get(0);
        b.submit(t); // gossiped to a
        drain(b);
        assertEquals(1, a.size());
        a.onMessage("b", "tx", TransactionGossip.encode(List.of(t))); // once more: DUPLICATE, ignored
        assertEquals(2, a.gossipReceived(), "the repeat handled");
        assertEquals(1, a.size());
        assertEquals(1, nodes.get("a").suite.verifies.get(), "the duplicate cost no verify");
        assertEquals(1, sent.size(), "a did not gossip what it received");
        assertTrue(reputation("a").reports.isEmpty(), "a duplicate is no misbehaviour");
    }

    @Test
    void theNetworkThreadNeverVerifiesAndAFullQueueDropsGossip() throws Exception {
        CallerThreads threads = CallerThreads.queued(1);
        List<String> admittedOn = new CopyOnWriteArrayList<>();
        TransactionGossip gossip = new TransactionGossip(() -> null,
                tx -> admittedOn.add(Thread.currentThread().getName()), threads, new TestReputation());
        byte[] batch = TransactionGossip.encode(List.of(new byte[] {1}));
        for (int i = 0; i < TransactionGossip.IN_QUEUE + 10; i++) {
            gossip.onMessage("peer", batch); // this test thread plays the network's I/O thread
        }
        assertEquals(10, gossip.droppedIn(), "a full queue drops gossip");
        assertEquals(List.of(), admittedOn, "nothing verified on the network thread");
        assertEquals(1, threads.queue.size(), "one drain per thread of the compute pool");
        Thread compute = new Thread(threads::runQueued, "compute-test");
        compute.start();
        compute.join();
        assertEquals(TransactionGossip.IN_QUEUE, admittedOn.size());
        assertTrue(admittedOn.stream().allMatch("compute-test"::equals));
        gossip.onMessage("peer", batch);
        assertEquals(1, threads.queue.size(), "room again once the queue drained");
        threads.runQueued();
        assertEquals(TransactionGossip.IN_QUEUE + 1, admittedOn.size());
    }

    @Test
    void aLongBatchLetsOtherWorkOnTheComputePoolInBetweenSlices() {
        CallerThreads threads = CallerThreads.queued(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        TransactionGossip gossip = new TransactionGossip(() -> null, tx -> ran.add("tx"), threads, new TestReputation());
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(new byte[] {(byte) i});
        }
        gossip.onMessage("peer", TransactionGossip.encode(many));
        threads.queue.add(() -> ran.add("proposal")); // another engine's task, queued behind the gossip
        threads.runQueued();
        assertEquals(101, ran.size());
        assertEquals(TransactionGossip.SLICE, ran.indexOf("proposal"), "it waited for one slice, not the batch");
    }

    @Test
    void aReceivedBatchIsPreparedWholeBeforeItsFirstTransactionIsAdmitted() {
        CallerThreads threads = CallerThreads.queued(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        TransactionGossip gossip = new TransactionGossip(() -> null, new TransactionGossip.Admit() {
            @Override
            public void admit(byte[] encoded) {
                ran.add("tx");
            }

            @Override
            public void prepare(List<byte[]> encoded) {
                ran.add("prepare " + encoded.size());
            }
        }, threads, new TestReputation());
        List<byte[]> many = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            many.add(new byte[] {(byte) i});
        }
        gossip.onMessage("peer", TransactionGossip.encode(many));
        threads.runQueued();
        assertEquals(71, ran.size());
        assertEquals("prepare 70", ran.get(0), "the whole batch, once, though it is admitted in slices");
    }

    @Test
    void withoutANetworkNothingIsGossiped() throws Exception {
        TransactionPool a = node("a", false);
        TransactionPool b = node("b", true);
        a.submit(txs(3, 1).get(0));
        drain(a);
        assertEquals(0, a.gossipSent());
        assertEquals(0, b.size());
        assertTrue(sent.isEmpty());
    }

    @Test
    void malformedBatchesAreReportedAndTheCodecNamesTheProblem() throws Exception {
        TransactionPool a = node("a", true);
        a.onMessage("x", "tx", new byte[] {0, 0, 0, 5, 1});
        a.onMessage("y", "other", TransactionGossip.encode(txs(4, 1)));
        assertEquals(0, a.size());
        assertEquals(List.of("x"), reputation("a").reports.stream().map(TestReputation.Report::peerId).toList());
        assertEquals("txpool", reputation("a").reports.get(0).reporter());
        assertTrue(reputation("a").reasons("x").get(0).startsWith("sent an undecodable transaction gossip batch"));
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> TransactionGossip.decode(new byte[] {0, 0, 0, 1, 0, 0, 0, 9}));
        assertTrue(e.getMessage().contains("transaction 0"), e.getMessage());
        List<byte[]> two = txs(5, 2);
        List<byte[]> back = TransactionGossip.decode(TransactionGossip.encode(two));
        assertArrayEquals(two.get(1), back.get(1));
    }

    @Test
    void provablyInvalidTransactionsAreReportedAndTheRestOfTheBatchIgnored() throws Exception {
        TransactionPool a = node("a", true);
        Fakes.Account s = Fakes.Account.of(signer, 6);
        byte[] good = s.tx(signer, 0);
        byte[] otherChain = s.tx(signer, Fakes.CHAIN + 1, 1, 1);
        byte[] badSignature = s.tx(signer, 2);
        badSignature[badSignature.length - 1] ^= 1;
        byte[] malformed = java.util.Arrays.copyOf(good, 40);
        a.onMessage("p1", "tx", TransactionGossip.encode(List.of(otherChain, good)));
        a.onMessage("p2", "tx", TransactionGossip.encode(List.of(badSignature, good)));
        a.onMessage("p3", "tx", TransactionGossip.encode(List.of(malformed, good)));
        assertEquals(0, a.size(), "nothing after the offence was taken");
        TestReputation r = reputation("a");
        assertTrue(r.reasons("p1").get(0).contains("is for chain 8"), r.reasons("p1").toString());
        assertTrue(r.reasons("p2").get(0).contains("signature does not verify"), r.reasons("p2").toString());
        assertTrue(r.reasons("p3").get(0).startsWith("gossiped transaction 0 of a batch"), r.reasons("p3").toString());
        assertTrue(r.isBanned("p1") && r.isBanned("p2") && r.isBanned("p3"));
    }

    @Test
    void whatABannedPeerGossipsIsIgnoredUntilItsBanEnds() throws Exception {
        TransactionPool a = node("a", true);
        TestReputation r = reputation("a");
        StepClock clock = nodes.get("a").clock;
        r.penalise("p", "pbft", "equivocated");
        byte[] t = txs(7, 1).get(0);
        a.onMessage("p", "tx", TransactionGossip.encode(List.of(t)));
        a.onMessage("p", "tx", new byte[] {9}); // not even looked at, so not reported again
        assertEquals(0, a.size());
        assertEquals(0, a.gossipReceived());
        assertEquals(1, r.reports.size());
        clock.advanceMillis(60_001);
        assertFalse(r.isBanned("p"));
        a.onMessage("p", "tx", TransactionGossip.encode(List.of(t)));
        assertEquals(1, a.size());
    }

    @Test
    void refusalsThatDependOnThisNodesStateAreNoMisbehaviour() throws Exception {
        TransactionPool a = node("a", true);
        Fakes.Account s = Fakes.Account.of(signer, 8);
        nodes.get("a").chain.setAccount(s.address(), 0, 0);
        byte[] unaffordable = s.tx(signer, 0);
        byte[] farAhead = s.tx(signer, 5000);
        a.onMessage("p", "tx", TransactionGossip.encode(List.of(unaffordable, farAhead)));
        a.unbindModel(nodes.get("a").model);
        a.onMessage("p", "tx", TransactionGossip.encode(txs(9, 1)));
        assertEquals(0, a.size());
        assertEquals(3, a.gossipReceived(), "each was looked at");
        assertTrue(reputation("a").reports.isEmpty(), reputation("a").reports.toString());
    }
}
