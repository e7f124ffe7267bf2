package io.cairn.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TimelineTest {
    private static final long S = 1_000_000_000L;

    @Test
    void commitsAreCountedInTheSecondTheyWereSeenUpToTheEndOfSending() {
        Timeline t = new Timeline(100 * S);
        t.committed(100 * S - 5, 7); // a block seen just before the load began counts in its first second
        t.committed(100 * S + S / 2, 10);
        t.committed(102 * S + 1, 20);
        t.committed(150 * S, 99); // far past the end: drained, not part of the load
        assertEquals(List.of(17L, 0L, 20L), t.perSecond(103 * S + S / 2));
    }

    @Test
    void theRateReachedIsFoundOnASmoothedSpanAgainstTheLastThird() {
        // a fresh node: slow for four seconds, then steady at 100
        List<Long> warming = List.of(10L, 20L, 40L, 70L, 90L, 100L, 100L, 100L, 100L);
        assertEquals(100.0, Timeline.steady(warming));
        // 3-second means ending at seconds 3..6: 23, 43, 67, 87 -> 80% of 100 reached 6 seconds in
        assertEquals(OptionalInt.of(6), Timeline.secondsToReach(warming, 0.8));
        assertEquals(OptionalInt.of(3), Timeline.secondsToReach(List.of(100L, 100L, 100L, 100L), 0.8));
        assertTrue(Timeline.secondsToReach(List.of(), 0.8).isEmpty());
        assertTrue(Timeline.secondsToReach(List.of(0L, 0L, 0L), 0.8).isEmpty(), "nothing committed: never");
        // blocks in bursts (a slow chain's one block in three seconds) are a rate once smoothed
        assertEquals(OptionalInt.of(3), Timeline.secondsToReach(List.of(0L, 300L, 0L, 0L, 300L, 0L, 0L, 300L, 0L), 0.8));
    }
}
