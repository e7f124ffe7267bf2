package io.cairn.snapshot.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.network.Network;
import io.cairn.api.runtime.NodeHome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code cairn:history} and {@code cairn:history fetch} (docs/snapshots.md, Fetching the history): a node that joined
 * the chain at block J from a state snapshot holds no blocks 1..J; this fetches them in the background, while the
 * node runs, from the block chunks of a full snapshot its peers serve (of block J or later), proves them as an import
 * does (each block's transactions, seals and receipts, each extending the one before from block 0, block J the very
 * block held) and writes them into the block store, chunk by chunk. Once block J is written the node holds the whole
 * chain. The chunks are fetched into {@code <home>/snapshots/.history}, so a fetch that was stopped goes on from the
 * chunks it had; they are deleted once written.
 */
@Component(immediate = true, service = Function.class, property = {"osgi.command.scope=cairn",
        "osgi.command.function=history"})
public final class HistoryFetch implements Function {
    private static final System.Logger LOG = System.getLogger(HistoryFetch.class.getName());
    static final String DIR = ".history";
    static final String HELP = String.join("\n",
            "cairn:history                 whether this node holds the chain's history, and a fetch's progress",
            "cairn:history fetch           fetch blocks 1..J of a node that joined at block J from a state snapshot,",
            "                              in the background, from the full snapshots its peers serve");

    private final SnapshotImport importer;
    private final SnapshotProtocol protocol;
    private final NodeParts node;
    private final Path dir;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Network network;

    private Thread worker;
    /** The running fetch's last progress line, or the last fetch's outcome; null before any. */
    private volatile String last;

    @Activate
    public HistoryFetch(BundleContext context, @Reference SnapshotImport importer, @Reference SnapshotProtocol protocol,
            @Reference NodeParts node) {
        this(NodeHome.of(context).resolve(SnapshotCommands.DIR).resolve(DIR), importer, protocol, node);
    }

    HistoryFetch(Path dir, SnapshotImport importer, SnapshotProtocol protocol, NodeParts node) {
        this.dir = dir;
        this.importer = importer;
        this.protocol = protocol;
        this.node = node;
    }

    @Deactivate
    synchronized void deactivate() {
        if (worker != null) {
            worker.interrupt();
        }
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = arguments.stream().map(String::valueOf).toList();
        if (args.isEmpty() || args.equals(List.of("status"))) {
            return status();
        }
        if (args.equals(List.of("fetch"))) {
            return start();
        }
        if (args.get(0).equals("--help") || args.get(0).equals("-h")) {
            return HELP;
        }
        throw new IllegalArgumentException("unknown arguments " + String.join(" ", args) + "\n" + HELP);
    }

    /** What {@code cairn:history} says. */
    synchronized String status() {
        OptionalLong joined = node.parts().store().joinedAt();
        String outcome = last;
        if (worker != null && worker.isAlive()) {
            return "history: fetching blocks 1.." + joined.orElse(0) + " in the background: " + outcome;
        }
        if (joined.isEmpty()) {
            return outcome != null && outcome.startsWith("history: blocks") ? outcome
                    : "history: this node holds the whole chain";
        }
        return "history: blocks 1.." + joined.getAsLong() + " are not held here (this node joined the chain at block "
                + joined.getAsLong() + " from a snapshot): cairn:history fetch takes them from its peers"
                + (outcome == null ? "" : "\nthe last fetch: " + outcome);
    }

    /** Starts a fetch in the background; what it started, or why it did not. */
    synchronized String start() {
        NodeParts.Parts p = node.parts();
        OptionalLong joined = p.store().joinedAt();
        if (joined.isEmpty()) {
            return "history: this node holds the whole chain already: nothing to fetch";
        }
        if (worker != null && worker.isAlive()) {
            return "history: a fetch is running already: " + last;
        }
        long j = joined.getAsLong();
        last = "starting";
        worker = new Thread(() -> {
            String outcome = run(j);
            last = outcome;
            LOG.log(System.Logger.Level.INFO, outcome);
        }, "cairn-history-fetch");
        worker.setDaemon(true);
        worker.start();
        return "history: fetching blocks 1.." + j + " from the peers' full snapshots in the background: see "
                + "cairn:history";
    }

    private String run(long j) {
        long start = System.nanoTime();
        try {
            NodeParts.Parts p = node.parts();
            Network n = network;
            if (n == null) {
                return "history: failed: no network engine is running";
            }
            Hash held = p.store().hash(j).orElseThrow(() -> new IllegalStateException("block " + j + " is not held"));
            BlockHeader genesis = p.store().header(0).orElseThrow();
            Snapshots.Chain chain = importer.chain();
            SnapshotFetch fetch = new SnapshotFetch(SnapshotJoin.link(n, protocol), chain, dir, line -> last = line,
                    SnapshotJoin.PIECE_TIMEOUT, new JoinProgress(), SnapshotFetch.history(j));
            SnapshotFetch.Fetched fetched;
            protocol.answersTo(fetch::deliver);
            try {
                fetched = fetch.fetch(SnapshotJoin.PEERS_WAIT, SnapshotJoin.OFFERS_WAIT);
            } finally {
                protocol.answersTo(null);
            }
            Manifest m = Manifest.read(dir);
            last = "proving and writing " + fetched.chunks() + " block chunks";
            long[] proven = SnapshotProof.proveHistory(dir, m, chain, p.storage()::get, genesis, j, held,
                    (i, blocks, receipts) -> {
                        node.parts().store().importHistory(blocks, receipts); // the store running now
                        last = "block chunk " + (i + 1) + "/" + fetched.chunks() + " proven and written (blocks up to "
                                + blocks.get(blocks.size() - 1).number() + ")";
                    });
            if (node.parts().store().joinedAt().isPresent()) {
                return "history: failed: the block store still says it joined at block " + j;
            }
            SnapshotCommands.deleteTree(dir);
            return "history: blocks 1.." + proven[0] + " fetched from " + fetched.peers().size()
                    + (fetched.peers().size() == 1 ? " peer" : " peers") + " (" + fetched.chunks() + " block chunks, "
                    + fetched.bytes() + " bytes) in " + fetched.millis() + " ms, proven and written in " + proven[2]
                    + " ms (" + (System.nanoTime() - start) / 1_000_000 + " ms in all): this node holds the whole "
                    + "chain";
        } catch (SnapshotRefused e) {
            return "history: refused: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "history: stopped: interrupted; a new fetch goes on from the chunks fetched so far";
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "history fetch failed", e);
            return "history: failed: " + e.getMessage();
        }
    }
}
