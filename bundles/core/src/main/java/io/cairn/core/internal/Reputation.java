package io.cairn.core.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.storage.NodeRecords;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's one peer reputation. A ban lasts {@code banMinMs}, doubling with each further offence up to
 * {@code banMaxMs}; a peer that stays out of trouble for {@code banMaxMs} after its ban ends starts again from
 * the first. A new ban is written to the engine records ({@code reputation/bans}) and the network is asked to
 * close the peer's connection. Kept offences are read back when records are first available, so a restarted
 * node or a swapped engine keeps them.
 */
@Component(service = PeerReputation.class, immediate = true, configurationPid = "io.cairn.reputation")
@Designate(ocd = Reputation.Config.class)
public final class Reputation implements PeerReputation {

    @ObjectClassDefinition(name = "Cairn peer reputation", description = "Bans of misbehaving peers (pid io.cairn.reputation)")
    public @interface Config {
        @AttributeDefinition(description = "A peer's first ban lasts this many ms; each further offence doubles it")
        long banMinMs() default 30_000;

        @AttributeDefinition(description = "The longest ban in ms; a peer without offence this long after a ban ends starts again from banMinMs")
        long banMaxMs() default 600_000;
    }

    static final String OWNER = "reputation";
    static final String RECORD = "bans";
    private static final int VERSION = 1;
    private static final System.Logger LOG = System.getLogger(Reputation.class.getName());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile NodeRecords records;

    private final NodeClock clock;
    private final Metrics.Counter banned;
    private final Metrics.Gauge bannedNow;
    private volatile long banMinMs;
    private volatile long banMaxMs;
    /** Offences by peer; kept after a ban ends, to count repeat offences. */
    private final Map<String, Network.Ban> offences = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    @Activate
    public Reputation(Config config, @Reference Metrics metrics) {
        this(config, metrics, NodeClock.SYSTEM);
    }

    Reputation(Config config, Metrics metrics, NodeClock clock) {
        this.clock = clock;
        configure(config);
        banned = metrics.counter("peer_bans", "Peers banned for misbehaviour (each offence counts)");
        bannedNow = metrics.gauge("peers_banned", "Peers banned now", () -> bans().size());
    }

    @Modified
    void configure(Config c) {
        if (c.banMinMs() < 1 || c.banMaxMs() < c.banMinMs()) {
            throw new IllegalArgumentException("io.cairn.reputation: need 1 <= banMinMs <= banMaxMs, got "
                    + c.banMinMs() + " and " + c.banMaxMs());
        }
        banMinMs = c.banMinMs();
        banMaxMs = c.banMaxMs();
    }

    @Override
    public Network.Ban penalise(String peerId, String reporter, String reason) {
        if (peerId == null || peerId.isEmpty()) {
            throw new IllegalArgumentException("penalise: no peer id");
        }
        load();
        long now = clock.millis();
        String why = reporter + ": " + reason;
        boolean[] fresh = new boolean[1];
        Network.Ban ban = offences.compute(peerId, (id, old) -> {
            if (old != null && now < old.untilMillis()) {
                return old; // already banned: another report of the same spell does not lengthen it
            }
            int n = old == null || now - old.untilMillis() > banMaxMs ? 1 : old.offences() + 1;
            long ms = Math.min(banMaxMs, banMinMs << Math.min(n - 1, 30));
            if (ms <= 0) {
                ms = banMaxMs;
            }
            fresh[0] = true;
            return new Network.Ban(id, why, now, now + ms, n);
        });
        if (fresh[0]) {
            banned.inc();
            LOG.log(Level.WARNING, "reputation: banning peer " + shortId(peerId) + " for "
                    + (ban.untilMillis() - ban.sinceMillis()) / 1000 + " s (offence " + ban.offences() + "): " + why);
            save();
            Network net = network;
            if (net != null) {
                try {
                    net.disconnect(peerId, why);
                } catch (RuntimeException | LinkageError e) {
                    // a network engine leaving: the next one reads the ban when the peer connects
                    LOG.log(Level.WARNING, "reputation: the network could not disconnect " + shortId(peerId) + ": " + e);
                }
            }
        }
        return ban;
    }

    @Override
    public boolean isBanned(String peerId) {
        if (peerId == null) {
            return false;
        }
        if (!loaded) {
            load();
        }
        Network.Ban b = offences.get(peerId);
        return b != null && clock.millis() < b.untilMillis();
    }

    @Override
    public Optional<Network.Ban> ban(String peerId) {
        load();
        Network.Ban b = peerId == null ? null : offences.get(peerId);
        return b != null && clock.millis() < b.untilMillis() ? Optional.of(b) : Optional.empty();
    }

    @Override
    public List<Network.Ban> bans() {
        load();
        long now = clock.millis();
        List<Network.Ban> out = new ArrayList<>();
        for (Network.Ban b : offences.values()) {
            if (now < b.untilMillis()) {
                out.add(b);
            } else if (now - b.untilMillis() > banMaxMs) {
                offences.remove(b.peerId(), b); // forgiven: a later offence counts as the first
            }
        }
        out.sort(Comparator.comparing(Network.Ban::peerId));
        return out;
    }

    @Override
    public boolean pardon(String peerId) {
        load();
        Network.Ban b = offences.remove(peerId);
        if (b != null) {
            save();
        }
        return b != null && clock.millis() < b.untilMillis();
    }

    /** Reads the kept offences once records are available; a ban made before that is merged with them. */
    private void load() {
        if (loaded) {
            return;
        }
        NodeRecords r = records;
        if (r == null) {
            return;
        }
        synchronized (this) {
            if (loaded) {
                return;
            }
            byte[] saved;
            try {
                saved = r.get(OWNER, RECORD);
            } catch (RuntimeException notReady) {
                return; // no storage yet: try again on the next call
            }
            if (saved != null) {
                try {
                    for (Network.Ban b : decode(saved)) {
                        offences.merge(b.peerId(), b, (mine, kept) -> mine.untilMillis() >= kept.untilMillis() ? mine : kept);
                    }
                } catch (MalformedDataException e) {
                    LOG.log(Level.WARNING, "reputation: the kept bans are unreadable and are dropped: " + e.getMessage());
                }
            }
            loaded = true;
        }
    }

    private void save() {
        NodeRecords r = records;
        if (r == null) {
            return;
        }
        try {
            r.put(OWNER, RECORD, encode(new ArrayList<>(offences.values())));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reputation: cannot keep the bans in storage (they hold until a restart): " + e.getMessage());
        }
    }

    static byte[] encode(List<Network.Ban> bans) {
        Encoder e = new Encoder().u8(VERSION).u32(bans.size());
        for (Network.Ban b : bans) {
            e.bytes(b.peerId().getBytes(StandardCharsets.UTF_8)).bytes(b.reason().getBytes(StandardCharsets.UTF_8))
                    .u64(b.sinceMillis()).u64(b.untilMillis()).u32(b.offences());
        }
        return e.toByteArray();
    }

    static List<Network.Ban> decode(byte[] data) {
        Decoder d = new Decoder(data, "peer bans");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new MalformedDataException("peer bans: unsupported version " + version);
        }
        int n = d.u32("count");
        if (n < 0 || n > 100_000) {
            throw new MalformedDataException("peer bans: count " + n);
        }
        List<Network.Ban> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Network.Ban(new String(d.bytes(1024, "peer"), StandardCharsets.UTF_8),
                    new String(d.bytes(1 << 16, "reason"), StandardCharsets.UTF_8), d.u64("since"), d.u64("until"),
                    d.u32("offences")));
        }
        d.end();
        return out;
    }

    static String shortId(String id) {
        return id.length() <= 12 ? id : id.substring(0, 12) + "...";
    }

    @org.osgi.service.component.annotations.Deactivate
    void close() {
        bannedNow.close();
    }
}
