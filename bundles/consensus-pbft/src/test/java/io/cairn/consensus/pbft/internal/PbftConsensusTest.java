package io.cairn.consensus.pbft.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Seals;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.MemoryRecords;
import io.cairn.api.testing.TestReputation;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The DS component on a real thread: where the thread itself is the point. The protocol is tested on the harness. */
class PbftConsensusTest {

    static PbftConsensus.Config config(int blockTxs, long intervalMs, long viewTimeoutMs) {
        return new PbftConsensus.Config() {
            @Override public Class<? extends Annotation> annotationType() { return PbftConsensus.Config.class; }
            @Override public int blockTxs() { return blockTxs; }
            @Override public long intervalMs() { return intervalMs; }
            @Override public long viewTimeoutMs() { return viewTimeoutMs; }
            @Override public boolean emptyBlocks() { return false; }
        };
    }

    private static PbftConsensus component(PbftConsensus.Config config, TestReputation reputation) {
        return new PbftConsensus(config, Metrics.NONE, NodeThreads.DIRECT, reputation, new MemoryRecords(), NodeClock.SYSTEM);
    }

    @Test
    void badConfigurationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> component(config(0, 10, 1000), new TestReputation()));
        assertEquals("io.cairn.consensus.pbft: blockTxs must be at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> component(config(10, 10, 5), new TestReputation()));
        assertEquals("io.cairn.consensus.pbft: viewTimeoutMs must be at least 10, got 5", e.getMessage());
    }

    @Test
    void startsItsThreadOnActivateNotBeforeAndStopsItOnDeactivate() {
        PbftConsensus p = component(config(10, 10, 1000), new TestReputation());
        assertNull(p.eventThread(), "the constructor starts no thread");
        p.activate();
        Thread t = p.eventThread();
        assertTrue(t.isAlive());
        assertEquals("cairn-pbft", t.getName());
        p.deactivate();
        assertFalse(t.isAlive(), "deactivate joined the event thread");
    }

    /** A chain of one sealer: the event thread alone proposes, votes and commits; what the network hands in is heard. */
    @Test
    void aSingleSealerDecidesOnItsEventThread() throws InterruptedException {
        KeyedSuite suite = new KeyedSuite();
        Fakes.Key me = new Fakes.Key(suite, "only");
        Genesis genesis = new Genesis(Fakes.CHAIN, suite.name(), "account", 1000, List.of(me.hex), new TreeMap<>());
        Fakes.Pool pool = new Fakes.Pool();
        Fakes.Store store = new Fakes.Store(suite, genesis, pool);
        TestReputation reputation = new TestReputation();
        PbftConsensus p = component(config(1, 10, 1000), reputation);
        p.bindTxPool(pool);
        p.bindExecutor(new Fakes.Exec(suite));
        p.bindBlockStore(store);
        p.bindIdentity(me);
        p.bindSuite(new KeyedSuite("another-suite")); // several suites: the chain's is the one its genesis names
        p.bindSuite(suite);
        p.activate();
        try {
            p.onMessage("0xpeer", PbftEngine.TOPIC, new byte[] {1, 2, 3}); // garbage, from a peer
            p.onMessage("0xpeer", "tx", new byte[] {1, 2, 3}); // another topic: not consensus's
            TestChain txs = new TestChain(1, TestChain.settings(1, 10, 1000));
            pool.add(txs.txs(1));
            assertTrue(store.commits.tryAcquire(10, TimeUnit.SECONDS), "block 1 committed by the event thread");
            assertEquals(1, store.height());
            assertTrue(Seals.isFinal(store.hash(1).orElseThrow(), store.block(1).orElseThrow().seals(), genesis.sealers(), suite));
            assertEquals(List.of("0xpeer"), reputation.reports.stream().map(TestReputation.Report::peerId).toList(),
                    "the garbage, queued before the transaction, was heard first and reported");
            p.deactivate(); // joins the event thread: what it did is visible here
            ConsensusStatus s = p.status();
            assertEquals("pbft", p.engine());
            assertEquals(1, s.blocksCommitted());
            assertEquals(ConsensusStatus.Role.SEALER, s.bft().role());
            assertEquals(0, s.failures());
            assertFalse(p.health().ready(), "no network bound");
            assertEquals("waiting for network", p.health().detail());
        } finally {
            p.deactivate();
        }
        assertFalse(p.eventThread().isAlive());
    }
}
