package io.cairn.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.network.Network;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.testing.MemoryRecords;
import io.cairn.api.testing.StepClock;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReputationTest {
    private final StepClock clock = new StepClock();
    private final MemoryRecords records = new MemoryRecords();
    private final List<String> disconnected = new ArrayList<>();

    private static Reputation.Config config(long min, long max) {
        return new Reputation.Config() {
            @Override public Class<? extends Annotation> annotationType() { return Reputation.Config.class; }
            @Override public long banMinMs() { return min; }
            @Override public long banMaxMs() { return max; }
        };
    }

    private Reputation reputation() {
        Reputation r = new Reputation(config(1_000, 8_000), Metrics.NONE, clock);
        r.records = records;
        r.network = new Network() {
            @Override public String self() { return "me"; }
            @Override public List<Peer> peers() { return List.of(); }
            @Override public boolean send(String peerId, String topic, byte[] payload) { return false; }
            @Override public int broadcast(String topic, byte[] payload) { return 0; }
            @Override public int maxPayload() { return 0; }
            @Override public Health health() { return Health.ready("fake"); }
            @Override public void disconnect(String peerId, String reason) { disconnected.add(peerId + ": " + reason); }
        };
        return r;
    }

    @Test
    void aBanDoublesWithEachOffenceUpToTheMaximumAndIsForgivenAfterAQuietSpell() {
        Reputation r = reputation();
        Network.Ban first = r.penalise("0xpeer", "pbft", "bad signature");
        assertEquals(1_000, first.untilMillis() - first.sinceMillis());
        assertTrue(r.isBanned("0xpeer"));
        assertEquals(List.of("0xpeer: pbft: bad signature"), disconnected);
        // reported again during the same ban: not lengthened, the network not asked again
        assertEquals(first, r.penalise("0xpeer", "sync", "bad block"));
        assertEquals(1, disconnected.size());
        clock.advanceMillis(1_000);
        assertFalse(r.isBanned("0xpeer"));
        long[] expected = {2_000, 4_000, 8_000, 8_000};
        for (long ms : expected) {
            Network.Ban b = r.penalise("0xpeer", "pbft", "again");
            assertEquals(ms, b.untilMillis() - b.sinceMillis());
            clock.advanceMillis(ms);
        }
        clock.advanceMillis(8_001); // longer than banMaxMs without offence
        Network.Ban fresh = r.penalise("0xpeer", "pbft", "after a quiet spell");
        assertEquals(1, fresh.offences());
        assertEquals(1_000, fresh.untilMillis() - fresh.sinceMillis());
    }

    @Test
    void bansSurviveANewInstanceThroughTheRecords() {
        reputation().penalise("0xa", "sync", "unsealed block");
        Reputation after = reputation(); // a restarted node, or a new core instance
        assertTrue(after.isBanned("0xa"));
        assertEquals("sync: unsealed block", after.ban("0xa").orElseThrow().reason());
        assertEquals(1, after.bans().size());
        assertTrue(after.pardon("0xa"));
        assertFalse(reputation().isBanned("0xa"));
    }

    @Test
    void withoutStorageBansHoldInMemoryAndAreKeptOnceItReturns() {
        records.available = false;
        Reputation r = reputation();
        r.penalise("0xb", "network", "garbage");
        assertTrue(r.isBanned("0xb"));
        records.available = true;
        r.penalise("0xc", "network", "garbage");
        assertTrue(reputation().isBanned("0xb"));
        assertTrue(reputation().isBanned("0xc"));
    }

    @Test
    void badConfigurationAndInputAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Reputation(config(0, 10), Metrics.NONE, clock));
        assertThrows(IllegalArgumentException.class, () -> new Reputation(config(10, 5), Metrics.NONE, clock));
        assertThrows(IllegalArgumentException.class, () -> reputation().penalise(null, "x", "y"));
    }

    @Test
    void theRecordRoundTrips() {
        List<Network.Ban> bans = List.of(new Network.Ban("0x01", "pbft: x", 1, 2, 3), new Network.Ban("0x02", "", 4, 5, 1));
        assertEquals(bans, Reputation.decode(Reputation.encode(bans)));
        assertThrows(io.cairn.api.chain.MalformedDataException.class, () -> Reputation.decode(new byte[] {9}));
    }
}
