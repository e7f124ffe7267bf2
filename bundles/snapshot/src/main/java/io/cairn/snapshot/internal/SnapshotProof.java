package io.cairn.snapshot.internal;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.LtHash16;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Proving a snapshot against its chain (docs/snapshots.md, The checks, in order): the header and its seals, then
 * every chunk (its hash, its content, its keys, its counts and sum), then the whole (the entries' sum is the stored
 * accumulator, and the state root is the header's). Chunks are read and proven on every core at once, a few ahead of
 * the one whose entries go to the sink, which takes them in order; a refusal names the first chunk, in order, that
 * fails. Also the second pass of an import ({@link #load}), which reads chunks already proven.
 */
final class SnapshotProof {
    private SnapshotProof() {}

    /** The threads that prove chunks: every core. */
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    /** What one chunk held, once its own checks passed. */
    private record Chunk(List<ReadView.Entry> entries, LtHash16 sum, Map<ByteBuffer, byte[]> outside, long bytes) {}

    /** The bytes of {@code dir}'s manifest.json, as the checks parse them. */
    static byte[] manifestBytes(Path dir) {
        Path file = dir.resolve(Manifest.FILE);
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SnapshotRefused("no " + Manifest.FILE + " in " + dir + ": not a snapshot directory");
        } catch (IOException e) {
            throw new SnapshotRefused(file + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * Checks the snapshot in {@code dir}, whose manifest is {@code manifest}, against {@code chain}, in the order
     * docs/snapshots.md gives; calls {@code sink} with each chunk's entries, in order, once the chunk is proven (an
     * import's first pass and a check ignore them).
     *
     * @throws SnapshotRefused naming the first check that fails, and the chunk where there is one
     */
    static Snapshots.Summary verify(Path dir, byte[] manifest, Snapshots.Chain chain, Snapshots.EntrySink sink)
            throws IOException {
        return verify(dir, manifest, chain, sink, true, (i, blocks, receipts) -> { });
    }

    /**
     * As {@link #verify(Path, byte[], Snapshots.Chain, Snapshots.EntrySink)}, and of a full snapshot, when
     * {@code withBlocks}, its block chunks too (after the state: their receipt roots need its upgrade plans), each
     * given to {@code blockSink} once proven; without {@code withBlocks}, a full snapshot is proven as its state.
     */
    static Snapshots.Summary verify(Path dir, byte[] manifest, Snapshots.Chain chain, Snapshots.EntrySink sink,
            boolean withBlocks, BlockChunks.BlockSink blockSink) throws IOException {
        long start = System.nanoTime();
        Manifest m = Manifest.parse(manifest, dir.resolve(Manifest.FILE).toString());
        CryptoSuite suite = chain.suite();
        BlockHeader header = proveHeader(m, chain);
        Hash blockHash = suite.digest(m.header());
        LtHash16 total = new LtHash16();
        Map<ByteBuffer, byte[]> outside = new TreeMap<>();
        long[] counted = {0, 0};
        inOrder(m, i -> proveChunk(dir, m, i, chain), (i, c) -> {
            Manifest.Chunk mc = m.chunks().get(i);
            if (i > 0) {
                byte[] last = m.chunks().get(i - 1).last();
                if (Arrays.compareUnsigned(last, mc.first()) >= 0) {
                    throw new SnapshotRefused(at(i, mc) + ": key " + Bytes.toHex(mc.first()) + " does not come after "
                            + Bytes.toHex(last) + ": keys must strictly increase, within and across chunks");
                }
            }
            total.add(c.sum());
            outside.putAll(c.outside());
            counted[0] += c.entries().size();
            counted[1] += c.bytes();
            sink.accept(i, c.entries());
        });
        if (counted[0] != m.entries()) {
            throw new SnapshotRefused("the chunks hold " + counted[0] + " entries, the manifest says " + m.entries());
        }
        // the whole: the sum of every entry is the stored accumulator, and the state root is the header's
        byte[] stored = outside.get(ByteBuffer.wrap(LedgerState.LTHASH_KEY));
        if (!Arrays.equals(stored, total.toBytes())) {
            throw new SnapshotRefused(stored == null ? "the snapshot holds no state accumulator (s#lthash)"
                    : "the entries do not sum to the state accumulator the snapshot holds (s#lthash): an entry was "
                            + "changed, added or left out");
        }
        Hash root;
        Set<ByteBuffer> read = new HashSet<>();
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
        if (!m.full() || !withBlocks) {
            return new Snapshots.Summary(m.height(), blockHash, counted[0], m.chunks().size(), counted[1],
                    millis(start));
        }
        long[] blocks = proveBlocks(dir, m, chain, key -> outside.get(ByteBuffer.wrap(key)), blockHash, blockSink);
        return new Snapshots.Summary(m.height(), blockHash, counted[0], m.chunks().size(), counted[1], millis(start),
                blocks[0], m.blocks().size(), blocks[1], blocks[2]);
    }

    /**
     * The block chunks of a full snapshot whose state was proven ({@code governance}: its upgrade plans), in order:
     * each on its own, then chained to the blocks before it, and the last block is the manifest's header.
     *
     * @return the blocks, their transactions, and the chunks' bytes
     */
    private static long[] proveBlocks(Path dir, Manifest m, Snapshots.Chain chain,
            io.cairn.api.node.StateView governance, Hash blockHash, BlockChunks.BlockSink sink) throws IOException {
        BlockHeader genesis = Block.decode(m.genesisBlock()).header();
        Chained c = chainChunks(dir, m, m.blocks().size(), chain, governance, genesis, (i, ch, p) -> { }, sink);
        if (c.last() != m.height()) {
            throw new SnapshotRefused("the block chunks hold blocks 1.." + c.last() + ", the snapshot is of block "
                    + m.height());
        }
        if (!c.hash().equals(blockHash)) {
            throw new SnapshotRefused("block " + m.height() + " of the block chunks is not the manifest's header: its "
                    + "hash is " + c.hash() + ", the header's " + blockHash);
        }
        return new long[] {c.last(), c.transactions(), c.bytes()};
    }

    /** What chaining block chunks gave: the last block, the transactions, the chunks' bytes, the last block's hash. */
    private record Chained(long last, long transactions, long bytes, Hash hash) {}

    /** A check of one block chunk once it is chained to the blocks before it. */
    private interface ChunkCheck {
        void check(int i, Manifest.BlockChunk c, BlockChunks.Proven p);
    }

    /**
     * The first {@code count} block chunks of {@code m} in order: each proven on its own, then chained to the blocks
     * before it from block 0 ({@code genesis}) and checked by {@code check}, then handed to {@code sink}.
     */
    private static Chained chainChunks(Path dir, Manifest m, int count, Snapshots.Chain chain,
            io.cairn.api.node.StateView governance, BlockHeader genesis, ChunkCheck check, BlockChunks.BlockSink sink)
            throws IOException {
        Hash[] parent = {chain.genesisHash()};
        BlockHeader[] parentHeader = {genesis};
        long[] counted = {0, 0, 0};
        inOrder(count, i -> BlockChunks.prove(dir, m, i, chain), (i, p) -> {
            Manifest.BlockChunk c = m.blocks().get(i);
            long due = counted[0] + 1;
            if (c.first() != due) {
                throw new SnapshotRefused(BlockChunks.at(i, c) + ": holds blocks from " + c.first() + " where block "
                        + due + " is due");
            }
            parent[0] = BlockChunks.chain(i, c, p, parent[0], parentHeader[0], chain, governance);
            parentHeader[0] = p.blocks().get(p.blocks().size() - 1).header();
            check.check(i, c, p);
            counted[0] = c.last();
            counted[1] += p.transactions();
            counted[2] += p.bytes();
            sink.accept(i, p.blocks(), p.receipts());
        });
        return new Chained(counted[0], counted[1], counted[2], parent[0]);
    }

    /**
     * The history of a node that joined the chain at block {@code upTo}, whose hash it holds ({@code held}): the block
     * chunks of {@code m} in {@code dir} that hold blocks 1..{@code upTo}, each proven on its own and chained to the
     * blocks before it from block 0 ({@code genesis}), as an import proves them; block {@code upTo}'s hash must be
     * {@code held}. Each chunk goes to {@code sink} once proven, in order.
     *
     * @return the blocks proven, their chunks' transactions, and the milliseconds it took
     * @throws SnapshotRefused naming the first check that fails and its chunk
     */
    static long[] proveHistory(Path dir, Manifest m, Snapshots.Chain chain, io.cairn.api.node.StateView governance,
            BlockHeader genesis, long upTo, Hash held, BlockChunks.BlockSink sink) throws IOException {
        long start = System.nanoTime();
        int count = 0;
        while (count < m.blocks().size() && m.blocks().get(count).first() <= upTo) {
            count++;
        }
        Chained c = chainChunks(dir, m, count, chain, governance, genesis, (i, ch, p) -> {
            if (ch.last() >= upTo) {
                Hash hash = p.hashes().get((int) (upTo - ch.first()));
                if (!hash.equals(held)) {
                    throw new SnapshotRefused(BlockChunks.at(i, ch) + ": its block " + upTo + " has hash " + hash
                            + ", the block this node joined the chain at has " + held);
                }
            }
        }, sink);
        if (c.last() < upTo) {
            throw new SnapshotRefused("the block chunks hold blocks 1.." + c.last() + ", not 1.." + upTo);
        }
        return new long[] {upTo, c.transactions(), millis(start)};
    }

    /**
     * The second pass of an import: reads the chunks of the snapshot that {@link #verify} proved with the manifest
     * {@code manifest}, requiring the very same manifest and, for each chunk, the very bytes it proved (its size and
     * hash), and hands their entries to {@code sink} in order. The entries are not proven again: their bytes are.
     *
     * @throws SnapshotRefused when the manifest or a chunk changed since it was proven
     */
    static void load(Path dir, byte[] manifest, CryptoSuite suite, Snapshots.EntrySink sink) throws IOException {
        load(dir, manifest, suite, sink, null);
    }

    /**
     * As {@link #load(Path, byte[], CryptoSuite, Snapshots.EntrySink)}, then, unless {@code blockSink} is null, the
     * block chunks of a full snapshot, each required to be the very bytes proven, their blocks to {@code blockSink}.
     */
    static void load(Path dir, byte[] manifest, CryptoSuite suite, Snapshots.EntrySink sink,
            BlockChunks.BlockSink blockSink) throws IOException {
        if (!Arrays.equals(manifestBytes(dir), manifest)) {
            throw new SnapshotRefused("the snapshot changed while it was imported (its " + Manifest.FILE + ")");
        }
        Manifest m = Manifest.parse(manifest, dir.resolve(Manifest.FILE).toString());
        inOrder(m, i -> {
            Manifest.Chunk c = m.chunks().get(i);
            byte[] packed = chunkBytes(dir, i, c, suite);
            List<ReadView.Entry> entries = new ArrayList<>();
            ByteBuffer in = ByteBuffer.wrap(unpack(packed, at(i, c)));
            while (in.hasRemaining()) {
                entries.add(new ReadView.Entry(field(in, Snapshots.MAX_KEY, at(i, c), "key"),
                        field(in, Snapshots.MAX_VALUE, at(i, c), "value")));
            }
            return new Chunk(entries, null, Map.of(), packed.length);
        }, (i, c) -> sink.accept(i, c.entries()));
        if (blockSink == null || !m.full()) {
            return;
        }
        inOrder(m.blocks().size(), i -> {
            Manifest.BlockChunk c = m.blocks().get(i);
            String at = BlockChunks.at(i, c);
            byte[] packed = fileBytes(dir, at, c.file(), c.bytes(), c.hash(), suite);
            return BlockChunks.read(unpack(packed, at), at, c, suite, packed.length);
        }, (i, p) -> blockSink.accept(i, p.blocks(), p.receipts()));
    }

    private interface ChunkTask<T> {
        T run(int index) throws IOException;
    }

    private interface ChunkUse<T> {
        void accept(int index, T chunk) throws IOException;
    }

    private static void inOrder(Manifest m, ChunkTask<Chunk> task, ChunkUse<Chunk> use) throws IOException {
        inOrder(m.chunks().size(), task, use);
    }

    /**
     * Runs {@code task} on every chunk, on every core, at most a few chunks ahead of the one {@code use} takes, and
     * gives them to {@code use} in order; the first chunk in order whose task or use fails ends it with that failure.
     */
    private static <T> void inOrder(int count, ChunkTask<T> task, ChunkUse<T> use) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, Math.max(1, count)), r -> {
            Thread t = new Thread(r, "cairn-snapshot-proof");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<T>> ahead = new ArrayDeque<>();
            int next = 0;
            for (int i = 0; i < count; i++) {
                while (next < count && ahead.size() < THREADS + 1) {
                    int n = next++;
                    ahead.add(pool.submit(() -> task.run(n)));
                }
                T c;
                try {
                    c = ahead.removeFirst().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while proving chunk " + i, e);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(cause);
                }
                use.accept(i, c);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String at(int i, Manifest.Chunk c) {
        return "chunk " + i + " (" + c.file() + ")";
    }

    /** The chunk's file, checked against the manifest: present, of its size, of its hash. */
    private static byte[] chunkBytes(Path dir, int i, Manifest.Chunk c, CryptoSuite suite) throws IOException {
        return fileBytes(dir, at(i, c), c.file(), c.bytes(), c.hash(), suite);
    }

    /** A chunk's file ({@code at} names it), checked against the manifest: present, of its size, of its hash. */
    static byte[] fileBytes(Path dir, String at, String name, long bytes, String hash, CryptoSuite suite)
            throws IOException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new SnapshotRefused(at + ": the file is missing");
        }
        if (bytes > Snapshots.MAX_CHUNK_BYTES) {
            throw new SnapshotRefused(at + ": the manifest gives it " + bytes + " bytes, more than a chunk may "
                    + "hold (" + Snapshots.MAX_CHUNK_BYTES + ")");
        }
        if (Files.size(file) != bytes) {
            throw new SnapshotRefused(at + ": the file is " + Files.size(file) + " bytes, the manifest says " + bytes);
        }
        byte[] packed = Files.readAllBytes(file);
        if (!suite.digest(packed).toString().equals(hash)) {
            throw new SnapshotRefused(at + ": its hash is " + suite.digest(packed) + ", the manifest says " + hash);
        }
        return packed;
    }

    /** One chunk's own checks: its file, its content, its keys ascending and of the state, its counts, its sum. */
    private static Chunk proveChunk(Path dir, Manifest m, int i, Snapshots.Chain chain) throws IOException {
        Manifest.Chunk c = m.chunks().get(i);
        String at = at(i, c);
        byte[] packed = chunkBytes(dir, i, c, chain.suite());
        byte[] raw = unpack(packed, at);
        List<ReadView.Entry> chunk = new ArrayList<>();
        Map<ByteBuffer, byte[]> outside = new TreeMap<>();
        LtHash16 sum = new LtHash16();
        ByteBuffer in = ByteBuffer.wrap(raw);
        byte[] previous = null;
        while (in.hasRemaining()) {
            byte[] key = field(in, Snapshots.MAX_KEY, at, "key");
            byte[] value = field(in, Snapshots.MAX_VALUE, at, "value");
            if (previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
                throw new SnapshotRefused(at + ": key " + Bytes.toHex(key) + " does not come after "
                        + Bytes.toHex(previous) + ": keys must strictly increase, within and across chunks");
            }
            if (key.length == 0 || (key[0] != Keys.STATE && key[0] != Keys.GOVERNANCE)) {
                throw new SnapshotRefused(at + ": key " + Bytes.toHex(key) + " is outside the chain's state");
            }
            previous = key;
            if (chain.rules().inAccumulator(key)) {
                sum.add(LedgerState.entrySeed(chain.suite(), key, value));
            } else if (key[0] == Keys.GOVERNANCE || (key.length > 1 && key[1] == '#')) {
                outside.put(ByteBuffer.wrap(key), value);
            } else {
                throw new SnapshotRefused(at + ": entry " + Bytes.toHex(key) + " is neither summed into the state "
                        + "accumulator nor chain metadata: a snapshot holds only what the state root proves");
            }
            chunk.add(new ReadView.Entry(key, value));
        }
        if (chunk.size() != c.entries()) {
            throw new SnapshotRefused(at + ": it holds " + chunk.size() + " entries, the manifest says " + c.entries());
        }
        if (chunk.isEmpty() || !Arrays.equals(chunk.get(0).key(), c.first())
                || !Arrays.equals(chunk.get(chunk.size() - 1).key(), c.last())) {
            throw new SnapshotRefused(at + ": its keys are not the range the manifest gives ("
                    + Bytes.toHex(c.first()) + " to " + Bytes.toHex(c.last()) + ")");
        }
        if (!Arrays.equals(sum.toBytes(), c.sum())) {
            throw new SnapshotRefused(at + ": the sum of its entries is not the manifest's");
        }
        return new Chunk(chunk, sum, outside, packed.length);
    }

    /**
     * The first checks of a snapshot, which need no chunk: the genesis block it carries is the chain's, and its
     * header is final (sealed by a quorum of the genesis sealers). A joining node runs them on each manifest a
     * peer offers before it fetches a chunk.
     *
     * @return the header of the snapshot's block
     * @throws SnapshotRefused naming the check that fails
     */
    static BlockHeader proveHeader(Manifest m, Snapshots.Chain chain) {
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

    static byte[] unpack(byte[] packed, String at) {
        long size;
        try {
            size = Zstd.getFrameContentSize(packed);
        } catch (RuntimeException e) {
            throw new SnapshotRefused(at + ": not a zstd frame: " + e.getMessage());
        }
        if (size < 0 || size > Snapshots.MAX_CHUNK_BYTES) {
            throw new SnapshotRefused(at + ": not a zstd frame of at most " + Snapshots.MAX_CHUNK_BYTES + " bytes (content size "
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
