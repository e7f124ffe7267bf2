package io.cairn.consensus.solo.internal;

import static io.cairn.consensus.solo.internal.Fakes.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.testing.StepClock;
import io.cairn.api.testing.TestGate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What one sealer step does, driven by hand on a stepped clock: no thread, no waiting. */
class SoloSealerTest {
    private final StepClock clock = new StepClock();
    private final Fakes.Pool pool = new Fakes.Pool();
    private final Fakes.Exec exec = new Fakes.Exec();
    private final Fakes.Identity identity = new Fakes.Identity(1);
    private final Fakes.Store store = new Fakes.Store(pool, List.of(Bytes.toHex(identity.publicKey)));

    /** The component, not started: the test takes its steps. */
    private SoloConsensus solo(int blockTxs, long intervalMs, boolean emptyBlocks) {
        SoloConsensus s = new SoloConsensus(config(blockTxs, intervalMs, emptyBlocks), NodeThreads.DIRECT, Metrics.NONE, clock);
        s.bindTxPool(pool);
        s.bindBlockStore(store);
        s.bindIdentity(identity);
        s.bindExecutor(exec);
        return s;
    }

    private static long step(SoloConsensus s) {
        return s.sealer().step(s.parts());
    }

    @Test
    void sealsAsSoonAsBlockTxsWaitWithTheNodesSeal() {
        SoloConsensus s = solo(3, 60_000, false);
        pool.add(2);
        assertTrue(step(s) > 0, "two of three wait for more");
        clock.advanceMillis(1_000);
        step(s);
        assertEquals(0, store.commits.size(), "two of three do not make a block before the interval");
        pool.add(2);
        assertEquals(0, step(s), "a block, and a look again at once");
        assertEquals(1, store.commits.size());
        ExecutedBlock b = store.commits.get(0);
        assertEquals(3, b.transactions().size());
        assertEquals(1, b.header().number());
        assertArrayEquals(identity.publicKey, b.header().sealer());
        assertEquals(clock.millis(), b.header().timestamp());
        byte[] hash = identity.suite.hash(b.header().encode());
        byte[] seal = store.seals.get(0).get(0);
        assertEquals(1, store.seals.get(0).size());
        assertArrayEquals(identity.publicKey, Arrays.copyOfRange(seal, 0, 64));
        assertArrayEquals(identity.sign(hash), Arrays.copyOfRange(seal, 64, 128));
        assertEquals(1, pool.size());

        ConsensusStatus status = s.status();
        assertEquals("solo", status.engine());
        assertEquals(2, status.height(), "the next block's number");
        assertEquals(Hash.of(hash), status.lastBlockHash());
        assertEquals(3, status.lastBlockTxs());
        assertEquals(1, status.blocksCommitted());
        assertEquals(3, status.blockTxs());
        assertNull(status.bft(), "solo does not vote");
        assertEquals("solo", s.engine());
    }

    @Test
    void sealsFewerOnceTheOldestHasWaitedTheInterval() {
        SoloConsensus s = solo(100, 200, false);
        pool.add(2);
        step(s);
        clock.advanceMillis(199);
        step(s);
        assertEquals(0, store.commits.size(), "not before the interval");
        clock.advanceMillis(1);
        step(s);
        assertEquals(1, store.commits.size());
        assertEquals(2, store.commits.get(0).transactions().size());
        assertEquals(0, pool.size());
        assertEquals(1, s.status().blocksCommitted());
    }

    @Test
    void underSteadyLoadBelowBlockTxsBlocksFollowEachOtherWithoutWaitingTheIntervalAgain() {
        SoloConsensus s = solo(100, 300, false);
        pool.add(5);
        store.afterCommit = () -> pool.add(5); // a pool that never runs dry, as under admission control
        step(s);
        clock.advanceMillis(300);
        assertEquals(0, step(s), "the first block, once the oldest waited the interval");
        for (int i = 0; i < 20; i++) {
            clock.advanceMillis(1);
            assertEquals(0, step(s), "block " + (i + 2) + " at once");
        }
        assertEquals(21, store.commits.size());
    }

    @Test
    void noEmptyBlocksByDefaultAndEveryIntervalWhenConfigured() {
        SoloConsensus quiet = solo(10, 5, false);
        for (int i = 0; i < 30; i++) {
            clock.advanceMillis(5);
            step(quiet);
        }
        assertEquals(0, store.commits.size());

        SoloConsensus empty = solo(10, 5, true);
        for (int i = 0; i < 3; i++) {
            clock.advanceMillis(5);
            step(empty);
        }
        assertEquals(3, store.commits.size());
        assertEquals(0, store.commits.get(0).transactions().size());
        assertEquals(3, store.commits.get(2).header().number());
    }

    @Test
    void aFailedStepIsCountedAndRetriedAfterAGrowingBackoff() {
        exec.failNext.set(2);
        SoloConsensus s = solo(1, 60_000, false);
        pool.add(1);
        long first = step(s);
        long second = step(s);
        assertTrue(second > first, "the backoff grows: " + first + ", " + second);
        assertEquals(0, step(s));
        assertEquals(1, store.commits.size());
        assertEquals(2, s.status().failures());
        store.refuseCommits.set(1);
        pool.add(1);
        assertTrue(step(s) > 0);
        assertEquals(0, step(s), "after a success the backoff starts again");
        assertEquals(2, store.commits.size());
        assertEquals(3, s.status().failures());
        assertEquals(3, s.status().height());
    }

    @Test
    void waitsWithoutAComponentAndSealsOnceItIsBound() {
        SoloConsensus s = solo(1, 10, false);
        s.unbindExecutor(exec);
        pool.add(3);
        assertEquals(SoloSealer.IDLE_NANOS, step(s));
        assertEquals("waiting for executor", s.health().detail());
        Fakes.Exec newer = new Fakes.Exec();
        s.bindExecutor(newer); // greedy: the new one bound first, then the old one unbound
        s.unbindExecutor(exec);
        for (int i = 0; i < 3; i++) {
            step(s);
        }
        assertEquals(3, store.commits.size());
        assertEquals(0, pool.size());
    }

    @Test
    void doesNotSealWhenThisNodeIsNotASealerOrItsKeyIsOfAnotherSuite() {
        Fakes.Store foreign = new Fakes.Store(pool, List.of(Bytes.toHex(new Fakes.Identity(2).publicKey)));
        SoloConsensus s = solo(1, 10, false);
        s.bindBlockStore(foreign);
        pool.add(1);
        step(s);
        assertEquals(0, foreign.commits.size());
        assertFalse(s.health().ready());
        assertTrue(s.health().detail().contains("is not a sealer"), s.health().detail());

        Fakes.Store otherSuite = new Fakes.Store(pool, List.of(Bytes.toHex(identity.publicKey))) {
            @Override
            public java.util.Optional<io.cairn.api.chain.Genesis> genesis() {
                return java.util.Optional.of(new io.cairn.api.chain.Genesis(Fakes.CHAIN, "sm2", "account", 1000,
                        List.of(Bytes.toHex(identity.publicKey)), new java.util.TreeMap<>()));
            }
        };
        s.bindBlockStore(otherSuite);
        step(s);
        assertEquals(0, otherSuite.commits.size());
        assertTrue(s.health().detail().contains("uses sm2"), s.health().detail());
    }

    @Test
    void aClosedGateMakesNoBlocksAndKeepsTheTransactionsAndEveryCommitIsInsideIt() {
        TestGate gate = new TestGate();
        gate.closed = true;
        SoloConsensus s = solo(1, 10, false);
        s.gate = gate;
        pool.add(3);
        for (int i = 0; i < 20; i++) {
            assertEquals(SoloSealer.GATE_NANOS, step(s));
        }
        assertEquals(20, s.sealer().gatedRounds());
        assertEquals(0, store.commits.size(), "no block while the gate is closed");
        assertEquals(3, pool.size(), "the pool keeps what waits");
        assertEquals(0, gate.entered.get());

        List<Integer> insideAtCommit = new CopyOnWriteArrayList<>();
        store.afterCommit = () -> insideAtCommit.add(gate.inside.get());
        gate.closed = false;
        for (int i = 0; i < 3; i++) {
            step(s);
        }
        assertEquals(3, store.commits.size());
        assertEquals(List.of(1, 1, 1), insideAtCommit, "the commit happens between tryEnter and exit");
        assertEquals(0, gate.inside.get(), "outside the gate between steps");
    }

    @Test
    void badConfigurationIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> solo(0, 10, false));
        assertEquals("io.cairn.consensus.solo: blockTxs must be at least 1, got 0", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> solo(1, 0, false));
        assertEquals("io.cairn.consensus.solo: intervalMs must be at least 1, got 0", e.getMessage());
    }
}
