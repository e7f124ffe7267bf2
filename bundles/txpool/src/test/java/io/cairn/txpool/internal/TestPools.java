package io.cairn.txpool.internal;

import io.cairn.api.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.testing.MemoryRecords;
import io.cairn.api.testing.RecordingMetrics;
import io.cairn.api.testing.StepClock;
import io.cairn.api.testing.TestReputation;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Pools over one fake chain, with the api's fixtures for records, reputation and time; deactivates them at the end. */
final class TestPools implements AutoCloseable {
    final Fakes.Suite suite = new Fakes.Suite();
    final Fakes.Chain chain = new Fakes.Chain(1_000_000).withGenesis();
    final Fakes.Model model = new Fakes.Model();
    final MemoryRecords records = new MemoryRecords();
    final StepClock clock = new StepClock();
    final TestReputation reputation = new TestReputation(clock, 60_000);
    final RecordingMetrics metrics = new RecordingMetrics();
    final List<TransactionPool> pools = new ArrayList<>();
    NodeThreads threads = NodeThreads.DIRECT;

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

    /** A pool constructed and bound, not activated: no thread runs; tests drive {@link TransactionPool#step}. */
    TransactionPool unbound(TransactionPool.Config config) {
        TransactionPool p = new TransactionPool(config, metrics, threads, records, reputation, clock);
        pools.add(p);
        return p;
    }

    TransactionPool pool(TransactionPool.Config config) {
        TransactionPool p = unbound(config);
        p.bindSuite(suite);
        p.bindBlockStore(chain);
        p.bindModel(model);
        return p;
    }

    TransactionPool pool(int capacity, int maxNonceGap) {
        return pool(config(capacity, maxNonceGap));
    }

    TransactionPool pool() {
        return pool(200_000, 1000);
    }

    Fakes.Account account(int n) {
        return Fakes.Account.of(suite, n);
    }

    /** Deactivates the pool, as DS does when it is replaced. */
    void retire(TransactionPool p) {
        p.deactivate();
        pools.remove(p);
    }

    /** Runs the pool's loop by hand until the hand-over is taken back and every gossip batch sent. */
    static void drain(TransactionPool p) throws InterruptedException {
        for (int i = 0; i < 100_000 && (p.step(0) || p.gossipQueued() > 0); i++) {
            // each round takes back and sends one batch
        }
    }

    static List<Hash> hashes(List<VerifiedTransaction> txs) {
        return txs.stream().map(VerifiedTransaction::hash).toList();
    }

    static TxRejectedException rejected(TransactionPool p, byte[] tx, Reason reason) {
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> p.submit(tx));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    /** Waits for a condition other threads make true, with a deadline; for the tests where threads are the point. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(what, java.time.Duration.ofSeconds(10), condition);
    }

    @Override
    public void close() {
        for (TransactionPool p : new ArrayList<>(pools)) {
            p.deactivate();
        }
        pools.clear();
    }
}
