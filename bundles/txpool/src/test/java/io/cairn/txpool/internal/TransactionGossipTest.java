package io.cairn.txpool.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.network.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    private final Map<String, Fakes.Suite> suites = new ConcurrentHashMap<>();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Fakes.Model model = new Fakes.Model();

    private TransactionPool node(String id, boolean networked) {
        TransactionPool p = new TransactionPool(TransactionPoolTest.config(200_000, 1000));
        Fakes.Suite suite = new Fakes.Suite();
        suites.put(id, suite);
        p.bindSuite(suite);
        p.bindBlockStore(new Fakes.Chain(1_000_000).withGenesis());
        p.bindModel(model);
        p.bindStorage(new Fakes.MemoryStorage());
        if (networked) {
            p.bindNetwork(new Net(id));
        }
        pools.put(id, p);
        return p;
    }

    @AfterEach
    void deactivate() {
        pools.values().forEach(TransactionPool::deactivate);
    }

    private List<byte[]> txs(int sender, int count) {
        Fakes.Account a = Fakes.Account.of(new Fakes.Suite(), sender);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(a.tx(new Fakes.Suite(), i));
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
        TransactionPoolTest.await(() -> b.size() == 450 && c.size() == 450, "the transactions on every node");
        TransactionPoolTest.await(() -> a.gossipSent() == 450, "every transaction gossiped");
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
        assertEquals(450, suites.get("a").verifies.get());
        assertEquals(450, suites.get("b").verifies.get());
        assertEquals(450, suites.get("c").verifies.get());
        List<VerifiedTransaction> pending = b.pending(1000);
        assertArrayEquals(txs.get(0), pending.get(0).encoded());
    }

    @Test
    void aTransactionAlreadyKnownIsSkippedQuietly() throws Exception {
        TransactionPool a = node("a", true);
        TransactionPool b = node("b", true);
        byte[] t = txs(2, 1).get(0);
        b.submit(t); // gossiped to a
        TransactionPoolTest.await(() -> a.size() == 1, "the transaction on a");
        a.onMessage("b", "tx", TransactionGossip.encode(List.of(t))); // once more: DUPLICATE, ignored
        TransactionPoolTest.await(() -> a.gossipReceived() == 2, "the repeat handled");
        assertEquals(1, a.size());
        assertEquals(1, suites.get("a").verifies.get(), "the duplicate cost no verify");
        assertEquals(1, sent.size(), "a did not gossip what it received");
    }

    @Test
    void theNetworkThreadNeverVerifiesEvenWhenTheQueueIsFull() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> admittedOn = new CopyOnWriteArrayList<>();
        TransactionGossip gossip = new TransactionGossip(() -> null, tx -> {
            admittedOn.add(Thread.currentThread().getName());
            try {
                release.await(); // the verification threads are busy
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            byte[] batch = TransactionGossip.encode(List.of(new byte[] {1}));
            int cores = Runtime.getRuntime().availableProcessors();
            for (int i = 0; i < TransactionGossip.IN_QUEUE + cores + 10; i++) {
                gossip.onMessage("peer", batch); // this test thread plays the network's I/O thread
            }
            assertTrue(gossip.droppedIn() > 0, "a full queue drops gossip");
            assertTrue(admittedOn.stream().noneMatch(n -> n.equals(Thread.currentThread().getName())),
                    "never verified on the network thread: " + admittedOn);
        } finally {
            release.countDown();
            gossip.close();
        }
    }

    @Test
    void withoutANetworkNothingIsGossiped() throws Exception {
        TransactionPool a = node("a", false);
        TransactionPool b = node("b", true);
        a.submit(txs(3, 1).get(0));
        assertEquals(0, a.gossipSent());
        assertEquals(0, b.size());
        assertTrue(sent.isEmpty());
    }

    @Test
    void malformedBatchesAreIgnoredAndTheCodecNamesTheProblem() throws Exception {
        TransactionPool a = node("a", true);
        a.onMessage("x", "tx", new byte[] {0, 0, 0, 5, 1});
        a.onMessage("x", "other", TransactionGossip.encode(txs(4, 1)));
        assertEquals(0, a.size());
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> TransactionGossip.decode(new byte[] {0, 0, 0, 1, 0, 0, 0, 9}));
        assertTrue(e.getMessage().contains("transaction 0"), e.getMessage());
        List<byte[]> two = txs(5, 2);
        List<byte[]> back = TransactionGossip.decode(TransactionGossip.encode(two));
        assertArrayEquals(two.get(1), back.get(1));
    }
}
