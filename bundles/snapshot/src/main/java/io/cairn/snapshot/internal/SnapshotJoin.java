package io.cairn.snapshot.internal;

import io.cairn.api.network.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Joining a chain by state sync ({@code ./cairn start --join} and {@code ./cairn snapshot join}, docs/snapshots.md):
 * in a node the launcher runs for it (its network on, the rest of its pipeline off but for the RPC server with
 * {@code start --join}), fetches the newest snapshot the peers serve into a directory of
 * the home and imports it exactly as {@code cairn snapshot import} does. A {@code BiFunction<String,
 * Consumer<String>, String>} (java.* types the launcher shares with every bundle): it takes the directory to fetch
 * into and a receiver of progress lines, and answers as the import does ({@code imported...}, {@code REFUSED},
 * {@code NOT READY}, {@code FAILED}, or {@link #HELD} for a home that holds blocks). The snapshot, once imported, moves to {@code <home>/snapshots/<height>}, where
 * the node serves it to the next node that joins.
 */
@Component(immediate = true, service = BiFunction.class, property = "cairn.snapshot=join")
public final class SnapshotJoin implements BiFunction<String, Consumer<String>, String> {
    static final Duration PEERS_WAIT = Duration.ofSeconds(60);
    static final Duration OFFERS_WAIT = Duration.ofSeconds(5);
    static final Duration PIECE_TIMEOUT = Duration.ofSeconds(15);

    @Reference
    SnapshotImport importer;

    @Reference
    SnapshotProtocol protocol;

    @Reference
    NodeParts node;

    @Reference
    JoinProgress status;

    /**
     * The answer's prefix when the home holds blocks after block 0 already: nothing to join. {@code cairn start
     * --join} then starts the node as it is; {@code cairn snapshot join} refuses.
     */
    static final String HELD = "HELD: ";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    @Override
    public synchronized String apply(String directory, Consumer<String> progress) {
        try {
            NodeParts.Parts p = node.parts();
            if (p.store().height() > 0 || p.store().joinedAt().isPresent()) {
                return HELD + "this home holds the chain up to block " + p.store().height() + " already";
            }
        } catch (IllegalStateException e) {
            return "NOT READY: " + e.getMessage();
        }
        status.begin();
        try {
            return join(directory, progress);
        } finally {
            status.end();
        }
    }

    private String join(String directory, Consumer<String> progress) {
        String refused = importer.refusal();
        if (refused != null) {
            return refused;
        }
        Network n = network;
        if (n == null) {
            return "NOT READY: no network engine is running";
        }
        Path dir = Path.of(directory);
        SnapshotFetch fetch = new SnapshotFetch(link(n, protocol), importer.chain(), dir, progress, PIECE_TIMEOUT,
                status);
        SnapshotFetch.Fetched fetched;
        protocol.answersTo(fetch::deliver);
        try {
            fetched = fetch.fetch(PEERS_WAIT, OFFERS_WAIT);
        } catch (SnapshotRefused e) {
            return "REFUSED: " + e.getMessage();
        } catch (IOException e) {
            return "REFUSED: the snapshot cannot be written to " + dir + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "REFUSED: interrupted while fetching the snapshot; nothing was written";
        } finally {
            protocol.answersTo(null);
        }
        status.phase(JoinProgress.IMPORT);
        progress.accept(SnapshotFetch.describe(fetched) + "; proving and importing it");
        String answer = importer.apply(directory);
        if (answer.startsWith("imported")) {
            answer = SnapshotFetch.describe(fetched) + "\n" + answer + keep(dir, fetched.height());
        }
        return answer;
    }

    /** A fetch's way to the peers: {@code n}'s, with bad ones reported through {@code protocol}. */
    static SnapshotFetch.Link link(Network n, SnapshotProtocol protocol) {
        return new SnapshotFetch.Link() {
            @Override
            public List<String> peers() {
                return n.peers().stream().filter(Network.Peer::connected).map(Network.Peer::id).toList();
            }

            @Override
            public int known() {
                return n.peers().size();
            }

            @Override
            public boolean send(String peer, byte[] payload) {
                return n.send(peer, SnapshotMessage.TOPIC, payload);
            }

            @Override
            public void penalise(String peer, String reason) {
                protocol.penalise(peer, reason);
            }
        };
    }

    /** Moves the imported snapshot to {@code snapshots/<height>} beside it, where this node serves it. */
    private static String keep(Path dir, long height) {
        Path named = dir.resolveSibling(Long.toString(height));
        if (Files.exists(named)) {
            return "";
        }
        try {
            Files.move(dir, named, StandardCopyOption.ATOMIC_MOVE);
            return "\nthe snapshot is kept in " + named + ", where this node serves it to the next that joins";
        } catch (IOException e) {
            return "\nthe snapshot stays in " + dir + " (" + e.getMessage() + ")";
        }
    }
}
