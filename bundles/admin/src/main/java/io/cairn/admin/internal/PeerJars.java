package io.cairn.admin.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Jars of accepted upgrade plans, fetched from peers (docs/upgrades.md, "From peers"; docs/protocol.md, {@code upgrade-jar}). Once a quorum has
 * accepted a plan whose rules this node has not installed, the node asks its connected peers, one at a time, for
 * the jar with the plan's hash, in parts; the jar whose suite hash is the plan's is staged as {@code cairn:stage}
 * stages one, the plan being the authority (no local signature is needed). Any other jar is discarded and the next
 * peer asked (and the peer that served it reported to the peer reputation, as is one whose message does not
 * decode). Every node serves the jars it has staged, with their signature files. Messages, topic
 * {@value #TOPIC}:
 *
 * <pre>
 * want = 0x01 | jarHash[32] | u32 offset
 * part = 0x02 | jarHash[32] | u32 total | u32 offset | bytes (to the end of the message)
 * none = 0x03 | jarHash[32]                      (this node has no such jar)
 * </pre>
 *
 * The {@code total} bytes served are {@code u32 sigLength | signature file | jar}. A peer answers each {@code want}
 * with one part, from the offset asked, or with {@code none}. All the work runs on one thread of this component.
 */
@Component(immediate = true, service = MessageHandler.class, property = MessageHandler.TOPIC + "=" + PeerJars.TOPIC)
public final class PeerJars implements MessageHandler {
    static final String TOPIC = "upgrade-jar";
    static final String REPORTER = "upgrade-jar";
    static final byte WANT = 1;
    static final byte PART = 2;
    static final byte NONE = 3;
    /** The largest jar and signature a node fetches. */
    static final int MAX_TOTAL = 64 << 20;
    static final int MAX_PART = 256 << 10;
    /** A peer that has sent nothing for this long is given up for the next one. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int HEADER = 1 + 32 + 4 + 4;
    private static final System.Logger LOG = System.getLogger(PeerJars.class.getName());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PlanCommands plans;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PeerReputation reputation;

    /** The plans' side of it: {@link PlanCommands} in a node. */
    interface Plans {
        /** The jar hashes of accepted plans whose rules this node has not installed. */
        List<Hash> missingJars();

        /** Stages a fetched jar for the accepted plan that names its hash; the outcome in words. */
        String stageFetched(Path jar) throws Exception;
    }

    /** What the component needs of its node: its home, the chain's suite (null if none yet), the fetch setting. */
    record Host(Path home, Supplier<CryptoSuite> suite, BooleanSupplier fetch) {}

    private final Host host;
    private final Plans fixedPlans;
    private final ScheduledThreadPoolExecutor worker = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "cairn-peer-jars");
        t.setDaemon(true);
        t.setContextClassLoader(null);
        return t;
    });
    // the worker thread's alone
    private final Map<Hash, Fetch> fetching = new HashMap<>();
    private final Map<Hash, Set<String>> tried = new HashMap<>();
    private final Map<Hash, Path> fetched = new HashMap<>();
    private final Map<Path, Served> served = new HashMap<>();

    /** A fetch in progress from one peer. */
    private static final class Fetch {
        final String peer;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int total = -1;
        long lastNanos = System.nanoTime();

        Fetch(String peer) {
            this.peer = peer;
        }
    }

    /** A staged jar as served: its hash, for the size and time it had when hashed. */
    private record Served(String look, Hash hash) {}

    @Activate
    public PeerJars(@Reference Upgrades upgrades) {
        this(new Host(upgrades.home(), () -> upgrades.suite(upgrades.chainSuite()), upgrades::fetchPlanJars), null);
        worker.scheduleWithFixedDelay(this::safeLook, upgrades.deployPollMs(), upgrades.deployPollMs(),
                TimeUnit.MILLISECONDS);
    }

    /** Driven by its caller ({@link #look}, {@link #handle}), with {@code plans} in place of the node's commands. */
    PeerJars(Host host, Plans plans) {
        this.host = host;
        this.fixedPlans = plans;
    }

    private Plans plans() {
        return fixedPlans != null ? fixedPlans : plans;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        worker.shutdownNow();
        worker.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        try {
            worker.execute(() -> receive(peerId, payload));
        } catch (RejectedExecutionException stopping) {
            // deactivated
        }
    }

    /**
     * Handles a peer's message; one that no honest node sends (it does not decode) is reported to the peer
     * reputation, and a banned peer's messages are ignored.
     */
    void receive(String peer, byte[] payload) {
        PeerReputation r = reputation;
        if (r != null && r.isBanned(peer)) {
            return;
        }
        try {
            handle(peer, payload);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "upgrade jars: a message from " + peer + ": " + e.getMessage());
            penalise(peer, "sent an upgrade-jar message that does not decode: " + e.getMessage());
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "upgrade jars: a message from " + peer + ": " + e.getMessage(), e);
        }
    }

    private void penalise(String peer, String why) {
        PeerReputation r = reputation;
        if (r != null) {
            r.penalise(peer, REPORTER, why);
        }
    }

    private void safeLook() {
        try {
            look();
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "upgrade jars: " + e.getMessage(), e);
        }
    }

    /** Stages what was fetched, gives up stalled peers and asks a peer for each jar still missing. */
    void look() throws IOException {
        Plans p = plans();
        Network net = network;
        if (p == null) {
            return;
        }
        List<Hash> missing = p.missingJars();
        fetching.keySet().retainAll(missing);
        tried.keySet().retainAll(missing);
        fetched.keySet().retainAll(missing);
        for (Hash h : missing) {
            Path jar = fetched.get(h);
            if (jar != null) {
                stage(p, h, jar);
                continue;
            }
            Fetch f = fetching.get(h);
            if (f != null && System.nanoTime() - f.lastNanos < STALL_NANOS) {
                continue;
            }
            if (f != null) {
                LOG.log(Level.INFO, "upgrade jars: peer " + f.peer + " stopped sending jar " + h + "; trying another");
                giveUp(h, f.peer);
            }
            if (net != null && host.fetch().getAsBoolean()) {
                ask(net, h);
            }
        }
    }

    private void ask(Network net, Hash h) {
        Set<String> done = tried.computeIfAbsent(h, k -> new HashSet<>());
        List<String> peers = new ArrayList<>();
        for (Network.Peer peer : net.peers()) {
            if (peer.connected() && !done.contains(peer.id())) {
                peers.add(peer.id());
            }
        }
        if (peers.isEmpty()) {
            done.clear(); // every peer asked: start over at the next look
            return;
        }
        String peer = peers.get(0);
        fetching.put(h, new Fetch(peer)); // before the send: the answer may come at once
        if (!net.send(peer, TOPIC, want(h, 0))) {
            giveUp(h, peer);
        }
    }

    private void giveUp(Hash h, String peer) {
        fetching.remove(h);
        tried.computeIfAbsent(h, k -> new HashSet<>()).add(peer);
    }

    void handle(String peer, byte[] m) throws IOException {
        if (m.length < 33) {
            throw new IllegalArgumentException("a message of " + m.length + " bytes, shorter than a kind and a hash");
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        byte kind = b.get();
        byte[] hb = new byte[32];
        b.get(hb);
        Hash h = Hash.of(hb);
        switch (kind) {
            case WANT -> serve(peer, h, m.length == 37 ? b.getInt() : -1);
            case PART -> {
                if (m.length < HEADER + 1) {
                    throw new IllegalArgumentException("a part of " + m.length + " bytes holds no bytes of a jar");
                }
                received(peer, h, b.getInt(), b.getInt(), m, HEADER);
            }
            case NONE -> {
                Fetch f = fetching.get(h);
                if (f != null && f.peer.equals(peer)) {
                    giveUp(h, peer);
                }
            }
            default -> throw new IllegalArgumentException("unknown message kind " + kind);
        }
    }

    private void serve(String peer, Hash h, int offset) throws IOException {
        Network net = network;
        if (net == null) {
            return;
        }
        if (offset < 0) {
            throw new IllegalArgumentException("a want of the wrong length (37 bytes: kind, hash, offset)");
        }
        byte[] blob = blob(h);
        if (blob == null) {
            net.send(peer, TOPIC, none(h));
            return;
        }
        if (offset >= blob.length) {
            throw new IllegalArgumentException("a want of jar " + h + " from offset " + offset + ", past its "
                    + blob.length + " bytes");
        }
        int n = Math.min(Math.min(MAX_PART, net.maxPayload() - HEADER), blob.length - offset);
        net.send(peer, TOPIC, part(h, blob.length, offset, blob, offset, n));
    }

    private void received(String peer, Hash h, int total, int offset, byte[] m, int from) throws IOException {
        Fetch f = fetching.get(h);
        if (f == null || !f.peer.equals(peer)) {
            return; // not asked of this peer (any more)
        }
        int n = m.length - from;
        if (total < 4 || total > MAX_TOTAL || (f.total >= 0 && total != f.total) || offset != f.bytes.size()
                || n > total - offset) {
            LOG.log(Level.WARNING, "upgrade jars: peer " + peer + " sent a part of jar " + h + " that does not fit (total "
                    + total + ", offset " + offset + ", " + n + " bytes, " + f.bytes.size() + " held): trying another");
            giveUp(h, peer);
            return;
        }
        f.total = total;
        f.bytes.write(m, from, n);
        f.lastNanos = System.nanoTime();
        if (f.bytes.size() < total) {
            Network net = network;
            if (net == null || !net.send(peer, TOPIC, want(h, f.bytes.size()))) {
                giveUp(h, peer);
            }
            return;
        }
        fetching.remove(h);
        Path jar = keep(peer, h, f.bytes.toByteArray());
        if (jar == null) {
            tried.computeIfAbsent(h, k -> new HashSet<>()).add(peer);
            return;
        }
        fetched.put(h, jar);
        Plans p = plans();
        if (p != null) {
            stage(p, h, jar);
        }
    }

    /** Writes the jar (and its signature) under data/upgrades/fetched/ if its hash is {@code h}; else null. */
    private Path keep(String peer, Hash h, byte[] blob) throws IOException {
        int sigLength = ByteBuffer.wrap(blob).getInt();
        if (sigLength < 0 || sigLength > blob.length - 4) {
            LOG.log(Level.WARNING, "upgrade jars: peer " + peer + " sent jar " + h + " with a signature length of "
                    + sigLength + " in " + blob.length + " bytes: discarded");
            return null;
        }
        byte[] jar = java.util.Arrays.copyOfRange(blob, 4 + sigLength, blob.length);
        CryptoSuite suite = host.suite().get();
        Hash got = suite == null ? null : Hash.of(suite.hash(jar));
        if (!h.equals(got)) {
            LOG.log(Level.WARNING, "upgrade jars: peer " + peer + " sent a jar whose hash is " + got + ", not the plan's "
                    + h + ": discarded");
            if (got != null) {
                penalise(peer, "served a jar of hash " + got + " when asked for " + h);
            }
            return null;
        }
        Path dir = Files.createDirectories(host.home().resolve("data/upgrades/fetched"));
        Path path = dir.resolve(h.toHex().substring(2) + ".jar");
        Files.write(path, jar);
        if (sigLength > 0) {
            Files.write(SignatureFile.of(path), java.util.Arrays.copyOfRange(blob, 4, 4 + sigLength));
        }
        LOG.log(Level.INFO, "upgrade jars: fetched jar " + h + " (" + jar.length + " bytes) from peer " + peer);
        return path;
    }

    private void stage(Plans p, Hash h, Path jar) {
        try {
            LOG.log(Level.INFO, "upgrade jars: " + p.stageFetched(jar));
            fetched.remove(h);
        } catch (PlanCommands.NotYet e) {
            LOG.log(Level.DEBUG, "upgrade jars: jar " + h + " waits: " + e.getMessage());
        } catch (Exception e) {
            LOG.log(Level.WARNING, "upgrade jars: staging fetched jar " + h + " failed: " + e.getMessage(), e);
            fetched.remove(h);
        }
    }

    /** {@code u32 sigLength | signature file | jar} of the staged jar whose hash is {@code h}, or null. */
    private byte[] blob(Hash h) throws IOException {
        Path dir = host.home().resolve("data/upgrades/staged");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        CryptoSuite suite = host.suite().get();
        if (suite == null) {
            return null;
        }
        List<Path> jars;
        try (var files = Files.list(dir)) {
            jars = files.filter(q -> q.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        served.keySet().retainAll(jars);
        for (Path jar : jars) {
            String look = Files.size(jar) + "/" + Files.getLastModifiedTime(jar);
            Served s = served.get(jar);
            byte[] bytes = null;
            if (s == null || !s.look().equals(look)) {
                bytes = Files.readAllBytes(jar);
                s = new Served(look, Hash.of(suite.hash(bytes)));
                served.put(jar, s);
            }
            if (s.hash().equals(h)) {
                byte[] j = bytes != null ? bytes : Files.readAllBytes(jar);
                Path sigPath = SignatureFile.of(jar);
                byte[] sig = Files.isRegularFile(sigPath) ? Files.readAllBytes(sigPath) : new byte[0];
                return ByteBuffer.allocate(4 + sig.length + j.length).putInt(sig.length).put(sig).put(j).array();
            }
        }
        return null;
    }

    static byte[] want(Hash h, int offset) {
        return ByteBuffer.allocate(37).put(WANT).put(h.toByteArray()).putInt(offset).array();
    }

    static byte[] none(Hash h) {
        return ByteBuffer.allocate(33).put(NONE).put(h.toByteArray()).array();
    }

    static byte[] part(Hash h, int total, int offset, byte[] from, int at, int n) {
        return ByteBuffer.allocate(HEADER + n).put(PART).put(h.toByteArray()).putInt(total).putInt(offset)
                .put(from, at, n).array();
    }
}
