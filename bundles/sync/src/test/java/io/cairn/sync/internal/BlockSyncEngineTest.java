package io.cairn.sync.internal;

import static io.cairn.sync.internal.Fakes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.sync.SyncStatus;
import io.cairn.api.testing.TestReputation;
import io.cairn.sync.internal.Fakes.Chain;
import io.cairn.sync.internal.Fakes.Hub;
import io.cairn.sync.internal.Fakes.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The component with its real threads: the loop, the apply thread and a compute pool working together. */
class BlockSyncEngineTest {
    private static final int PAYLOAD = 8 << 20;
    private static final long WAIT_MS = 30000;

    /** A small compute pool of real threads; engine loops are started as the node's threads start them. */
    static final class TestThreads implements NodeThreads, AutoCloseable {
        final AtomicInteger tasks = new AtomicInteger();
        private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "test-compute");
            t.setDaemon(true);
            return t;
        });

        @Override public java.util.concurrent.Executor compute() {
            return r -> {
                tasks.incrementAndGet();
                pool.execute(r);
            };
        }
        @Override public int parallelism() { return 2; }
        @Override public void parallel(int parts, IntConsumer part) { NodeThreads.DIRECT.parallel(parts, part); }
        @Override public Thread start(String name, Runnable loop) { return NodeThreads.DIRECT.start(name, loop); }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    private final Hub hub = new Hub(3);
    private final TestThreads threads = new TestThreads();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        hub.close();
        threads.close();
    }

    private Node node(String id, Fakes.Store store) {
        Node n = new Node(id, store, CatchUpTest.CONFIG, threads, NodeClock.SYSTEM, h -> hub.join(id, h, PAYLOAD));
        n.sync.activate();
        open.add(n);
        return n;
    }

    private static boolean syncThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("cairn-sync") && t.isAlive());
    }

    @Test
    void laggingNodeCatchesUpFromThreePeersOnTheRealThreads() throws Exception {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 240);
        Node a = node("a", chain.store(240));
        Node b = node("b", chain.store(240));
        Node c = node("c", chain.store(240));
        Node late = node("late", chain.store(0));

        await("the lagging node reaches block 240", WAIT_MS, () -> late.height() == 240);

        CatchUpTest.assertSameChain(chain, late);
        for (Node peer : List.of(a, b, c)) {
            assertTrue(hub.count("late", peer.id, SyncMessage.GET_BLOCKS) > 0, "peer " + peer.id + " was never asked");
        }
        assertTrue(hub.maxOutstanding("late") >= 3, "requests to 3 peers were never in flight together: "
                + hub.maxOutstanding("late"));
        assertEquals(240, late.status().blocksApplied());
        assertEquals(0, late.status().badBlocks());
        assertTrue(threads.tasks.get() >= 240 / 8, "responses checked on the compute pool: " + threads.tasks.get());
        await("the lagging node reports itself in step", WAIT_MS, () -> !late.status().syncing());
        assertEquals(Map.of("a", 240L, "b", 240L, "c", 240L), late.status().peers());
    }

    @Test
    void threadsStartOnActivateOnlyAndDeactivateStopsThem() throws Exception {
        assertFalse(syncThreadAlive());
        BlockSyncEngine sync = new BlockSyncEngine(CatchUpTest.CONFIG, Metrics.NONE, threads, new TestReputation(),
                NodeClock.SYSTEM);
        sync.blockStore = new Chain(Fakes.CHAIN_ID, 1, 1).store(1);
        assertFalse(syncThreadAlive(), "no thread from the constructor or a bind");
        sync.activate();
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("cairn-sync")));
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("cairn-sync-apply")));
        sync.deactivate();
        assertFalse(syncThreadAlive(), "deactivate joined both threads");
    }

    @Test
    void withoutItsComponentsSyncWaitsAndReportsWhy() throws Exception {
        BlockSyncEngine sync = new BlockSyncEngine(CatchUpTest.CONFIG, Metrics.NONE, threads, new TestReputation(),
                NodeClock.SYSTEM);
        sync.activate();
        open.add(sync::deactivate);
        assertFalse(sync.health().ready());
        assertEquals("no network", sync.health().detail());
        sync.onMessage("x", SyncMessage.TOPIC, new byte[] {1, 1});
        SyncStatus s = sync.status();
        assertEquals(-1L, s.height());
        assertFalse(s.syncing());
        assertEquals(List.of(), s.penalisedPeers());
    }

    @Test
    void aSuiteOtherThanTheChainsIsNotReady() {
        BlockSyncEngine sync = new BlockSyncEngine(CatchUpTest.CONFIG, Metrics.NONE, threads, new TestReputation(),
                NodeClock.SYSTEM);
        Chain chain = new Chain(Fakes.CHAIN_ID, 1, 1);
        sync.network = hub.join("n", sync, PAYLOAD);
        sync.blockStore = chain.store(1);
        sync.executor = new Fakes.Exec((Fakes.Store) sync.blockStore);
        sync.suite = new io.cairn.api.testing.KeyedSuite("sm2");
        assertEquals("the crypto suite 'sm2' is not the chain's: its genesis names 'test-keyed'", sync.health().detail());
        sync.suite = Fakes.SUITE;
        assertTrue(sync.health().ready(), sync.health().detail());
    }

    @Test
    void badConfigurationNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BlockSyncEngine(Fakes.config(50, 0, 4, 400), Metrics.NONE, threads, new TestReputation(),
                        NodeClock.SYSTEM));
        assertTrue(e.getMessage().contains("batchBlocks"), e.getMessage());
    }
}
