package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State sync over a simulated network: the fetch takes the snapshot that several peers serve from all of them at
 * once, reports a peer that serves a chunk that does not hash to its manifest (or a manifest that does not prove)
 * and takes the chunk from another, goes on from the chunks an interrupted fetch left, and refuses when no peer
 * offers a snapshot that proves. What it fetched is what the import then proves whole.
 */
class SnapshotFetchTest {
    @TempDir
    Path tmp;

    final SnapshotsTest fixture = new SnapshotsTest();
    final List<String> penalties = Collections.synchronizedList(new ArrayList<>());
    final Map<String, AtomicInteger> piecesServed = new ConcurrentHashMap<>();
    final Map<String, SnapshotShelf> shelves = new ConcurrentHashMap<>();
    SnapshotFetch fetch;
    /** Holds each peer's first piece until this many peers were asked for one: proof they are asked at once. */
    CountDownLatch together = new CountDownLatch(0);
    final Set<String> silent = ConcurrentHashMap.newKeySet();
    final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Peers whose first manifest request is lost (with a connection the network replaced). */
    final Set<String> loseFirstAsk = ConcurrentHashMap.newKeySet();
    /** Known peers not connected yet: they connect once a connected peer was asked for its manifest. */
    final Set<String> late = ConcurrentHashMap.newKeySet();

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /** Peer {@code name} serves the fixture's snapshot from its own snapshots directory; returns that copy. */
    Path peer(String name) throws IOException {
        Path snapshots = tmp.resolve(name).resolve("snapshots");
        Path dir = snapshots.resolve("5");
        if (!Files.exists(dir)) {
            Path original = original();
            Files.createDirectories(dir);
            try (var files = Files.list(original)) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        shelves.put(name, new SnapshotShelf(snapshots));
        return dir;
    }

    Path original() throws IOException {
        fixture.tmp = tmp;
        Path dir = tmp.resolve("snap");
        return Files.exists(dir) ? dir : fixture.export();
    }

    SnapshotFetch.Fetched fetchInto(Path into) throws Exception {
        fetch = new SnapshotFetch(new SnapshotFetch.Link() {
            @Override
            public List<String> peers() {
                java.util.TreeSet<String> connected = new java.util.TreeSet<>(shelves.keySet());
                connected.removeAll(late);
                return new ArrayList<>(connected);
            }

            @Override
            public int known() {
                return shelves.size();
            }

            @Override
            public boolean send(String peer, byte[] payload) {
                SnapshotMessage m = SnapshotMessage.decode(payload, SnapshotProtocol.MAX_MANIFEST);
                SnapshotShelf shelf = shelves.get(peer);
                if (m instanceof SnapshotMessage.GetManifest && loseFirstAsk.remove(peer)) {
                    return true; // sent, and lost on the way
                }
                if (m instanceof SnapshotMessage.GetManifest) {
                    fetch.deliver(peer, shelf.newest().orElse(new SnapshotMessage.ManifestOffer(0, new byte[0])));
                    late.clear();
                } else if (m instanceof SnapshotMessage.GetPiece g) {
                    if (silent.contains(peer)) {
                        return true; // asked, never answers
                    }
                    if (failing.contains(peer)) {
                        throw new IllegalStateException("the network engine stopped");
                    }
                    if (piecesServed.computeIfAbsent(peer, p -> new AtomicInteger()).getAndIncrement() == 0) {
                        together.countDown();
                        try {
                            assertTrue(together.await(10, TimeUnit.SECONDS), "every peer asked for a piece at once");
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    fetch.deliver(peer, SnapshotMessage.decode(new SnapshotMessage.Piece(g.height(), g.chunk(),
                            g.offset(), shelf.piece(g.height(), g.chunk(), g.offset(), g.length())).encode(),
                            SnapshotProtocol.MAX_MANIFEST));
                }
                return true;
            }

            @Override
            public void penalise(String peer, String reason) {
                penalties.add(peer + ": " + reason);
            }
        }, fixture.chain(), into, line -> { }, Duration.ofMillis(500), status, want);
        return fetch.fetch(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    /** Which files the fetch takes. */
    SnapshotFetch.Want want = SnapshotFetch.STATE;

    /** What getSyncStatus reads of the fetch. */
    final JoinProgress status = new JoinProgress();

    void assertProves(Path dir) throws IOException {
        Snapshots.Summary s = Snapshots.verify(dir, fixture.chain(), (i, e) -> { });
        assertEquals(5, s.height());
        assertEquals(43, s.entries());
    }

    @Test
    void theChunksComeFromEveryPeerServingTheSnapshotAtOnce() throws Exception {
        peer("a");
        peer("b");
        peer("c");
        together = new CountDownLatch(3);
        Path into = tmp.resolve("joining");
        status.begin();
        assertEquals("peers", status.get().get("phase"));
        SnapshotFetch.Fetched f = fetchInto(into);
        assertEquals(5, f.height());
        assertEquals(List.of("a", "b", "c"), f.peers().stream().sorted().toList());
        java.util.Map<String, Object> s = status.get();
        assertEquals("chunks", s.get("phase"), "the join's import comes next");
        assertEquals(5L, s.get("height"));
        assertEquals(3, s.get("peers"));
        assertEquals(f.chunks(), s.get("chunks"));
        assertEquals(f.chunks(), s.get("chunksDone"));
        assertEquals(f.bytes(), s.get("bytes"));
        assertEquals(f.bytes(), s.get("bytesDone"));
        status.end();
        assertEquals(null, status.get(), "no join runs");
        assertTrue(f.chunks() >= 3, "several chunks: " + f.chunks());
        assertEquals(Set.of("a", "b", "c"), piecesServed.keySet(), "each peer served pieces");
        assertEquals(List.of(), penalties);
        assertProves(into);
    }

    @Test
    void theHistoryComesFromThePeersServingAFullSnapshotAsFarAsTheJoinedBlock() throws Exception {
        // a and b serve a full snapshot of block 5 (its block chunks numbered after its state chunks); c a state one
        FullSnapshotTest full = new FullSnapshotTest();
        full.tmp = tmp.resolve("full-source");
        Path exported = full.export();
        for (String name : List.of("a", "b")) {
            Path dir = tmp.resolve(name).resolve("snapshots").resolve("5");
            copy(exported, dir);
            shelves.put(name, new SnapshotShelf(dir.getParent()));
        }
        peer("c");
        Manifest m = Manifest.read(exported);
        long upTo = m.blocks().get(1).first(); // the first block of the second block chunk: two chunks are needed
        want = SnapshotFetch.history(upTo);
        Path into = tmp.resolve("history");
        SnapshotFetch.Fetched f = fetchInto(into);
        assertEquals(5, f.height());
        assertEquals(List.of("a", "b"), f.peers().stream().sorted().toList(), "c serves no blocks");
        assertEquals(2, f.chunks(), "the block chunks up to block " + upTo + " alone");
        for (int i = 0; i < m.blocks().size(); i++) {
            assertEquals(i < 2, Files.exists(into.resolve(m.blocks().get(i).file())), "block chunk " + i);
        }
        assertTrue(m.chunks().stream().noneMatch(c -> Files.exists(into.resolve(c.file()))), "no state chunk");
        assertEquals(List.of(), penalties);
        // proven as far as the joined block, which must be the block held
        List<Long> written = new ArrayList<>();
        long[] proven = SnapshotProof.proveHistory(into, Manifest.read(into), full.chain(), key -> null,
                full.state.genesis.header(), upTo, SnapshotsTest.SUITE.digest(full.blocks.get(upTo).header().encode()),
                (i, blocks, receipts) -> blocks.forEach(b -> written.add(b.number())));
        assertEquals(upTo, proven[0]);
        assertEquals(1L, written.get(0));
        assertTrue(written.contains(upTo), written.toString());
        SnapshotRefused other = assertThrows(SnapshotRefused.class, () -> SnapshotProof.proveHistory(into,
                Manifest.read(into), full.chain(), key -> null, full.state.genesis.header(), upTo,
                SnapshotsTest.SUITE.digest(full.blocks.get(upTo - 1).header().encode()), (i, b, r) -> { }));
        assertTrue(other.getMessage().startsWith("block chunk 1 (blocks-00001.zst): its block " + upTo + " has hash "),
                other.getMessage());
        assertTrue(other.getMessage().contains(", the block this node joined the chain at has "), other.getMessage());
        // a chunk that does not hash to its manifest's is refused before any block of it is handed on
        Path chunk = into.resolve(m.blocks().get(1).file());
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[bytes.length / 2] ^= 1;
        Files.write(chunk, bytes);
        written.clear();
        SnapshotRefused flipped = assertThrows(SnapshotRefused.class, () -> SnapshotProof.proveHistory(into,
                Manifest.read(into), full.chain(), key -> null, full.state.genesis.header(), upTo,
                SnapshotsTest.SUITE.digest(full.blocks.get(upTo).header().encode()),
                (i, blocks, receipts) -> blocks.forEach(b -> written.add(b.number()))));
        assertTrue(flipped.getMessage().startsWith("block chunk 1 (blocks-00001.zst): "), flipped.getMessage());
        assertTrue(written.stream().allMatch(n -> n < upTo), "only the first chunk was handed on: " + written);
    }

    @Test
    void aPeerServingAChunkThatDoesNotHashToItsManifestIsReportedAndAnotherServesIt() throws Exception {
        Path bad = peer("a");
        peer("b");
        Manifest m = Manifest.read(bad);
        for (Manifest.Chunk c : m.chunks()) {
            byte[] bytes = Files.readAllBytes(bad.resolve(c.file()));
            bytes[bytes.length / 2] ^= 1;
            Files.write(bad.resolve(c.file()), bytes);
        }
        Path into = tmp.resolve("joining");
        fetchInto(into);
        assertEquals(1, penalties.size(), penalties.toString());
        assertTrue(penalties.get(0).startsWith("a: served chunk ") && penalties.get(0).contains(" of the snapshot of "
                + "block 5 with bytes that do not hash to its manifest's 0x"), penalties.get(0));
        assertProves(into);
    }

    @Test
    void aPeerThatStopsAnsweringIsLeftAndTheOthersServeItsChunks() throws Exception {
        peer("a");
        peer("b");
        silent.add("a");
        Path into = tmp.resolve("joining");
        fetchInto(into);
        assertEquals(List.of(), penalties, "a slow peer is not a misbehaving one");
        assertProves(into);
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aPeerWhoseSendFailsGivesItsChunkBackToTheOthers() throws Exception {
        peer("a");
        peer("b");
        failing.add("a");
        Path into = tmp.resolve("joining");
        fetchInto(into);
        assertEquals(List.of(), penalties);
        assertProves(into);
    }

    @Test
    void aManifestSealedByTooFewIsReportedAndNotTaken() throws Exception {
        Path forged = peer("a");
        Manifest m = Manifest.read(forged);
        SnapshotsTest.rewrite(forged, m, m.seals().subList(0, 2), m.chunks(), m.entries());
        SnapshotRefused none = assertThrows(SnapshotRefused.class, () -> fetchInto(tmp.resolve("joining")));
        assertTrue(none.getMessage().startsWith("no peer offers a snapshot (a: offered a snapshot that does not prove: "
                + "the seals of block 5 ("), none.getMessage());
        assertEquals(1, penalties.size());
        peer("b");
        penalties.clear();
        fetchInto(tmp.resolve("joining"));
        assertEquals(1, penalties.size(), "a again, and only a");
        assertProves(tmp.resolve("joining"));
    }

    @Test
    void aFetchGoesOnFromTheChunksAnEarlierOneLeftAndReplacesAnotherSnapshotsOnes() throws Exception {
        peer("a");
        Path into = tmp.resolve("joining");
        fetchInto(into);
        int whole = piecesServed.get("a").get();
        Manifest m = Manifest.read(into);
        Files.delete(into.resolve(m.chunks().get(1).file()));
        Files.writeString(into.resolve("chunk-of-another.zst"), "stale");
        piecesServed.clear();
        fetchInto(into);
        assertEquals(1, piecesServed.get("a").get(), "only the missing chunk's piece, of " + whole);
        assertProves(into);

        // a directory holding another snapshot's manifest starts over
        SnapshotsTest.rewrite(into, m, m.seals(), m.chunks().subList(0, 1), m.chunks().get(0).entries());
        piecesServed.clear();
        fetchInto(into);
        assertEquals(whole, piecesServed.get("a").get());
        assertTrue(Files.notExists(into.resolve("chunk-of-another.zst")));
        assertProves(into);
    }

    @Test
    void whenThePeersAskedOfferNoSnapshotTheFetchAsksThoseThatConnectLater() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        shelves.put("a", new SnapshotShelf(tmp.resolve("empty")));
        peer("b");
        late.add("b");
        Path into = tmp.resolve("joining");
        SnapshotFetch.Fetched f = fetchInto(into);
        assertEquals(List.of("b"), f.peers(), "b connected after a was asked, and serves the snapshot");
        assertEquals(List.of(), penalties);
        assertProves(into);
    }

    @Test
    void aPeerWhoseManifestRequestWasLostIsAskedAgainAndServesToo() throws Exception {
        peer("a");
        peer("b");
        loseFirstAsk.add("b");
        Path into = tmp.resolve("joining");
        SnapshotFetch.Fetched f = fetchInto(into);
        assertEquals(List.of("a", "b"), f.peers().stream().sorted().toList(), "b answered the second request");
        assertEquals(Set.of(), loseFirstAsk);
        assertProves(into);
    }

    @Test
    void noPeerServingASnapshotIsARefusal() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        shelves.put("a", new SnapshotShelf(tmp.resolve("empty")));
        SnapshotRefused none = assertThrows(SnapshotRefused.class, () -> fetchInto(tmp.resolve("joining")));
        assertEquals("no peer offers a snapshot (a: serves no snapshot): a node serves those in its <home>/snapshots "
                + "(cairn:snapshot create)", none.getMessage());
    }
}
