package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes fetching a plan's jar from each other over a network that delivers at once, on the caller's thread: the jar
 * arrives in parts with its signature file and is staged; a peer without it, or one that serves another jar under
 * the plan's hash, is passed over for the next (the latter reported to the peer reputation); bad messages are refused
 * by name, their sender reported and then ignored.
 */
class PeerJarsTest {
    static final CryptoSuite SUITE = new FakeSuite("fake");

    @TempDir
    Path tmp;

    /** The network of the test: each node's sends are handled by the addressee at once. */
    final Map<String, PeerJars> nodes = new LinkedHashMap<>();
    final Map<String, List<Path>> stagedBy = new LinkedHashMap<>();
    /** Who reported whom, and why: "reporter->peer" to reason. */
    final Map<String, String> penalties = new LinkedHashMap<>();
    /** Every message sent: "from->to:kind". */
    final List<String> sent = new ArrayList<>();

    /** A node named {@code id}, missing the jars {@code missing} (until it stages them), its payloads capped. */
    PeerJars node(String id, List<Hash> missing, boolean fetch, int maxPayload) throws Exception {
        List<Path> staged = new ArrayList<>();
        stagedBy.put(id, staged);
        List<Hash> still = new ArrayList<>(missing);
        PeerJars.Plans plans = new PeerJars.Plans() {
            @Override
            public List<Hash> missingJars() {
                return List.copyOf(still);
            }

            @Override
            public String stageFetched(Path jar) throws Exception {
                staged.add(jar);
                still.remove(Hash.of(SUITE.hash(Files.readAllBytes(jar))));
                return "staged " + jar.getFileName();
            }
        };
        Path home = Files.createDirectories(tmp.resolve(id));
        PeerJars p = new PeerJars(new PeerJars.Host(home, () -> SUITE, () -> fetch), plans);
        p.network = new Network() {
            @Override public String self() { return id; }

            @Override
            public List<Peer> peers() {
                return nodes.keySet().stream().filter(n -> !n.equals(id))
                        .map(n -> new Peer(n, n, true, true, 0, 0, 0, 0)).toList();
            }

            @Override
            public boolean send(String peerId, String topic, byte[] payload) {
                assertEquals(PeerJars.TOPIC, topic);
                assertTrue(payload.length <= maxPayload, "a message of " + payload.length + " bytes");
                sent.add(id + "->" + peerId + ":" + payload[0]);
                try {
                    nodes.get(peerId).handle(id, payload);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return true;
            }

            @Override public int broadcast(String topic, byte[] payload) { throw new UnsupportedOperationException(); }

            @Override public int maxPayload() { return maxPayload; }

            @Override public Health health() { return Health.ready("fake"); }
        };
        p.reputation = new PeerReputation() {
            @Override
            public Network.Ban penalise(String peerId, String reporter, String reason) {
                assertEquals(PeerJars.REPORTER, reporter);
                penalties.put(id + "->" + peerId, reason);
                return new Network.Ban(peerId, reason, 0, 1, 1);
            }

            @Override
            public boolean isBanned(String peerId) {
                return penalties.containsKey(id + "->" + peerId);
            }

            @Override public Optional<Network.Ban> ban(String peerId) { return Optional.empty(); }

            @Override public List<Network.Ban> bans() { return List.of(); }

            @Override public boolean pardon(String peerId) { return false; }
        };
        nodes.put(id, p);
        return p;
    }

    /** Puts a staged jar (and its signature file) in node {@code id}'s home, as cairn:stage leaves it. */
    Path stage(String id, String name, byte[] jar, byte[] sig) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(id).resolve("data/upgrades/staged"));
        Path p = dir.resolve(name);
        Files.write(p, jar);
        if (sig != null) {
            Files.write(SignatureFile.of(p), sig);
        }
        return p;
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aMissingJarIsFetchedInPartsWithItsSignatureAndStaged() throws Exception {
        byte[] jar = bytes(100_000, 1); // more than one part at 16 KB a message
        byte[] sig = "the operator's signature".getBytes();
        Hash h = Hash.of(SUITE.hash(jar));
        node("a", List.of(), true, 16 * 1024);
        PeerJars b = node("b", List.of(h), true, 16 * 1024);
        stage("a", "cairn-ledger-account-2.0.0.jar", jar, sig);

        b.look();

        assertEquals(1, stagedBy.get("b").size());
        Path got = stagedBy.get("b").get(0);
        assertEquals(tmp.resolve("b/data/upgrades/fetched").resolve(h.toHex().substring(2) + ".jar"), got);
        assertArrayEquals(jar, Files.readAllBytes(got));
        assertArrayEquals(sig, Files.readAllBytes(SignatureFile.of(got)));
        b.look(); // nothing missing any more: nothing asked
        assertEquals(1, stagedBy.get("b").size());
    }

    @Test
    void aPeerWithoutTheJarOrWithAnotherUnderItsHashIsPassedOver() throws Exception {
        byte[] jar = bytes(5_000, 2);
        Hash h = Hash.of(SUITE.hash(jar));
        PeerJars b = node("b", List.of(h), true, 64 * 1024);
        node("liar", List.of(), true, 64 * 1024);
        node("empty", List.of(), true, 64 * 1024);
        node("honest", List.of(), true, 64 * 1024);
        // the liar serves another jar under h: it hashed its staged file, which then changed behind its back (same
        // size, same modification time, so it is not hashed again)
        Path lie = stage("liar", "x.jar", jar, null);
        var mtime = Files.getLastModifiedTime(lie);
        nodes.get("liar").handle("b", PeerJars.want(Hash.of(SUITE.hash(bytes(1, 9))), 0)); // hashes x.jar
        Files.write(lie, bytes(5_000, 3));
        Files.setLastModifiedTime(lie, mtime);
        stage("honest", "y.jar", jar, null);

        b.look(); // the liar's jar is discarded, and the liar reported
        assertTrue(stagedBy.get("b").isEmpty());
        assertTrue(penalties.get("b->liar").startsWith("served a jar of hash "), penalties.toString());
        assertFalse(Files.exists(tmp.resolve("b/data/upgrades/fetched")));
        b.look(); // "empty" answers none
        assertTrue(stagedBy.get("b").isEmpty());
        b.look(); // the honest peer's
        assertEquals(1, stagedBy.get("b").size(), "staged once, from the honest peer");
        assertEquals(List.of("b->liar"), List.copyOf(penalties.keySet()), "a peer without the jar is not reported");
        assertArrayEquals(jar, Files.readAllBytes(stagedBy.get("b").get(0)));
    }

    @Test
    void withFetchingOffNothingIsAsked() throws Exception {
        byte[] jar = bytes(1_000, 4);
        Hash h = Hash.of(SUITE.hash(jar));
        node("a", List.of(), true, 64 * 1024);
        PeerJars b = node("b", List.of(h), false, 64 * 1024);
        stage("a", "z.jar", jar, null);
        b.look();
        assertTrue(stagedBy.get("b").isEmpty());
        assertFalse(Files.exists(tmp.resolve("b/data/upgrades/fetched")));
    }

    @Test
    void badMessagesAreRefusedByNameAndTheirSenderReportedThenIgnored() throws Exception {
        PeerJars a = node("a", List.of(), true, 64 * 1024);
        node("b", List.of(), true, 64 * 1024);
        Hash h = Hash.of(SUITE.hash(new byte[] {1}));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.handle("b", new byte[5])).getMessage()
                .contains("shorter than a kind and a hash"));
        byte[] odd = PeerJars.none(h);
        odd[0] = 9;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.handle("b", odd)).getMessage()
                .contains("unknown message kind 9"));
        byte[] shortWant = java.util.Arrays.copyOf(PeerJars.want(h, 0), 35);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.handle("b", shortWant)).getMessage()
                .contains("a want of the wrong length"));
        byte[] emptyPart = java.util.Arrays.copyOf(PeerJars.part(h, 10, 0, new byte[0], 0, 0), 41);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.handle("b", emptyPart)).getMessage()
                .contains("holds no bytes of a jar"));
        // through the network: the sender of a message that does not decode is reported, then ignored
        node("c", List.of(), true, 64 * 1024);
        stage("a", "w.jar", new byte[] {7}, null);
        a.receive("c", new byte[5]);
        assertTrue(penalties.get("a->c").contains("does not decode: a message of 5 bytes"), penalties.toString());
        a.receive("c", PeerJars.want(Hash.of(SUITE.hash(new byte[] {7})), 0)); // banned: not served
        assertFalse(sent.stream().anyMatch(m -> m.startsWith("a->c")), sent.toString());
        a.receive("b", PeerJars.want(Hash.of(SUITE.hash(new byte[] {7})), 0)); // b is not banned: served
        assertEquals(List.of("a->b:" + PeerJars.PART), sent);
        // a part nobody asked for is dropped
        a.handle("b", PeerJars.part(h, 5, 0, new byte[] {0, 0, 0, 0, 1}, 0, 5));
        assertFalse(Files.exists(tmp.resolve("a/data/upgrades/fetched")));
    }
}
