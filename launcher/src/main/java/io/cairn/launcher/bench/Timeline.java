package io.cairn.launcher.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Transactions committed in each second of a bench's load (warm-up included), as its watcher saw the blocks, and how
 * soon the load reached most of its steady rate: what a fresh node's first minute looks like. One thread records.
 */
final class Timeline {
    /** Seconds averaged when looking for the rate reached: blocks come in bursts, a single second is noisy. */
    static final int SMOOTHING = 3;

    private final long origin;
    private long[] seconds = new long[64];
    private int used;

    /** @param origin {@link System#nanoTime()} when the load started */
    Timeline(long origin) {
        this.origin = origin;
    }

    /** {@code count} transactions seen committed at {@code now}; before the origin counts as its first second. */
    void committed(long now, int count) {
        int s = (int) Math.max(0, (now - origin) / 1_000_000_000L);
        while (s >= seconds.length) {
            seconds = java.util.Arrays.copyOf(seconds, seconds.length * 2);
        }
        seconds[s] += count;
        used = Math.max(used, s + 1);
    }

    /** Committed in each whole second of the load, up to {@code end} (nanoTime, the end of sending). */
    List<Long> perSecond(long end) {
        int n = (int) Math.max(0, Math.min(used, (end - origin) / 1_000_000_000L));
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(seconds[i]);
        }
        return out;
    }

    /** The steady rate: the mean of the last third of the seconds (a fresh node is warm by then). */
    static double steady(List<Long> perSecond) {
        int n = perSecond.size();
        if (n == 0) {
            return 0;
        }
        int from = n - Math.max(1, n / 3);
        return perSecond.subList(from, n).stream().mapToLong(Long::longValue).average().orElse(0);
    }

    /**
     * Seconds from the start of the load until a {@value #SMOOTHING}-second mean first reached {@code fraction} of
     * the steady rate (the end of that span); empty when it never did.
     */
    static OptionalInt secondsToReach(List<Long> perSecond, double fraction) {
        double target = fraction * steady(perSecond);
        if (target <= 0) {
            return OptionalInt.empty();
        }
        long sum = 0;
        for (int i = 0; i < perSecond.size(); i++) {
            sum += perSecond.get(i);
            if (i >= SMOOTHING) {
                sum -= perSecond.get(i - SMOOTHING);
            }
            if (i >= SMOOTHING - 1 && sum >= target * SMOOTHING) {
                return OptionalInt.of(i + 1);
            }
        }
        return OptionalInt.empty();
    }
}
