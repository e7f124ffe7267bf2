package io.cairn.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.testing.StepClock;
import io.cairn.api.testing.TestReputation;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The peer table and range scheduling, on a stepped clock. */
class PeerTableTest {
    private static final long STATUS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long TIMEOUT = TimeUnit.MILLISECONDS.toNanos(400);

    private final StepClock clock = new StepClock();
    private final TestReputation reputation = new TestReputation(clock, 60_000);
    private final PeerTable table = new PeerTable(STATUS, TIMEOUT, 8, 4, reputation);
    private final List<String> asked = new ArrayList<>();
    private final TreeSet<Long> ready = new TreeSet<>();

    private PeerTable.Peer peer(String id, long height) {
        PeerTable.Peer p = table.peer(id);
        p.height = height;
        p.lastHeard = clock.nanoTime();
        return p;
    }

    private void schedule(long head) {
        table.schedule(head, table.target(clock.nanoTime()), ready, clock.nanoTime(), (p, from, count) -> {
            asked.add(p.id + ":" + from + "+" + count);
            return true;
        });
    }

    @Test
    void theLowestMissingRangesGoToDifferentPeersAtOnce() {
        peer("a", 240);
        peer("b", 240);
        peer("c", 240);
        assertEquals(240, table.target(clock.nanoTime()));
        schedule(0);
        assertEquals(3, asked.size(), asked.toString());
        assertEquals(List.of("1+8", "9+8", "17+8"), asked.stream().map(s -> s.substring(s.indexOf(':') + 1)).toList());
        assertEquals(3, asked.stream().map(s -> s.substring(0, s.indexOf(':'))).distinct().count());
        assertEquals(3, table.inFlight());
        schedule(0);
        assertEquals(3, asked.size(), "every peer is busy: nothing more");
    }

    @Test
    void checkedBlocksAndRequestsInFlightAreNotAskedAgain() {
        peer("a", 100);
        peer("b", 100);
        ready.addAll(List.of(1L, 2L, 3L, 6L));
        schedule(0);
        assertEquals(2, asked.size(), asked.toString());
        List<String> ranges = asked.stream().map(s -> s.substring(s.indexOf(':') + 1)).sorted().toList();
        assertEquals(List.of("4+2", "7+8"), ranges, "around the checked blocks 1-3 and 6");
    }

    @Test
    void aPeerIsAskedOnlyForWhatItHolds() {
        peer("short", 5);
        schedule(0);
        assertEquals(List.of("short:1+5"), asked);
    }

    @Test
    void aLateRequestIsReleasedAndItsPeerAskedLessForAWhile() {
        PeerTable.Peer a = peer("a", 100);
        schedule(0);
        PeerTable.Request r = a.inFlight;
        clock.advance(TIMEOUT - 1, TimeUnit.NANOSECONDS);
        assertEquals(List.of(), table.expire(clock.nanoTime()));
        assertEquals(1, table.untilNextDeadline(clock.nanoTime()));
        clock.advance(1, TimeUnit.NANOSECONDS);
        assertEquals(List.of(r), table.expire(clock.nanoTime()));
        assertNull(a.inFlight);
        a.lastHeard = clock.nanoTime();
        schedule(0);
        assertEquals(1, asked.size(), "backing off");
        clock.advance(TIMEOUT, TimeUnit.NANOSECONDS);
        a.lastHeard = clock.nanoTime();
        schedule(0);
        assertEquals(2, asked.size(), "asked again after the back-off");
    }

    @Test
    void aRequestBeingCheckedDoesNotTimeOut() {
        PeerTable.Peer a = peer("a", 100);
        schedule(0);
        a.inFlight.checking = true;
        clock.advance(10, TimeUnit.SECONDS);
        assertEquals(List.of(), table.expire(clock.nanoTime()));
        assertEquals(Long.MAX_VALUE, table.untilNextDeadline(clock.nanoTime()));
    }

    @Test
    void bannedForeignAndSilentPeersAreNotUsable() {
        PeerTable.Peer banned = peer("banned", 100);
        PeerTable.Peer foreign = peer("foreign", 100);
        PeerTable.Peer silent = peer("silent", 100);
        PeerTable.Peer fine = peer("fine", 50);
        long now = clock.nanoTime();
        reputation.penalise("banned", "pbft", "equivocated");
        foreign.foreign = true;
        clock.advance(5 * STATUS + TIMEOUT, TimeUnit.NANOSECONDS);
        fine.lastHeard = clock.nanoTime();
        assertFalse(table.usable(banned, now));
        assertFalse(table.usable(foreign, now));
        assertFalse(table.usable(silent, clock.nanoTime()), "not heard from for a while");
        assertTrue(table.usable(fine, clock.nanoTime()));
        assertEquals(50, table.target(clock.nanoTime()), "the target is what usable peers hold");
        schedule(0);
        assertEquals(List.of("fine:1+8"), asked);
    }

    @Test
    void aPeerThatCannotTakeTheRequestBacksOff() {
        peer("full", 100);
        table.schedule(0, 100, ready, clock.nanoTime(), (p, from, count) -> false);
        assertEquals(0, table.inFlight());
        schedule(0);
        assertEquals(List.of(), asked, "backing off");
        clock.advance(STATUS, TimeUnit.NANOSECONDS);
        table.peer("full").lastHeard = clock.nanoTime();
        schedule(0);
        assertEquals(List.of("full:1+8"), asked);
    }

    @Test
    void noMoreThanAFewBatchesAheadOfTheHead() {
        for (int i = 0; i < 6; i++) {
            peer("p" + i, 10_000);
        }
        schedule(0);
        assertEquals(4, asked.size(), "maxParallelPeers");
        long highest = asked.stream().mapToLong(s -> {
            String r = s.substring(s.indexOf(':') + 1);
            return Long.parseLong(r.substring(0, r.indexOf('+'))) + Long.parseLong(r.substring(r.indexOf('+') + 1)) - 1;
        }).max().orElseThrow();
        assertTrue(highest <= 8 * 4 * 2, "asked up to " + highest);
    }
}
