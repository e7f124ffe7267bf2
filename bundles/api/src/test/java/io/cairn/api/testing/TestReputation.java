package io.cairn.api.testing;

import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.runtime.NodeClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A peer reputation with a fixed ban length, recording every report, on a clock a test controls. */
public final class TestReputation implements PeerReputation {
    /** One report: who reported whom, and why. */
    public record Report(String peerId, String reporter, String reason) {}

    private final NodeClock clock;
    private final long banMs;
    private final Map<String, Network.Ban> bans = new ConcurrentHashMap<>();
    public final List<Report> reports = new CopyOnWriteArrayList<>();

    public TestReputation(NodeClock clock, long banMs) {
        this.clock = clock;
        this.banMs = banMs;
    }

    public TestReputation() {
        this(NodeClock.SYSTEM, 60_000);
    }

    @Override
    public Network.Ban penalise(String peerId, String reporter, String reason) {
        reports.add(new Report(peerId, reporter, reason));
        long now = clock.millis();
        return bans.compute(peerId, (id, old) -> old != null && now < old.untilMillis() ? old
                : new Network.Ban(id, reporter + ": " + reason, now, now + banMs, old == null ? 1 : old.offences() + 1));
    }

    /** The reasons given for the peer, in order. */
    public List<String> reasons(String peerId) {
        return reports.stream().filter(r -> r.peerId().equals(peerId)).map(Report::reason).toList();
    }

    @Override
    public boolean isBanned(String peerId) {
        Network.Ban b = peerId == null ? null : bans.get(peerId);
        return b != null && clock.millis() < b.untilMillis();
    }

    @Override
    public Optional<Network.Ban> ban(String peerId) {
        return isBanned(peerId) ? Optional.of(bans.get(peerId)) : Optional.empty();
    }

    @Override
    public List<Network.Ban> bans() {
        List<Network.Ban> out = new ArrayList<>();
        for (Network.Ban b : bans.values()) {
            if (clock.millis() < b.untilMillis()) {
                out.add(b);
            }
        }
        return out;
    }

    @Override
    public boolean pardon(String peerId) {
        return bans.remove(peerId) != null;
    }
}
