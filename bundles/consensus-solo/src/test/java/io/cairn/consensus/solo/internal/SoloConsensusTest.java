package io.cairn.consensus.solo.internal;

import io.cairn.api.testing.Await;
import static io.cairn.consensus.solo.internal.Fakes.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The component with its real sealer thread: starting, waking on a bind, stopping. Logic is in SoloSealerTest. */
class SoloConsensusTest {
    private final Fakes.Pool pool = new Fakes.Pool();
    private final Fakes.Exec exec = new Fakes.Exec();
    private final Fakes.Identity identity = new Fakes.Identity(1);
    private final Fakes.Store store = new Fakes.Store(pool, List.of(Bytes.toHex(identity.publicKey)));
    private final List<SoloConsensus> started = new ArrayList<>();

    private SoloConsensus solo(int blockTxs, long intervalMs, boolean bindExecutor) {
        SoloConsensus s = new SoloConsensus(config(blockTxs, intervalMs, false), NodeThreads.DIRECT, Metrics.NONE);
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

    static void await(BooleanSupplier condition, String what) {
        Await.until(what, java.time.Duration.ofSeconds(10), condition);
    }

    @Test
    void noThreadBeforeActivationAndOneNamedDaemonAfterStoppedOnDeactivate() throws Exception {
        SoloConsensus s = solo(10, 500, true);
        assertNull(s.sealerThread(), "the constructor starts nothing");
        s.start();
        Thread t = s.sealerThread();
        assertTrue(t.isAlive());
        assertTrue(t.isDaemon());
        assertEquals("cairn-" + SoloConsensus.THREAD_NAME, t.getName());
        assertTrue(s.health().ready(), s.health().detail());
        s.deactivate();
        started.remove(s);
        assertFalse(t.isAlive());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(x -> x.getName().equals(t.getName())),
                "no sealer thread left");
        assertEquals("the sealer thread has stopped", s.health().detail());
    }

    @Test
    void theRunningSealerMakesBlocksAndABindWakesIt() {
        SoloConsensus s = solo(1, 60_000, false);
        s.start();
        pool.add(3);
        long rounds = s.rounds();
        await(() -> s.rounds() > rounds + 3, "sealer rounds");
        assertEquals(0, store.commits.size());
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
}
