package io.cairn.snapshot.internal;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.LtHash16;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * Writing and checking snapshots (docs/snapshots.md). A snapshot holds the chain's state (the key spaces
 * {@code 'g'} and {@code 's'}) at one height, in chunks of ascending keys, with the sealed header of that height.
 * Everything in it is proven against that header: the seals against the genesis sealers, each chunk against its
 * hash, the keys' order, every accumulated entry against the accumulator the header's state root commits to.
 */
final class Snapshots {
    /** A chunk ends once its uncompressed entries reach this many bytes (the last entry may pass it). */
    static final int DEFAULT_CHUNK_BYTES = 16 << 20;
    /** The most a chunk may hold, uncompressed: a chunk claiming more is refused before it is read. */
    static final int MAX_CHUNK_BYTES = 64 << 20;
    static final int MAX_KEY = 1 << 16;
    static final int MAX_VALUE = 16 << 20;
    private static final int ZSTD_LEVEL = 3;

    /**
     * For crash tests only: the node's JVM system property that, set to {@code true}, halts the node (as kill -9
     * would) once an export wrote its first chunk file, before its manifest.
     */
    static final String HALT_PROPERTY = "cairn.test.snapshot.export.haltAfterFirstChunk";
    private static final boolean HALT_AFTER_FIRST_CHUNK = Boolean.getBoolean(HALT_PROPERTY);
    /** The key spaces a snapshot holds: governance ({@code 'g'}) and ledger state ({@code 's'}), ascending. */
    static final byte[][] SPACES = {{Keys.GOVERNANCE}, {Keys.STATE}};

    private Snapshots() {}

    /**
     * What an export or a verification found: the state's entries, chunks and bytes; of a full snapshot, its blocks
     * (1..height), block chunks, their transactions and bytes (0 for a state snapshot).
     */
    record Summary(long height, Hash blockHash, long entries, int chunks, long bytes, long millis, long blocks,
            int blockChunks, long transactions, long blockBytes) {
        Summary(long height, Hash blockHash, long entries, int chunks, long bytes, long millis) {
            this(height, blockHash, entries, chunks, bytes, millis, 0, 0, 0, 0);
        }
    }

    /** Told of an export's progress as it goes: each entry and each block written (bytes uncompressed). */
    interface Progress {
        Progress NONE = new Progress() { };

        default void entry(long bytes) {}

        default void block(long number, long bytes) {}
    }

    /**
     * The ledger model's rules about its state (the rules engine's, for the model that made the head): which entries
     * the accumulator sums, which are derived (left out), and the state root of the entries outside the accumulator.
     */
    interface StateRules {
        boolean inAccumulator(byte[] key);

        boolean derived(byte[] key);

        Hash stateRoot(StateView state);

        /**
         * The block format of block {@code number} by the upgrade plans of {@code governance} (a state at or after
         * its parent): what a full snapshot's receipt roots are checked with.
         */
        default io.cairn.api.node.BlockFormat blockFormat(long number, StateView governance) {
            throw new UnsupportedOperationException("no block format is known here");
        }

        static StateRules of(io.cairn.api.node.LedgerModel model) {
            return new StateRules() {
                @Override
                public io.cairn.api.node.BlockFormat blockFormat(long number, StateView governance) {
                    if (model instanceof io.cairn.api.node.ChainRules rules) {
                        return rules.blockFormat(number, governance);
                    }
                    return StateRules.super.blockFormat(number, governance);
                }

                @Override
                public boolean inAccumulator(byte[] key) {
                    return model.inAccumulator(key);
                }

                @Override
                public boolean derived(byte[] key) {
                    return model.derived(key);
                }

                @Override
                public Hash stateRoot(StateView state) {
                    return model.stateRoot(state);
                }
            };
        }
    }

    // ---------------------------------------------------------------- export

    /**
     * Writes a snapshot of {@code view} (the head it holds, with its state) into {@code dir}, which must not hold
     * one yet. Streams chunk by chunk: at most one chunk is in memory.
     *
     * @param blocks the committed blocks by number (block 0, and the head's for its seals)
     */
    static Summary export(ReadView view, Function<Long, Block> blocks, CryptoSuite suite, StateRules rules, Path dir,
            int chunkBytes) throws IOException {
        return export(view, blocks, null, suite, rules, dir, chunkBytes, Progress.NONE);
    }

    /**
     * As {@link #export(ReadView, Function, CryptoSuite, StateRules, Path, int)}; with {@code full}, a full snapshot:
     * the state, then blocks 1..H from {@code full} in block chunks ({@link BlockChunks}).
     */
    static Summary export(ReadView view, Function<Long, Block> blocks, BlockChunks.Source full, CryptoSuite suite,
            StateRules rules, Path dir, int chunkBytes, Progress progress) throws IOException {
        long start = System.nanoTime();
        byte[] headBytes = view.get(Keys.CHAIN_HEAD);
        if (headBytes == null) {
            throw new IllegalStateException("the chain has no blocks yet: nothing to snapshot");
        }
        long height = ByteBuffer.wrap(headBytes).getLong();
        byte[] headerBytes = view.get(Keys.blockHeader(height));
        if (headerBytes == null) {
            throw new IllegalStateException("the head, block " + height + ", has no stored header");
        }
        Block head = blocks.apply(height);
        Block genesis = blocks.apply(0L);
        if (head == null || genesis == null) {
            throw new IllegalStateException("block " + (head == null ? height : 0) + " is not held here");
        }
        Genesis g = genesisOf(genesis);
        if (Files.exists(dir.resolve(Manifest.FILE))) {
            throw new IllegalArgumentException(dir + " holds a snapshot already");
        }
        Files.createDirectories(dir);
        List<Manifest.Chunk> chunks = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(Math.min(chunkBytes, 1 << 20) + 1024);
        LtHash16 sum = new LtHash16();
        byte[][] range = new byte[2][];
        long[] count = {0, 0};
        long bytes = 0;
        for (byte[] space : SPACES) {
            Iterator<ReadView.Entry> it = view.scan(space, Keys.prefixEnd(space));
            while (it.hasNext()) {
                ReadView.Entry e = it.next();
                if (rules.derived(e.key())) {
                    continue; // rebuilt by the model on import
                }
                if (count[0] == 0) {
                    range[0] = e.key();
                }
                range[1] = e.key();
                writeEntry(buf, e.key(), e.value());
                progress.entry(8L + e.key().length + e.value().length);
                if (rules.inAccumulator(e.key())) {
                    sum.add(LedgerState.entrySeed(suite, e.key(), e.value()));
                }
                count[0]++;
                if (buf.size() >= chunkBytes) {
                    bytes += flush(dir, chunks, buf, sum, range, count, suite);
                    sum = new LtHash16();
                }
            }
        }
        if (count[0] > 0) {
            bytes += flush(dir, chunks, buf, sum, range, count, suite);
        }
        Hash blockHash = suite.digest(headerBytes);
        BlockChunks.Written written = full == null ? null
                : BlockChunks.write(full, height, suite, dir, chunkBytes, progress);
        new Manifest(Manifest.FORMAT, full == null ? Manifest.STATE : Manifest.FULL, g.chainId(), g.suite(),
                g.ledger(), suite.digest(genesis.header().encode()).toString(), genesis.encode(), height, headerBytes,
                head.seals(), count[1], chunks, written == null ? List.of() : written.chunks()).write(dir);
        if (written == null) {
            return new Summary(height, blockHash, count[1], chunks.size(), bytes, millis(start));
        }
        return new Summary(height, blockHash, count[1], chunks.size(), bytes, millis(start), height,
                written.chunks().size(), written.transactions(), written.bytes());
    }

    private static Genesis genesisOf(Block genesis) {
        return Genesis.decode(genesis.header().extra());
    }

    private static long flush(Path dir, List<Manifest.Chunk> chunks, ByteArrayOutputStream buf, LtHash16 sum,
            byte[][] range, long[] count, CryptoSuite suite) throws IOException {
        byte[] packed = Zstd.compress(buf.toByteArray(), ZSTD_LEVEL);
        String name = String.format("chunk-%05d.zst", chunks.size());
        Files.write(dir.resolve(name), packed);
        if (HALT_AFTER_FIRST_CHUNK) {
            System.getLogger(Snapshots.class.getName()).log(System.Logger.Level.ERROR, HALT_PROPERTY
                    + ": halting after " + dir.resolve(name));
            Runtime.getRuntime().halt(137);
        }
        chunks.add(new Manifest.Chunk(name, count[0], packed.length, suite.digest(packed).toString(), range[0],
                range[1], sum.toBytes()));
        count[1] += count[0];
        count[0] = 0;
        buf.reset();
        return packed.length;
    }

    private static void writeEntry(ByteArrayOutputStream out, byte[] key, byte[] value) {
        u32(out, key.length);
        out.write(key, 0, key.length);
        u32(out, value.length);
        out.write(value, 0, value.length);
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    // ---------------------------------------------------------------- verify

    /** What a verification needs of the chain it is checked for. */
    record Chain(Hash genesisHash, ChainSpec spec, CryptoSuite suite, StateRules rules) {}

    /**
     * Checks the snapshot in {@code dir} against {@code chain} ({@link SnapshotProof#verify}).
     *
     * @throws SnapshotRefused naming the first check that fails, and the chunk where there is one
     */
    static Summary verify(Path dir, Chain chain, EntrySink sink) throws IOException {
        return SnapshotProof.verify(dir, SnapshotProof.manifestBytes(dir), chain, sink);
    }

    /** The checks that need no chunk ({@link SnapshotProof#proveHeader}). */
    static BlockHeader proveHeader(Manifest m, Chain chain) {
        return SnapshotProof.proveHeader(m, chain);
    }

    /** Receives each chunk's entries once the chunk is proven. */
    interface EntrySink {
        void accept(int chunk, List<ReadView.Entry> entries) throws IOException;
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
