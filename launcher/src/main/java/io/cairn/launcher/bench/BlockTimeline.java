package io.cairn.launcher.bench;

import java.util.Arrays;

/**
 * The blocks seen during a run, by their own timestamps (wall-clock ms at production): committed
 * transfers per second over any window, and the longest stretch without a block. Appended to by one
 * watcher thread, read by others.
 */
final class BlockTimeline {
    private long[] times = new long[1024];
    private int[] counts = new int[1024];
    private int size;

    synchronized void add(long timestampMs, int transactions) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        times[size] = timestampMs;
        counts[size] = transactions;
        size++;
    }

    synchronized int blocks() {
        return size;
    }

    /** The timestamp of the newest block seen, or {@code Long.MIN_VALUE} before the first. */
    synchronized long lastTimestamp() {
        return size == 0 ? Long.MIN_VALUE : times[size - 1];
    }

    /** Transactions in blocks stamped within [fromMs, toMs). */
    synchronized long transactions(long fromMs, long toMs) {
        long n = 0;
        for (int i = 0; i < size; i++) {
            if (times[i] >= fromMs && times[i] < toMs) {
                n += counts[i];
            }
        }
        return n;
    }

    /** Committed transactions per second over [fromMs, toMs). */
    double tps(long fromMs, long toMs) {
        if (toMs <= fromMs) {
            throw new IllegalArgumentException("empty window [" + fromMs + ", " + toMs + ")");
        }
        return transactions(fromMs, toMs) * 1000.0 / (toMs - fromMs);
    }

    /**
     * The longest time within [fromMs, toMs) between consecutive blocks, the window's edges counting
     * as blocks when none falls exactly on them: what a client waiting for a commit sees as a stall.
     */
    synchronized long longestGapMs(long fromMs, long toMs) {
        long previous = fromMs;
        long longest = 0;
        for (int i = 0; i < size; i++) {
            long t = times[i];
            if (t < fromMs) {
                continue;
            }
            if (t >= toMs) {
                break;
            }
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        return Math.max(longest, toMs - previous);
    }

    /** Committed transactions per whole second from fromMs, one entry a second, for the report's plots. */
    synchronized long[] perSecond(long fromMs, long toMs) {
        int n = (int) Math.max(0, (toMs - fromMs + 999) / 1000);
        long[] out = new long[n];
        for (int i = 0; i < size; i++) {
            if (times[i] >= fromMs && times[i] < toMs) {
                out[(int) ((times[i] - fromMs) / 1000)] += counts[i];
            }
        }
        return out;
    }
}
