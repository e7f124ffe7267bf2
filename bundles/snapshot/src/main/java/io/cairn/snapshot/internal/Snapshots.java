package io.cairn.snapshot.internal;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
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
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
    /** The key spaces a snapshot holds: governance ({@code 'g'}) and ledger state ({@code 's'}), ascending. */
    static final byte[][] SPACES = {{Keys.GOVERNANCE}, {Keys.STATE}};

    private Snapshots() {}

    /** What an export or a verification found. */
    record Summary(long height, Hash blockHash, long entries, int chunks, long bytes, long millis) {}

    /**
     * The ledger model's rules about its state (the rules engine's, for the model that made the head): which entries
     * the accumulator sums, which are derived (left out), and the state root of the entries outside the accumulator.
     */
    interface StateRules {
        boolean inAccumulator(byte[] key);

        boolean derived(byte[] key);

        Hash stateRoot(StateView state);

        static StateRules of(io.cairn.api.node.LedgerModel model) {
            return new StateRules() {
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
        new Manifest(Manifest.FORMAT, Manifest.STATE, g.chainId(), g.suite(), g.ledger(),
                suite.digest(genesis.header().encode()).toString(), genesis.encode(), height, headerBytes,
                head.seals(), count[1], chunks).write(dir);
        return new Summary(height, blockHash, count[1], chunks.size(), bytes, millis(start));
    }

    private static Genesis genesisOf(Block genesis) {
        return Genesis.decode(genesis.header().extra());
    }

    private static long flush(Path dir, List<Manifest.Chunk> chunks, ByteArrayOutputStream buf, LtHash16 sum,
            byte[][] range, long[] count, CryptoSuite suite) throws IOException {
        byte[] packed = Zstd.compress(buf.toByteArray(), ZSTD_LEVEL);
        String name = String.format("chunk-%05d.zst", chunks.size());
        Files.write(dir.resolve(name), packed);
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
     * Checks the snapshot in {@code dir} against {@code chain}, in the order docs/snapshots.md gives; calls
     * {@code sink} with each chunk's entries once the chunk is proven (an import writes them; a check ignores them).
     *
     * @throws SnapshotRefused naming the first check that fails, and the chunk where there is one
     */
    static Summary verify(Path dir, Chain chain, EntrySink sink) throws IOException {
        long start = System.nanoTime();
        Manifest m = Manifest.read(dir);
        CryptoSuite suite = chain.suite();
        BlockHeader header = proveHeader(m, chain);
        Hash blockHash = suite.digest(m.header());
        // the chunks, in order: hash, bounds, strictly ascending keys, counts, partial sums
        LtHash16 total = new LtHash16();
        Map<ByteBuffer, byte[]> outside = new TreeMap<>();
        byte[] previous = null;
        long entries = 0;
        long bytes = 0;
        for (int i = 0; i < m.chunks().size(); i++) {
            Manifest.Chunk c = m.chunks().get(i);
            String at = "chunk " + i + " (" + c.file() + ")";
            Path file = dir.resolve(c.file());
            if (!Files.isRegularFile(file)) {
                throw new SnapshotRefused(at + ": the file is missing");
            }
            if (c.bytes() > MAX_CHUNK_BYTES) {
                throw new SnapshotRefused(at + ": the manifest gives it " + c.bytes() + " bytes, more than a chunk may "
                        + "hold (" + MAX_CHUNK_BYTES + ")");
            }
            if (Files.size(file) != c.bytes()) {
                throw new SnapshotRefused(at + ": the file is " + Files.size(file) + " bytes, the manifest says "
                        + c.bytes());
            }
            byte[] packed = Files.readAllBytes(file);
            if (!suite.digest(packed).toString().equals(c.hash())) {
                throw new SnapshotRefused(at + ": its hash is " + suite.digest(packed) + ", the manifest says "
                        + c.hash());
            }
            byte[] raw = unpack(packed, at);
            List<ReadView.Entry> chunk = new ArrayList<>();
            LtHash16 sum = new LtHash16();
            ByteBuffer in = ByteBuffer.wrap(raw);
            while (in.hasRemaining()) {
                byte[] key = field(in, MAX_KEY, at, "key");
                byte[] value = field(in, MAX_VALUE, at, "value");
                if (previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
                    throw new SnapshotRefused(at + ": key " + Bytes.toHex(key) + " does not come after "
                            + Bytes.toHex(previous) + ": keys must strictly increase, within and across chunks");
                }
                if (key.length == 0 || (key[0] != Keys.STATE && key[0] != Keys.GOVERNANCE)) {
                    throw new SnapshotRefused(at + ": key " + Bytes.toHex(key) + " is outside the chain's state");
                }
                previous = key;
                if (chain.rules().inAccumulator(key)) {
                    sum.add(LedgerState.entrySeed(suite, key, value));
                } else if (key[0] == Keys.GOVERNANCE || (key.length > 1 && key[1] == '#')) {
                    outside.put(ByteBuffer.wrap(key), value);
                } else {
                    throw new SnapshotRefused(at + ": entry " + Bytes.toHex(key) + " is neither summed into the state "
                            + "accumulator nor chain metadata: a snapshot holds only what the state root proves");
                }
                chunk.add(new ReadView.Entry(key, value));
            }
            if (chunk.size() != c.entries()) {
                throw new SnapshotRefused(at + ": it holds " + chunk.size() + " entries, the manifest says "
                        + c.entries());
            }
            if (chunk.isEmpty() || !Arrays.equals(chunk.get(0).key(), c.first())
                    || !Arrays.equals(chunk.get(chunk.size() - 1).key(), c.last())) {
                throw new SnapshotRefused(at + ": its keys are not the range the manifest gives ("
                        + Bytes.toHex(c.first()) + " to " + Bytes.toHex(c.last()) + ")");
            }
            if (!Arrays.equals(sum.toBytes(), c.sum())) {
                throw new SnapshotRefused(at + ": the sum of its entries is not the manifest's");
            }
            total.add(sum);
            entries += chunk.size();
            bytes += packed.length;
            sink.accept(i, chunk);
        }
        if (entries != m.entries()) {
            throw new SnapshotRefused("the chunks hold " + entries + " entries, the manifest says " + m.entries());
        }
        // the whole: the sum of every entry is the stored accumulator, and the state root is the header's
        byte[] stored = outside.get(ByteBuffer.wrap(LedgerState.LTHASH_KEY));
        if (!Arrays.equals(stored, total.toBytes())) {
            throw new SnapshotRefused(stored == null ? "the snapshot holds no state accumulator (s#lthash)"
                    : "the entries do not sum to the state accumulator the snapshot holds (s#lthash): an entry was "
                            + "changed, added or left out");
        }
        Hash root;
        java.util.Set<ByteBuffer> read = new java.util.HashSet<>();
        try {
            root = chain.rules().stateRoot(key -> {
                read.add(ByteBuffer.wrap(key));
                return outside.get(ByteBuffer.wrap(key));
            });
        } catch (RuntimeException e) {
            throw new SnapshotRefused("the state root cannot be computed: " + e.getMessage());
        }
        if (!root.equals(header.stateRoot())) {
            throw new SnapshotRefused("the entries give state root " + root + ", the header of block " + m.height()
                    + " has " + header.stateRoot());
        }
        // every entry outside the accumulator is one the root was computed from, or the chain's id
        for (Map.Entry<ByteBuffer, byte[]> e : outside.entrySet()) {
            byte[] key = e.getKey().array();
            if (Arrays.equals(key, LedgerState.CHAIN_ID_KEY)) {
                if (!Arrays.equals(e.getValue(), ByteBuffer.allocate(8).putLong(chain.spec().chainId()).array())) {
                    throw new SnapshotRefused("the snapshot's chain id entry (s#chainId) is not this chain's, "
                            + chain.spec().chainIdText());
                }
            } else if (!read.contains(e.getKey())) {
                throw new SnapshotRefused("entry " + Bytes.toHex(key) + " is outside the state accumulator and the "
                        + "state root does not cover it");
            }
        }
        return new Summary(m.height(), blockHash, entries, m.chunks().size(), bytes, millis(start));
    }

    /**
     * The first checks of a snapshot, which need no chunk: the genesis block it carries is the chain's, and its
     * header is final (sealed by a quorum of the genesis sealers). A joining node runs them on each manifest a
     * peer offers before it fetches a chunk.
     *
     * @return the header of the snapshot's block
     * @throws SnapshotRefused naming the check that fails
     */
    static BlockHeader proveHeader(Manifest m, Chain chain) {
        // the chain: the genesis block the manifest carries is this chain's
        if (!chain.genesisHash().toString().equals(m.genesisHash())) {
            throw new SnapshotRefused("the snapshot is of the chain with genesis block " + m.genesisHash()
                    + ", this node's chain has " + chain.genesisHash());
        }
        Block genesis;
        try {
            genesis = Block.decode(m.genesisBlock());
        } catch (RuntimeException e) {
            throw new SnapshotRefused("genesisBlock does not decode: " + e.getMessage());
        }
        if (!chain.suite().digest(genesis.header().encode()).equals(chain.genesisHash())) {
            throw new SnapshotRefused("genesisBlock is not the block whose hash genesisHash gives");
        }
        // the header and its seals: a quorum of the genesis sealers made it final
        BlockHeader header;
        try {
            header = BlockHeader.decode(m.header());
        } catch (RuntimeException e) {
            throw new SnapshotRefused("header does not decode: " + e.getMessage());
        }
        if (header.number() != m.height()) {
            throw new SnapshotRefused("header is of block " + header.number() + ", the manifest says height "
                    + m.height());
        }
        if (header.chainId() != chain.spec().chainId()) {
            throw new SnapshotRefused("header is of chain " + Long.toUnsignedString(header.chainId()) + ", this chain is "
                    + chain.spec().chainIdText());
        }
        Hash blockHash = chain.suite().digest(m.header());
        if (header.number() > 0 && !chain.spec().isFinal(blockHash, m.seals(), chain.suite())) {
            throw new SnapshotRefused("the seals of block " + m.height() + " (" + blockHash + ") are valid for "
                    + io.cairn.api.chain.Seals.validSealers(blockHash, m.seals(), chain.spec().sealers(), chain.suite())
                    + " sealers of the genesis list; the quorum is " + chain.spec().quorum() + " of "
                    + chain.spec().n());
        }
        if (header.number() == 0 && !blockHash.equals(chain.genesisHash())) {
            throw new SnapshotRefused("header is of block 0 but is not this chain's genesis block");
        }
        return header;
    }

    /** Receives each chunk's entries once the chunk is proven. */
    interface EntrySink {
        void accept(int chunk, List<ReadView.Entry> entries) throws IOException;
    }

    private static byte[] unpack(byte[] packed, String at) {
        long size;
        try {
            size = Zstd.getFrameContentSize(packed);
        } catch (RuntimeException e) {
            throw new SnapshotRefused(at + ": not a zstd frame: " + e.getMessage());
        }
        if (size < 0 || size > MAX_CHUNK_BYTES) {
            throw new SnapshotRefused(at + ": not a zstd frame of at most " + MAX_CHUNK_BYTES + " bytes (content size "
                    + size + ")");
        }
        try {
            return Zstd.decompress(packed, (int) size);
        } catch (RuntimeException e) {
            throw new SnapshotRefused(at + ": does not decompress: " + e.getMessage());
        }
    }

    private static byte[] field(ByteBuffer in, int max, String at, String what) {
        if (in.remaining() < 4) {
            throw new SnapshotRefused(at + ": ends inside an entry's " + what + " length");
        }
        int n = in.getInt();
        if (n < 0 || n > max || n > in.remaining()) {
            throw new SnapshotRefused(at + ": an entry's " + what + " of " + Integer.toUnsignedString(n)
                    + " bytes does not fit (at most " + max + ", " + in.remaining() + " left)");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
