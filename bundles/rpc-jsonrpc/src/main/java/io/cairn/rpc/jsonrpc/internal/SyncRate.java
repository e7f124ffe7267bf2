package io.cairn.rpc.jsonrpc.internal;

import java.util.ArrayDeque;

/**
 * The rate at which sync applies blocks, for getSyncStatus (docs/rpc.md): measured between the answers it gives, over
 * the last {@value #WINDOW_MS} ms, or since the answer before when that is older. Sync's counters count since its
 * engine started, so a counter that went back (the engine was swapped) starts the measure again.
 */
final class SyncRate {
    static final long WINDOW_MS = 10_000;
    /** Two answers closer than this give no rate yet (0): too short a time to say. */
    static final long MIN_SPAN_MS = 500;

    private static final long SPACING_MS = 100;

    private record Sample(long nanos, long applied) {}

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    /** Blocks per second, rounded to a tenth, from the counter {@code applied} read at {@code nanos}. */
    synchronized double sample(long nanos, long applied) {
        if (!samples.isEmpty() && samples.peekLast().applied() > applied) {
            samples.clear();
        }
        // keep the newest sample older than the window: an answer a minute after the last still has a rate
        while (samples.size() > 1) {
            java.util.Iterator<Sample> it = samples.iterator();
            it.next();
            if (nanos - it.next().nanos() < WINDOW_MS * 1_000_000) {
                break;
            }
            samples.pollFirst();
        }
        Sample first = samples.peekFirst();
        if (samples.isEmpty() || nanos - samples.peekLast().nanos() >= SPACING_MS * 1_000_000) {
            samples.addLast(new Sample(nanos, applied)); // callers in a loop keep at most one sample per spacing
        }
        if (first == null || nanos - first.nanos() < MIN_SPAN_MS * 1_000_000) {
            return 0;
        }
        double perSecond = (applied - first.applied()) * 1e9 / (nanos - first.nanos());
        return Math.round(perSecond * 10) / 10.0;
    }
}
