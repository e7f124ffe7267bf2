package io.cairn.consensus.pbft.internal;

import java.util.concurrent.TimeUnit;

/**
 * When this node gives up on a view: the view timeout runs while the height has work and no block commits. It is
 * the configured one, stretched to a few recent block times (under load a block takes longer to verify and execute,
 * and a timeout shorter than that only replaces a slow leader by another slow one), doubled per consecutive view
 * change at the height, up to 8x; but not stretched for a leader seen behind, and short for one seen several
 * heights behind ({@link #leaderBehind}).
 */
final class ViewTimer {
    static final int MAX_SHIFT = 3;
    private static final long NONE = Long.MIN_VALUE;
    /** The view timeout is at least this many times the recent block time... */
    private static final int PER_BLOCK_TIME = 4;
    /** ... but the adaptation never stretches it beyond this many times the configured one. */
    private static final int MAX_ADAPTIVE_FACTOR = 8;

    private volatile long configuredNanos;
    private volatile long shownNanos;
    private long deadline = NONE;
    /** The deadline before a leader seen behind capped it, or NONE. */
    private long uncapped = NONE;
    private int consecutive;
    /** When the height in progress first had work (timer armed), for the block time the timeout adapts to. */
    private long busySince = NONE;
    /** Smoothed time from work to commit of recent view-0 blocks; 0 until one is measured. */
    private long recentBlockNanos;

    ViewTimer(long viewTimeoutMs) {
        configure(viewTimeoutMs);
    }

    void configure(long viewTimeoutMs) {
        configuredNanos = TimeUnit.MILLISECONDS.toNanos(viewTimeoutMs);
    }

    private long baseNanos() {
        long configured = configuredNanos;
        return Math.max(configured, Math.min(configured * MAX_ADAPTIVE_FACTOR, recentBlockNanos * PER_BLOCK_TIME));
    }

    long timeoutNanos() {
        return baseNanos() << Math.min(consecutive, MAX_SHIFT);
    }

    /** Starts the timer unless it runs. */
    void arm(long now) {
        if (deadline == NONE) {
            deadline = now + timeoutNanos();
            if (busySince == NONE) {
                busySince = now;
            }
        }
    }

    /** Starts the timer afresh: a new view, or a request for one. */
    void restart(long now) {
        deadline = now + timeoutNanos();
        uncapped = NONE;
    }

    /**
     * The view's leader was seen {@code heights} heights back: it cannot propose before it catches up, however long
     * blocks take here, so the view lasts at most the configured timeout from now (doubled per view change in a row),
     * not the one stretched to recent block times; and less once a block time is measured. One height back it may be
     * just finishing the height before (its last votes reach it after the others'): it needs that block and its own,
     * two block times. Two or more back it must apply as many blocks before proposing, more than a block time: the
     * view lasts one block time, and the next leader proposes. Never later than the deadline already set.
     */
    void leaderBehind(long now, long heights) {
        if (deadline == NONE) {
            return;
        }
        long configured = configuredNanos << Math.min(consecutive, MAX_SHIFT);
        long blocks = heights >= 2 ? recentBlockNanos : 2 * recentBlockNanos;
        long wait = recentBlockNanos > 0 ? Math.min(configured, blocks) : configured;
        long capped = now + wait;
        if (capped - deadline < 0) {
            if (uncapped == NONE) {
                uncapped = deadline;
            }
            deadline = capped;
        }
    }

    /**
     * The view's leader proposed: it was behind only for a moment (the last votes of the height before reach it
     * after the others), so the view gets back the deadline it had before {@link #leaderBehind}.
     */
    void leaderProposed() {
        if (uncapped != NONE && deadline != NONE && uncapped - deadline > 0) {
            deadline = uncapped;
        }
        uncapped = NONE;
    }

    /** This node asked for another view: the next one gets longer. */
    void viewChangeAsked(long now) {
        consecutive++;
        restart(now);
    }

    /** Resumes a height where a restarted node left it: as many changes in a row as it had asked for. */
    void resume(int viewChangesInARow) {
        consecutive = Math.min(MAX_SHIFT, Math.max(0, viewChangesInARow));
    }

    boolean armed() {
        return deadline != NONE;
    }

    boolean expired(long now) {
        return deadline != NONE && now - deadline >= 0;
    }

    void disarm() {
        deadline = NONE;
        uncapped = NONE;
    }

    void newHeight() {
        deadline = NONE;
        uncapped = NONE;
        consecutive = 0;
        busySince = NONE;
    }

    /** Learns the block time from blocks decided in their first view (a view change's wait is not block time). */
    void committed(long view, long now) {
        if (view != 0 || consecutive != 0 || busySince == NONE) {
            return;
        }
        long took = now - busySince;
        recentBlockNanos = recentBlockNanos == 0 ? took : (recentBlockNanos * 3 + took) / 4;
        shownNanos = baseNanos();
    }

    long configuredMs() {
        return TimeUnit.NANOSECONDS.toMillis(configuredNanos);
    }

    /** The view timeout in force, as last learnt. Any thread. */
    long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(Math.max(configuredNanos, shownNanos));
    }
}
