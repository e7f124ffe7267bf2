package io.cairn.snapshot.internal;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Seals;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.StateView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The block chunks of a full snapshot (docs/snapshots.md, Block chunks): blocks 1..H with their receipts, in block
 * order, each chunk one zstd frame of block records {@code bytes block | u32 n | n x (u8 0 | u8 1 bytes receipt)}.
 * Written streaming (one chunk in memory at a time) and proven against the chain: each block extends the one before
 * by its parent hash from block 0 up to the snapshot's sealed header, its transactions give its header's transaction
 * root, its seals reach the quorum, and its receipts are its transactions' and give its header's receipt root.
 */
final class BlockChunks {
    private BlockChunks() {}

    /** What a full export reads blocks through: the block store, which serves archived blocks from their archives. */
    interface Source {
        /** Block {@code n}: its header, transactions and seals; empty when it is not held. */
        java.util.Optional<Block> block(long n);

        /** The receipt stored under {@code txHash}, or empty. */
        java.util.Optional<Receipt> receipt(Hash txHash);
    }

    /** The block chunks written: their manifest entries, the blocks' transactions and the files' bytes. */
    record Written(List<Manifest.BlockChunk> chunks, long transactions, long bytes) {}

    /** One chunk proven on its own, before it is chained to the one before. */
    record Proven(List<Block> blocks, List<List<Receipt>> receipts, List<Hash> hashes, long transactions, long bytes) {}

    /** Receives each block chunk's blocks and receipts, in order, once proven (or, on an import's second pass, read). */
    interface BlockSink {
        void accept(int chunk, List<Block> blocks, List<List<Receipt>> receipts) throws IOException;
    }

    static String at(int i, Manifest.BlockChunk c) {
        return "block chunk " + i + " (" + c.file() + ")";
    }

    // ---------------------------------------------------------------- export

    /**
     * Writes blocks 1..{@code height} from {@code source} into {@code dir} as block chunks of about {@code chunkBytes}
     * each (uncompressed).
     *
     * @throws IllegalStateException naming the block that is not held, or the archive that cannot be read
     */
    static Written write(Source source, long height, CryptoSuite suite, Path dir, int chunkBytes,
            Snapshots.Progress progress) throws IOException {
        List<Manifest.BlockChunk> chunks = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(Math.min(chunkBytes, 1 << 20) + 1024);
        long first = 1;
        long txs = 0;
        long chunkTxs = 0;
        long bytes = 0;
        for (long n = 1; n <= height; n++) {
            long number = n;
            Block block = source.block(n).orElseThrow(() -> new IllegalStateException("block " + number + " is not "
                    + "held here: a full snapshot needs every block 1.." + height));
            byte[] record = record(block, source, suite);
            if (record.length > Snapshots.MAX_CHUNK_BYTES) {
                throw new IllegalStateException("block " + n + " is " + record.length + " bytes with its receipts, more "
                        + "than a chunk may hold (" + Snapshots.MAX_CHUNK_BYTES + ")");
            }
            if (buf.size() > 0 && buf.size() + record.length > Snapshots.MAX_CHUNK_BYTES) {
                bytes += flush(dir, chunks, buf, first, n - 1, chunkTxs, suite);
                first = n;
                chunkTxs = 0;
            }
            buf.write(record, 0, record.length);
            chunkTxs += block.transactions().size();
            txs += block.transactions().size();
            progress.block(n, record.length);
            if (buf.size() >= chunkBytes) {
                bytes += flush(dir, chunks, buf, first, n, chunkTxs, suite);
                first = n + 1;
                chunkTxs = 0;
            }
        }
        if (buf.size() > 0) {
            bytes += flush(dir, chunks, buf, first, height, chunkTxs, suite);
        }
        return new Written(chunks, txs, bytes);
    }

    /**
     * One block's record: the block, and per transaction its receipt when the store keeps it under this block (a
     * failed replay of an earlier transaction keeps the earlier one's: {@code u8 0}).
     */
    private static byte[] record(Block block, Source source, CryptoSuite suite) {
        long n = block.number();
        byte[] encoded = block.encode();
        Encoder e = new Encoder(encoded.length + 16 + block.transactions().size() * 128).bytes(encoded)
                .u32(block.transactions().size());
        for (int i = 0; i < block.transactions().size(); i++) {
            Hash txHash = suite.digest(block.transactions().get(i).payload());
            Receipt r = source.receipt(txHash).orElseThrow(() -> new IllegalStateException("block " + n
                    + ": transaction " + txHash + " has no receipt stored"));
            if (r.blockNumber() == n && r.index() == i) {
                e.u8(1).bytes(r.encode());
            } else {
                e.u8(0);
            }
        }
        return e.toByteArray();
    }

    private static long flush(Path dir, List<Manifest.BlockChunk> chunks, ByteArrayOutputStream buf, long first,
            long last, long txs, CryptoSuite suite) throws IOException {
        byte[] packed = Zstd.compress(buf.toByteArray(), 3);
        String name = String.format("blocks-%05d.zst", chunks.size());
        Files.write(dir.resolve(name), packed);
        chunks.add(new Manifest.BlockChunk(name, first, last, txs, packed.length, suite.digest(packed).toString()));
        buf.reset();
        return packed.length;
    }

    // ---------------------------------------------------------------- proof

    /**
     * The checks of block chunk {@code i} on its own (docs/snapshots.md, The checks, in order): its file, its
     * records, its blocks' numbers, transactions, transaction roots, seals and receipts; not yet the chain to the
     * chunk before, nor the receipt root, which need the blocks before it.
     */
    static Proven prove(Path dir, Manifest m, int i, Snapshots.Chain chain) throws IOException {
        Manifest.BlockChunk c = m.blocks().get(i);
        String at = at(i, c);
        CryptoSuite suite = chain.suite();
        byte[] packed = SnapshotProof.fileBytes(dir, at, c.file(), c.bytes(), c.hash(), suite);
        Proven read = read(SnapshotProof.unpack(packed, at), at, c, suite, packed.length);
        for (int b = 0; b < read.blocks().size(); b++) {
            Block block = read.blocks().get(b);
            BlockHeader h = block.header();
            long n = h.number();
            if (h.chainId() != chain.spec().chainId()) {
                throw new SnapshotRefused(at + ": block " + n + " is of chain " + Long.toUnsignedString(h.chainId())
                        + ", this chain is " + chain.spec().chainIdText());
            }
            if (block.transactions().size() != h.txCount()) {
                throw new SnapshotRefused(at + ": block " + n + " has " + block.transactions().size()
                        + " transactions, its header counts " + h.txCount());
            }
            List<Hash> hashes = new ArrayList<>(block.transactions().size());
            for (Envelope t : block.transactions()) {
                hashes.add(suite.digest(t.payload()));
            }
            if (!MerkleRoot.of(hashes, suite::hash).equals(h.txRoot())) {
                throw new SnapshotRefused(at + ": block " + n + ": its transactions do not give its header's "
                        + "transaction root");
            }
            Hash hash = read.hashes().get(b);
            if (!chain.spec().isFinal(hash, block.seals(), suite)) {
                throw new SnapshotRefused(at + ": block " + n + ": its seals are valid for "
                        + Seals.validSealers(hash, block.seals(), chain.spec().sealers(), suite)
                        + " sealers of the genesis list; the quorum is " + chain.spec().quorum() + " of "
                        + chain.spec().n());
            }
            List<Receipt> receipts = read.receipts().get(b);
            for (int t = 0; t < receipts.size(); t++) {
                Receipt r = receipts.get(t);
                if (r != null && (!r.txHash().equals(hashes.get(t)) || r.blockNumber() != n || r.index() != t)) {
                    throw new SnapshotRefused(at + ": block " + n + ": receipt " + t + " is not that of transaction "
                            + t + " (it names transaction " + r.txHash() + ", block " + r.blockNumber() + ", index "
                            + r.index() + ")");
                }
            }
        }
        return read;
    }

    /**
     * The checks that chain chunk {@code i}'s blocks to the blocks before it, in order: each block's parent hash is
     * the hash of the block before ({@code parent}: block 0's, then each one's), and its receipts give its header's
     * receipt root under the block format in force for it (by the upgrade plans of {@code governance}, the proven
     * state's). Returns the hash of the chunk's last block.
     */
    static Hash chain(int i, Manifest.BlockChunk c, Proven p, Hash parent, BlockHeader parentHeader,
            Snapshots.Chain chain, StateView governance) {
        String at = at(i, c);
        BlockHeader before = parentHeader;
        for (int b = 0; b < p.blocks().size(); b++) {
            BlockHeader h = p.blocks().get(b).header();
            if (!h.parentHash().equals(parent)) {
                throw new SnapshotRefused(at + ": block " + h.number() + " does not extend block " + (h.number() - 1)
                        + ": its parent hash is " + h.parentHash() + ", block " + (h.number() - 1) + "'s hash is "
                        + parent);
            }
            List<Receipt> receipts = p.receipts().get(b);
            if (!receipts.contains(null)) {
                Hash root;
                try {
                    root = chain.rules().blockFormat(h.number(), governance).next(chain.suite(), before,
                            h.timestamp(), h.sealer(), h.txRoot(), h.txCount(), receipts, h.stateRoot()).receiptRoot();
                } catch (RuntimeException e) {
                    throw new SnapshotRefused(at + ": block " + h.number() + ": its receipt root cannot be checked: "
                            + e.getMessage());
                }
                if (!root.equals(h.receiptRoot())) {
                    throw new SnapshotRefused(at + ": block " + h.number() + ": its receipts give receipt root " + root
                            + ", its header has " + h.receiptRoot());
                }
            }
            parent = p.hashes().get(b);
            before = h;
        }
        return parent;
    }

    /**
     * Decodes a chunk's records (a malformed one refused, naming it), requiring the block numbers and transaction
     * count the manifest gives; each block's hash.
     */
    static Proven read(byte[] raw, String at, Manifest.BlockChunk c, CryptoSuite suite, long bytes) {
        List<Block> blocks = new ArrayList<>();
        List<List<Receipt>> receipts = new ArrayList<>();
        List<Hash> hashes = new ArrayList<>();
        long txs = 0;
        Decoder d = new Decoder(raw, "block record");
        long expected = c.first();
        for (int k = 0; d.remaining() > 0; k++) {
            Block block;
            List<Receipt> rs;
            try {
                block = Block.decode(d.bytes(Snapshots.MAX_CHUNK_BYTES, "block"));
                int n = d.u32("receipt count");
                if (n != block.transactions().size()) {
                    throw new MalformedDataException("block " + block.number() + " has " + block.transactions().size()
                            + " transactions and " + n + " receipt entries");
                }
                rs = new ArrayList<>(n);
                for (int t = 0; t < n; t++) {
                    int kept = d.u8("receipt " + t + " flag");
                    if (kept > 1) {
                        throw new MalformedDataException("receipt " + t + " flag is " + kept + ", not 0 or 1");
                    }
                    rs.add(kept == 0 ? null : Receipt.decode(d.bytes(1 << 16, "receipt " + t)));
                }
            } catch (MalformedDataException e) {
                throw new SnapshotRefused(at + ": block record " + k + " does not decode: " + e.getMessage());
            }
            if (block.number() != expected) {
                throw new SnapshotRefused(at + ": holds block " + block.number() + " where block " + expected
                        + " is due");
            }
            expected++;
            blocks.add(block);
            receipts.add(rs);
            hashes.add(suite.digest(block.header().encode()));
            txs += block.transactions().size();
        }
        if (blocks.isEmpty() || expected - 1 != c.last()) {
            throw new SnapshotRefused(at + ": holds blocks " + c.first() + ".." + (expected - 1) + ", the manifest says "
                    + c.first() + ".." + c.last());
        }
        if (txs != c.transactions()) {
            throw new SnapshotRefused(at + ": it holds " + txs + " transactions, the manifest says " + c.transactions());
        }
        return new Proven(blocks, receipts, hashes, txs, bytes);
    }
}
