package io.cairn.snapshot.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ChainRules;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * A snapshot import into a node home that holds block 0 alone ({@code ./cairn snapshot import}, docs/snapshots.md).
 * The launcher runs it in a node framework without the pipeline (no consensus, sync, pool, network or RPC), as a
 * {@code Function<String, String>}: a java.* type the launcher shares with every bundle. It takes the snapshot
 * directory and answers a line that starts with {@code imported}, {@code REFUSED} (nothing was written),
 * {@code NOT READY} (ask again) or {@code FAILED} (the state was written in part: the home stays under
 * construction).
 *
 * <p>Two passes: the first proves the whole snapshot and writes nothing; the second reads it again, requiring the
 * same manifest and each chunk's very bytes (its size and hash) that the first proved, and writes each chunk with
 * the entries the model derives from it; then the block store makes the snapshot's block its head.
 */
@Component(immediate = true, service = {Function.class, SnapshotImport.class}, property = "cairn.snapshot=import")
public final class SnapshotImport implements Function<String, String> {
    private static final System.Logger LOG = System.getLogger(SnapshotImport.class.getName());
    private static final int DELETE_BATCH = 10_000;

    /**
     * The marker service the launcher registers on a node it runs for an import or a join, without its pipeline (a
     * service, not a framework property: a join at start lifts it before the pipeline starts).
     */
    static final String IMPORT_MODE = "(cairn.node.mode=import)";

    /**
     * For crash tests only: a framework or system property that, set to {@code true}, halts the JVM (as kill -9
     * would) once the first chunk is written, leaving a home whose import did not finish.
     */
    static final String HALT_AFTER_FIRST_CHUNK = "cairn.test.snapshot.import.haltAfterFirstChunk";

    private final NodeParts node;
    private final boolean importMode;
    private final boolean haltAfterFirstChunk;

    @Activate
    public SnapshotImport(org.osgi.framework.BundleContext context, @Reference NodeParts node) {
        this(node, importing(context),
                Boolean.parseBoolean(context.getProperty(HALT_AFTER_FIRST_CHUNK)));
    }

    private static boolean importing(org.osgi.framework.BundleContext context) {
        try {
            return context.getServiceReferences((String) null, IMPORT_MODE) != null;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    SnapshotImport(NodeParts node, boolean importMode) {
        this(node, importMode, false);
    }

    private SnapshotImport(NodeParts node, boolean importMode, boolean haltAfterFirstChunk) {
        this.node = node;
        this.importMode = importMode;
        this.haltAfterFirstChunk = haltAfterFirstChunk;
    }

    /**
     * Why this node cannot take a snapshot now: a line starting with {@code REFUSED} or {@code NOT READY}; null when
     * it can.
     */
    String refusal() {
        if (!importMode) {
            // a running node's pipeline would commit blocks under the import
            return "REFUSED: a snapshot is imported by a node started for it (cairn snapshot import), not a running one";
        }
        NodeParts.Parts p;
        try {
            p = node.parts();
        } catch (IllegalStateException e) {
            return "NOT READY: " + e.getMessage();
        }
        if (!p.rules().health().ready()) {
            return "NOT READY: the rules engine: " + p.rules().health().detail();
        }
        if (p.store().height() > 0 || p.store().joinedAt().isPresent()) {
            return "REFUSED: this home holds the chain up to block " + p.store().height() + " already: a snapshot is "
                    + "imported into a new home (cairn init, then import before the first start)";
        }
        if ("memory".equals(p.storage().engine())) {
            return "REFUSED: this home stores its chain in memory, which the import would not outlive: a snapshot is "
                    + "imported into durable storage (cairn init --storage rocksdb)";
        }
        return null;
    }

    /** The chain a snapshot is proven against: this home's. */
    Snapshots.Chain chain() {
        NodeParts.Parts p = node.parts();
        return new Snapshots.Chain(p.store().hash(0).orElseThrow(), p.spec(), p.suite(), Snapshots.StateRules.of(p.rules()));
    }

    @Override
    public synchronized String apply(String directory) {
        String refused = refusal();
        if (refused != null) {
            return refused;
        }
        NodeParts.Parts p = node.parts();
        Storage s = p.storage();
        BlockStore store = p.store();
        ChainRules r = p.rules();
        Path dir = Path.of(directory);
        Snapshots.Chain chain = chain();
        Snapshots.Summary proven;
        byte[] manifest;
        boolean withBlocks;
        try {
            manifest = SnapshotProof.manifestBytes(dir);
            withBlocks = holdsBlocks(dir, Manifest.parse(manifest, dir.resolve(Manifest.FILE).toString()));
            proven = SnapshotProof.verify(dir, manifest, chain, (i, entries) -> { }, withBlocks, (i, b, rs) -> { });
        } catch (SnapshotRefused e) {
            return "REFUSED: " + e.getMessage();
        } catch (IOException | RuntimeException e) {
            return "REFUSED: the snapshot cannot be read: " + e;
        }
        long start = System.nanoTime();
        AtomicLong derived = new AtomicLong();
        try {
            clearState(s);
            // the chunks again, each required to be the very bytes the first pass proved
            SnapshotProof.load(dir, manifest, chain.suite(), (i, entries) -> {
                WriteBatch batch = new WriteBatch();
                for (ReadView.Entry e : entries) {
                    batch.put(e.key(), e.value());
                    int before = batch.ops().size();
                    r.derive(e.key(), e.value(), batch);
                    derived.addAndGet(batch.ops().size() - before);
                }
                s.write(batch);
                if (haltAfterFirstChunk) {
                    LOG.log(System.Logger.Level.ERROR, HALT_AFTER_FIRST_CHUNK + ": halting after chunk " + i);
                    Runtime.getRuntime().halt(137);
                }
            }, withBlocks ? (i, blocks, rs) -> store.importBlocks(blocks, rs) : null);
            Manifest m = Manifest.parse(manifest, dir.resolve(Manifest.FILE).toString());
            store.importHead(BlockHeader.decode(m.header()), m.seals());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "snapshot import from " + dir + " failed after writing began", e);
            return "FAILED: " + e.getMessage() + " (the state was written in part)";
        }
        return "imported snapshot of block " + proven.height() + " (" + proven.blockHash() + ") into " + s.engine()
                + " storage: " + proven.entries() + " entries and " + derived.get() + " derived in " + proven.chunks()
                + " chunks, " + proven.bytes() + " bytes" + blocksText(dir, manifest, withBlocks, proven)
                + "; proven in " + proven.millis() + " ms, written in " + (System.nanoTime() - start) / 1_000_000
                + " ms";
    }

    /**
     * Whether the import takes a snapshot's blocks: those of a full snapshot whose directory holds any of its block
     * chunk files. One that holds none (a join fetches a full snapshot's state chunks alone) is imported as its state.
     */
    static boolean holdsBlocks(Path dir, Manifest m) {
        return m.full() && m.blocks().stream().anyMatch(c -> java.nio.file.Files.exists(dir.resolve(c.file())));
    }

    private static String blocksText(Path dir, byte[] manifest, boolean withBlocks, Snapshots.Summary proven) {
        if (withBlocks) {
            return ", and blocks 1.." + proven.blocks() + " (" + proven.transactions() + " transactions) in "
                    + proven.blockChunks() + " block chunks, " + proven.blockBytes() + " bytes";
        }
        Manifest m = Manifest.parse(manifest, dir.resolve(Manifest.FILE).toString());
        return m.full() ? " (its state alone: " + dir + " holds none of its " + m.blocks().size() + " block chunks, so "
                + "the node joins the chain at block " + m.height() + ")" : "";
    }

    /** Deletes the state block 0 wrote ({@code 'g'} and {@code 's'}): the snapshot's replaces it whole. */
    private static void clearState(Storage s) {
        for (byte[] space : Snapshots.SPACES) {
            WriteBatch batch = new WriteBatch();
            try (ReadView view = s.view()) {
                Iterator<ReadView.Entry> it = view.scan(space, Keys.prefixEnd(space));
                while (it.hasNext()) {
                    batch.delete(it.next().key());
                    if (batch.ops().size() >= DELETE_BATCH) {
                        s.write(batch);
                        batch = new WriteBatch();
                    }
                }
            }
            s.write(batch);
        }
    }
}
