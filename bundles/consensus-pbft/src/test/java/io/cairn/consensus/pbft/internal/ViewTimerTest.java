package io.cairn.consensus.pbft.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The view timeout: stretched to recent block times, but not for a leader seen at an earlier height. */
class ViewTimerTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    /** A timer configured to 1 s that learnt blocks of 5 s: its view timeout is stretched to 4 blocks, 8 s at most. */
    private static ViewTimer stretched() {
        ViewTimer t = new ViewTimer(1000);
        long now = 0;
        for (int i = 0; i < 20; i++) {
            t.arm(now);
            now += 5 * S;
            t.committed(0, now);
            t.newHeight();
        }
        assertEquals(8 * S, t.timeoutNanos(), "4 block times, capped at 8x the configured second");
        return t;
    }

    @Test
    void aLeaderSeenBehindIsWaitedForTheConfiguredTimeoutNotTheStretchedOne() {
        ViewTimer t = stretched();
        t.arm(0);
        assertFalse(t.expired(7 * S));
        t.leaderBehind(2 * S, 1);
        assertFalse(t.expired(3 * S - 1));
        assertTrue(t.expired(3 * S), "1 s after the leader was seen behind, not 8 s after the work began");
    }

    @Test
    void seeingTheLeaderBehindNeverPutsTheDeadlineLaterAndNeedsAnArmedTimer() {
        ViewTimer t = stretched();
        t.leaderBehind(0, 1);
        assertFalse(t.armed(), "no work at the height: nothing to time");
        t.arm(0);
        t.leaderBehind(7_500_000_000L, 1); // 7.5 s + 1 s would be after the 8 s deadline
        assertTrue(t.expired(8 * S));
        // after a view change in a row the configured timeout doubles for it too
        t.viewChangeAsked(8 * S); // deadline 8 s + 16 s
        t.leaderBehind(9 * S, 1);
        assertFalse(t.expired(11 * S - 1));
        assertTrue(t.expired(11 * S), "2 s: the configured second doubled once");
    }

    @Test
    void aLeaderThatProposesAfterAllGetsBackTheStretchedTimeout() {
        // the usual case: the next height's leader gets the last votes of the height before a moment after the others
        ViewTimer t = stretched();
        t.arm(0);
        t.leaderBehind(S / 10, 1); // capped at 1.1 s
        t.leaderProposed();
        assertFalse(t.expired(8 * S - 1), "a slow block still gets its stretched view");
        assertTrue(t.expired(8 * S));
    }

    @Test
    void aLeaderSeveralHeightsBehindIsWaitedForAboutOneBlockTime() {
        // blocks of 0.4 s under a configured 10 s: a leader two heights back needs two blocks' work before proposing
        ViewTimer t = new ViewTimer(10_000);
        long now = 0;
        for (int i = 0; i < 20; i++) {
            t.arm(now);
            now += 400_000_000L;
            t.committed(0, now);
            t.newHeight();
        }
        t.arm(now);
        t.leaderBehind(now, 2);
        assertFalse(t.expired(now + 400_000_000L - 1));
        assertTrue(t.expired(now + 400_000_000L), "one block time, not the configured 10 s");
        ViewTimer fresh = new ViewTimer(1000);
        fresh.arm(0);
        fresh.leaderBehind(0, 5);
        assertFalse(fresh.expired(S - 1), "no block time measured yet: the configured timeout");
        assertTrue(fresh.expired(S));
        t.viewChangeAsked(now); // a new view at the height, with the same leader seen one height back
        t.leaderBehind(now, 1);
        assertFalse(t.expired(now + 800_000_000L - 1));
        assertTrue(t.expired(now + 800_000_000L), "one height back: two block times");
        ViewTimer oneBack = stretched();
        oneBack.arm(0);
        oneBack.leaderBehind(0, 1);
        assertTrue(oneBack.expired(S) && !oneBack.expired(S - 1), "two block times of 5 s: the configured second");
    }
}
