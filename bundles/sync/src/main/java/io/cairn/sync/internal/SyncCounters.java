package io.cairn.sync.internal;

import io.cairn.api.runtime.Metrics;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What sync counts: since this engine started, for its status, and in the node's metrics, which keep counting
 * across engine swaps ({@code sync_blocks_applied}, {@code sync_bad_blocks}, {@code sync_requests_served},
 * {@code sync_timeouts}). Thread-safe.
 */
final class SyncCounters {
    final AtomicLong blocksFetched = new AtomicLong();
    final AtomicLong blocksApplied = new AtomicLong();
    final AtomicLong badBlocks = new AtomicLong();
    final AtomicLong badMessages = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong requestsServed = new AtomicLong();
    final AtomicLong committedByOthers = new AtomicLong();
    final AtomicLong droppedMessages = new AtomicLong();
    private final Metrics.Counter applied;
    private final Metrics.Counter bad;
    private final Metrics.Counter served;
    private final Metrics.Counter late;

    SyncCounters(Metrics metrics) {
        applied = metrics.counter("sync_blocks_applied", "Blocks fetched from peers, executed and committed by sync");
        bad = metrics.counter("sync_bad_blocks", "Fetched blocks refused: bad seals, body, parent or execution");
        served = metrics.counter("sync_requests_served", "Block requests of peers this node answered");
        late = metrics.counter("sync_timeouts", "Block requests a peer left unanswered, asked of another");
    }

    void applied() {
        blocksApplied.incrementAndGet();
        applied.inc();
    }

    void badBlock() {
        badBlocks.incrementAndGet();
        bad.inc();
    }

    void served() {
        requestsServed.incrementAndGet();
        served.inc();
    }

    void timedOut(int n) {
        timeouts.addAndGet(n);
        late.inc(n);
    }
}
