package io.cairn.snapshot.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * State sync (docs/snapshots.md, Joining over the network): fetches the newest snapshot the chain's peers serve into
 * a directory, which the import then proves and writes. It asks every connected peer for its newest manifest,
 * proves each offer's header (a quorum of the genesis sealers) and takes the highest height that several peers, or
 * at least one, serve identically; then fetches the chunks from all of those peers at once, one chunk per peer at a
 * time, in pieces with a few requests in flight. A chunk whose bytes do not hash to the manifest's is dropped, the
 * peer that served it is reported to the peer reputation and the chunk is fetched from another. A chunk already in
 * the directory with the right hash is kept: a fetch that was interrupted goes on where it stopped.
 */
final class SnapshotFetch {
    /**
     * How long to wait for the other known peers once one is connected (the wait ends as soon as every known peer is):
     * a node dials all its peers at once as it starts, but on a loaded machine their handshakes end seconds apart
     * (1 s missed most of a loaded four-node chain's peers), and a peer missed here serves no chunks.
     */
    static final Duration SETTLE = Duration.ofSeconds(2);
    /** Requests in flight per peer. */
    static final int WINDOW = 4;

    /** What the fetch needs of the network. */
    interface Link {
        /** The connected peers. */
        List<String> peers();

        /** How many peers the node knows, connected or not. */
        int known();

        boolean send(String peer, byte[] payload);

        /** Reports a peer that served what no honest node serves. */
        void penalise(String peer, String reason);
    }

    /** The answer: which snapshot was fetched, from whom. */
    record Fetched(long height, int chunks, long bytes, List<String> peers, long millis) {}

    /**
     * One file of a snapshot to fetch: its number on the wire ({@code GET_PIECE}'s chunk: a state chunk's index, or
     * the state chunks' count plus a block chunk's index), its name, size and hash.
     */
    record Part(int wire, String file, long bytes, String hash) {}

    /**
     * Which files of a snapshot a fetch takes: the state chunks (a join), or the block chunks up to a block (the
     * history of a node that joined there, {@link #history}).
     */
    interface Want {
        /** Why an offer that proves cannot serve this fetch, or null when it can. */
        String unfit(Manifest m);

        List<Part> parts(Manifest m);

        /**
         * What two peers must agree on to serve the same files: the block, the entry count, and the name, size and
         * hash of every file fetched.
         */
        default String identity(Manifest m) {
            StringBuilder b = new StringBuilder(Bytes.toHex(m.header())).append('|').append(m.entries());
            for (Part p : parts(m)) {
                b.append('|').append(p.file()).append(',').append(p.bytes()).append(',').append(p.hash());
            }
            return b.toString();
        }
    }

    /** A join's: the state chunks of the newest snapshot. */
    static final Want STATE = new Want() {
        @Override
        public String unfit(Manifest m) {
            return null;
        }

        @Override
        public List<Part> parts(Manifest m) {
            List<Part> parts = new ArrayList<>();
            for (int i = 0; i < m.chunks().size(); i++) {
                Manifest.Chunk c = m.chunks().get(i);
                parts.add(new Part(i, c.file(), c.bytes(), c.hash()));
            }
            return parts;
        }
    };

    /** The block chunks that hold blocks 1..{@code upTo}, of a full snapshot of block {@code upTo} or later. */
    static Want history(long upTo) {
        return new Want() {
            @Override
            public String unfit(Manifest m) {
                return !m.full() ? "serves a snapshot of the state alone (block " + m.height() + ")"
                        : m.height() < upTo ? "serves blocks 1.." + m.height() + ", not 1.." + upTo : null;
            }

            @Override
            public List<Part> parts(Manifest m) {
                List<Part> parts = new ArrayList<>();
                for (int i = 0; i < m.blocks().size() && m.blocks().get(i).first() <= upTo; i++) {
                    Manifest.BlockChunk c = m.blocks().get(i);
                    parts.add(new Part(m.chunks().size() + i, c.file(), c.bytes(), c.hash()));
                }
                return parts;
            }
        };
    }

    private final Link link;
    private final Snapshots.Chain chain;
    private final Path dir;
    private final Consumer<String> progress;
    private final Duration pieceTimeout;
    private final JoinProgress status;
    private final Want want;
    private final Map<String, SnapshotMessage.ManifestOffer> offers = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<SnapshotMessage.Piece>> pieces = new ConcurrentHashMap<>();
    private final Object offered = new Object();

    SnapshotFetch(Link link, Snapshots.Chain chain, Path dir, Consumer<String> progress, Duration pieceTimeout) {
        this(link, chain, dir, progress, pieceTimeout, new JoinProgress(), STATE);
    }

    /** @param status where getSyncStatus reads the phase and the chunks fetched */
    SnapshotFetch(Link link, Snapshots.Chain chain, Path dir, Consumer<String> progress, Duration pieceTimeout,
            JoinProgress status) {
        this(link, chain, dir, progress, pieceTimeout, status, STATE);
    }

    /** @param want which of the snapshot's files to fetch */
    SnapshotFetch(Link link, Snapshots.Chain chain, Path dir, Consumer<String> progress, Duration pieceTimeout,
            JoinProgress status, Want want) {
        this.want = want;
        this.status = status;
        this.link = link;
        this.chain = chain;
        this.dir = dir;
        this.progress = progress;
        this.pieceTimeout = pieceTimeout;
    }

    /** An answer from a peer (called on a network thread). */
    void deliver(String peer, SnapshotMessage m) {
        if (m instanceof SnapshotMessage.ManifestOffer o) {
            offers.put(peer, o);
            synchronized (offered) {
                offered.notifyAll();
            }
        } else if (m instanceof SnapshotMessage.Piece p) {
            BlockingQueue<SnapshotMessage.Piece> q = pieces.get(peer);
            if (q != null) {
                q.offer(p);
            }
        }
    }

    /**
     * Fetches the snapshot into the directory.
     *
     * @param peersWait  how long to wait for a first connected peer
     * @param offersWait how long to wait for every asked peer's manifest
     * @throws SnapshotRefused when no peer offers a snapshot that proves, or no peer serves a chunk
     */
    Fetched fetch(Duration peersWait, Duration offersWait) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long peersDeadline = start + peersWait.toNanos();
        progress.accept("manifest: waiting for a connected peer");
        List<String> asked = new ArrayList<>();
        Choice choice;
        while (true) {
            List<String> fresh = waitForPeers(peersWait, peersDeadline, asked);
            progress.accept("manifest: asking " + fresh.size() + " peers for their newest snapshot");
            byte[] ask = new SnapshotMessage.GetManifest().encode();
            fresh.removeIf(p -> !link.send(p, ask));
            asked.addAll(fresh);
            awaitOffers(fresh, ask, System.nanoTime() + offersWait.toNanos());
            try {
                choice = choose(fresh);
                break;
            } catch (SnapshotRefused none) {
                // the peers that answered serve none (yet): the others may, once connected
                if (asked.size() >= link.known() || System.nanoTime() >= peersDeadline) {
                    throw none;
                }
                progress.accept("manifest: none of the " + asked.size() + " peers asked offers a snapshot; waiting "
                        + "for the other known peers");
            }
        }
        Manifest m = choice.manifest();
        List<Part> parts = want.parts(m);
        progress.accept("manifest: block " + m.height() + " from " + choice.peers().size() + " of " + asked.size()
                + " peers, " + (want == STATE ? m.chunks().size() + " chunks, " + m.entries() + " entries"
                : parts.size() + " block chunks (of " + m.blocks().size() + ") to fetch"));
        prepare(choice);
        long total = parts.stream().mapToLong(Part::bytes).sum();
        status.chosen(m.height(), choice.peers().size(), parts.size(), total);
        ConcurrentLinkedDeque<Integer> todo = new ConcurrentLinkedDeque<>();
        AtomicLong done = new AtomicLong();
        for (int i = 0; i < parts.size(); i++) {
            if (held(parts.get(i))) {
                done.addAndGet(parts.get(i).bytes());
            } else {
                todo.add(i);
            }
        }
        Meter meter = new Meter(parts.size(), parts.size() - todo.size(), total, done.get());
        meter.report();
        List<Thread> workers = new ArrayList<>();
        Map<String, String> gone = new ConcurrentHashMap<>();
        for (String peer : choice.peers()) {
            pieces.put(peer, new LinkedBlockingQueue<>());
            Thread t = new Thread(() -> {
                String why = work(peer, m.height(), parts, todo, meter);
                if (why != null) {
                    gone.put(peer, why);
                }
            }, "cairn-snapshot-fetch-" + workers.size());
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        try {
            for (Thread t : workers) {
                t.join();
            }
        } finally {
            for (Thread t : workers) {
                t.interrupt();
            }
        }
        if (!todo.isEmpty()) {
            throw new SnapshotRefused("chunk " + parts.get(todo.peek()).wire() + " (" + parts.get(todo.peek()).file()
                    + ") of the snapshot of block " + m.height() + " could not be fetched: no peer serving it is left ("
                    + gone + "); the chunks fetched so far stay in " + dir + " and a new attempt goes on from them");
        }
        return new Fetched(m.height(), parts.size(), total, choice.peers(), (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The connected peers not in {@code asked}, once every known peer is connected, or {@link #SETTLE} after the last
     * of them connected (the others may be down); until {@code deadline} for a first one.
     */
    private List<String> waitForPeers(Duration wait, long deadline, List<String> asked) throws InterruptedException {
        long settled = Long.MAX_VALUE;
        int seen = 0;
        while (true) {
            List<String> peers = new ArrayList<>(link.peers());
            peers.removeAll(asked);
            long now = System.nanoTime();
            if (peers.size() > seen) {
                seen = peers.size();
                settled = now + SETTLE.toNanos(); // one more connected: the next may be a handshake away
            }
            if (!peers.isEmpty() && (peers.size() + asked.size() >= link.known() || now >= settled)) {
                return peers;
            }
            if (peers.isEmpty() && now >= deadline) {
                throw new SnapshotRefused(asked.isEmpty() ? "no peer connected within " + wait.toSeconds() + " s: "
                        + "check the node's peers and that they run" : "no peer offers a snapshot ("
                        + String.join("; ", reasons) + ") and no other peer connected within " + wait.toSeconds()
                        + " s: a node serves those in its <home>/snapshots (cairn:snapshot create)");
            }
            Thread.sleep(100); // the network connects on its own; this polls its peer list until the deadline
        }
    }

    private record Choice(Manifest manifest, byte[] json, List<String> peers) {}

    /**
     * How often a peer that has not answered is asked again for its manifest: a request or its answer is lost with a
     * connection the network replaces (two peers that dialled each other keep one of the two), which a loaded chain's
     * peers do seconds after they connect.
     */
    static final Duration ASK_AGAIN = Duration.ofSeconds(1);

    /** Waits until every one of {@code peers} answered or {@code deadline}, asking those that did not again. */
    private void awaitOffers(List<String> peers, byte[] ask, long deadline) throws InterruptedException {
        long again = System.nanoTime() + ASK_AGAIN.toNanos();
        while (true) {
            List<String> silent = peers.stream().filter(p -> !offers.containsKey(p)).toList();
            long now = System.nanoTime();
            if (silent.isEmpty() || now >= deadline) {
                return;
            }
            if (now >= again) {
                silent.forEach(p -> link.send(p, ask));
                again = now + ASK_AGAIN.toNanos();
            }
            synchronized (offered) {
                if (!offers.keySet().containsAll(peers)) {
                    offered.wait(Math.max(1, (Math.min(deadline, again) - System.nanoTime()) / 1_000_000));
                }
            }
        }
    }

    /** The offers proven so far, by what their peers must agree on ({@link #identity}). */
    private final Map<String, Choice> byIdentity = new LinkedHashMap<>();
    /** Why each peer asked so far offers nothing usable. */
    private final List<String> reasons = new ArrayList<>();

    /**
     * The highest proven offer, served identically by the most peers, among every offer so far and those of
     * {@code asked} (each peer's offer is weighed, and a peer whose offer does not prove reported, once).
     */
    private Choice choose(List<String> asked) {
        for (String peer : asked) {
            SnapshotMessage.ManifestOffer o = offers.get(peer);
            if (o == null) {
                reasons.add(peer + ": no answer");
                continue;
            }
            if (o.json().length == 0) {
                reasons.add(peer + ": serves no snapshot");
                continue;
            }
            Manifest m;
            try {
                m = Manifest.parse(o.json(), "the manifest from peer " + peer);
                if (m.height() != o.height()) {
                    throw new SnapshotRefused("the manifest is of block " + m.height() + ", offered as block "
                            + o.height());
                }
                Snapshots.proveHeader(m, chain);
            } catch (SnapshotRefused e) {
                String reason = "offered a snapshot that does not prove: " + e.getMessage();
                link.penalise(peer, reason);
                reasons.add(peer + ": " + reason);
                continue;
            }
            String unfit = want.unfit(m);
            if (unfit != null) {
                reasons.add(peer + ": " + unfit);
                continue;
            }
            String identity = want.identity(m);
            Choice c = byIdentity.get(identity);
            List<String> peers = new ArrayList<>(c == null ? List.of() : c.peers());
            peers.add(peer);
            byIdentity.put(identity, new Choice(c == null ? m : c.manifest(), c == null ? o.json() : c.json(), peers));
        }
        return byIdentity.values().stream()
                .max(Comparator.<Choice>comparingLong(c -> c.manifest().height()).thenComparingInt(c -> c.peers().size()))
                .orElseThrow(() -> new SnapshotRefused("no peer offers a snapshot (" + String.join("; ", reasons)
                        + "): a node serves those in its <home>/snapshots (cairn:snapshot create)"));
    }

    /** Makes {@code dir} hold the chosen manifest; chunks of another snapshot left there are removed. */
    private void prepare(Choice choice) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(Manifest.FILE);
        if (Files.isRegularFile(file)) {
            Manifest before = null;
            try {
                before = Manifest.read(dir);
            } catch (SnapshotRefused unreadable) {
                // replaced below
            }
            if (before == null || !want.identity(before).equals(want.identity(choice.manifest()))) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
        Path tmp = dir.resolve(Manifest.FILE + ".tmp");
        Files.write(tmp, choice.json());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private boolean held(Part c) throws IOException {
        Path f = dir.resolve(c.file());
        return Files.isRegularFile(f) && Files.size(f) == c.bytes()
                && chain.suite().digest(Files.readAllBytes(f)).toString().equals(c.hash());
    }

    /**
     * One peer's worker: takes chunks off {@code todo} and fetches each whole from this peer. Returns why it stopped
     * early (the chunk it held goes back), or null once nothing is left.
     */
    private String work(String peer, long height, List<Part> parts, ConcurrentLinkedDeque<Integer> todo,
            Meter meter) {
        CryptoSuite suite = chain.suite();
        BlockingQueue<SnapshotMessage.Piece> in = pieces.get(peer);
        Integer index;
        while ((index = next(todo)) != null) {
            Part c = parts.get(index);
            Path part = dir.resolve(c.file() + ".part");
            String failed;
            try {
                failed = fetchChunk(peer, height, c.wire(), c, part, in);
                if (failed == null) {
                    if (!suite.digest(Files.readAllBytes(part)).toString().equals(c.hash())) {
                        failed = "served chunk " + c.wire() + " of the snapshot of block " + height + " with bytes "
                                + "that do not hash to its manifest's " + c.hash();
                        link.penalise(peer, failed);
                    } else {
                        Files.move(part, dir.resolve(c.file()), StandardCopyOption.REPLACE_EXISTING,
                                StandardCopyOption.ATOMIC_MOVE);
                        meter.chunkDone(c.bytes());
                        finished();
                        continue;
                    }
                }
            } catch (IOException e) {
                failed = "chunk " + c.wire() + " could not be written: " + e.getMessage();
            } catch (RuntimeException e) {
                // whatever it was (the network engine going away under the send), the chunk goes back for another
                failed = "chunk " + c.wire() + " failed: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = "interrupted";
            }
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // overwritten by the next attempt
            }
            todo.addFirst(index);
            finished();
            return failed;
        }
        return null;
    }

    private final Object turns = new Object();
    private int held;

    /**
     * The next chunk to fetch; while none waits but other workers still hold some (one may come back), waits for
     * them. Null once every chunk is fetched or nobody holds one.
     */
    private Integer next(ConcurrentLinkedDeque<Integer> todo) {
        synchronized (turns) {
            while (true) {
                Integer i = todo.poll();
                if (i != null) {
                    held++;
                    return i;
                }
                if (held == 0) {
                    return null;
                }
                try {
                    turns.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
    }

    /** A worker is done with the chunk it held: fetched, or put back. */
    private void finished() {
        synchronized (turns) {
            held--;
            turns.notifyAll();
        }
    }

    /** Fetches one chunk's bytes into {@code part}; returns why it could not (null: all bytes there). */
    private String fetchChunk(String peer, long height, int index, Part c, Path part,
            BlockingQueue<SnapshotMessage.Piece> in) throws IOException, InterruptedException {
        in.clear();
        long size = c.bytes();
        long asked = 0;
        long received = 0;
        int inFlight = 0;
        try (OutputStream out = Files.newOutputStream(part)) {
            while (received < size) {
                while (inFlight < WINDOW && asked < size) {
                    int length = (int) Math.min(SnapshotMessage.MAX_PIECE, size - asked);
                    if (!link.send(peer, new SnapshotMessage.GetPiece(height, index, asked, length).encode())) {
                        return "not connected, or its send queue is full";
                    }
                    asked += length;
                    inFlight++;
                }
                SnapshotMessage.Piece p = in.poll(pieceTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (p == null) {
                    return "no piece of chunk " + index + " within " + pieceTimeout.toMillis() + " ms";
                }
                if (p.height() != height || p.chunk() != index || p.offset() != received) {
                    String why = "sent piece " + p.height() + "/" + p.chunk() + "@" + p.offset() + " when piece "
                            + height + "/" + index + "@" + received + " was due";
                    link.penalise(peer, why);
                    return why;
                }
                if (p.data().length == 0) {
                    return "does not hold chunk " + index + " of the snapshot of block " + height + " (any more)";
                }
                long expected = Math.min(SnapshotMessage.MAX_PIECE, size - received);
                if (p.data().length != expected) {
                    String why = "sent " + p.data().length + " bytes of chunk " + index + " at " + received + " where "
                            + expected + " were asked";
                    link.penalise(peer, why);
                    return why;
                }
                out.write(p.data());
                received += p.data().length;
                inFlight--;
            }
        }
        return null;
    }

    /** Progress lines, one per chunk fetched: chunks, bytes, rate, time left. */
    private final class Meter {
        private final int chunks;
        private final long total;
        private final long startBytes;
        private final long start = System.nanoTime();
        private int chunksDone;
        private long bytesDone;

        Meter(int chunks, int chunksDone, long total, long bytesDone) {
            this.chunks = chunks;
            this.chunksDone = chunksDone;
            this.total = total;
            this.startBytes = bytesDone;
            this.bytesDone = bytesDone;
        }

        synchronized void chunkDone(long bytes) {
            chunksDone++;
            bytesDone += bytes;
            report();
        }

        synchronized void report() {
            double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
            double rate = (bytesDone - startBytes) / seconds;
            String eta = chunksDone == chunks ? "0 s" : rate <= 0 ? "?" : String.format("%.0f s", (total - bytesDone) / rate);
            status.fetched(chunksDone, bytesDone, (long) rate);
            progress.accept(String.format("chunks %d/%d, %s of %s, %s/s, %s left", chunksDone, chunks,
                    mb(bytesDone), mb(total), mb((long) rate), eta));
        }

        private static String mb(long bytes) {
            return String.format("%.1f MB", bytes / 1e6);
        }
    }

    static String describe(Fetched f) {
        return "fetched the snapshot of block " + f.height() + " (" + f.chunks() + " chunks, " + f.bytes()
                + " bytes) from " + f.peers().size() + (f.peers().size() == 1 ? " peer" : " peers") + " in "
                + f.millis() + " ms";
    }
}
