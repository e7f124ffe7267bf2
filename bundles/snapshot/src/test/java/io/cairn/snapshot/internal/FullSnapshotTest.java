package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Seals;
import io.cairn.api.crypto.CryptoSuite.KeyPair;
import io.cairn.api.node.BlockArchivedException;
import io.cairn.api.node.BlockFormat;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import io.cairn.api.testing.PlainBlockFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full snapshot holds blocks 1..H with their receipts in block chunks, proven on import: the hash chain from block 0
 * to the sealed header, each body against its header's transaction root, the receipts against the receipt root, the
 * seals; every tampering is refused naming the block chunk and the reason.
 */
class FullSnapshotTest {
    static final Snapshots.StateRules RULES = new Snapshots.StateRules() {
        @Override
        public boolean inAccumulator(byte[] key) {
            return SnapshotsTest.RULES.inAccumulator(key);
        }

        @Override
        public boolean derived(byte[] key) {
            return SnapshotsTest.RULES.derived(key);
        }

        @Override
        public Hash stateRoot(StateView state) {
            return SnapshotsTest.RULES.stateRoot(state);
        }

        @Override
        public BlockFormat blockFormat(long number, StateView governance) {
            return PlainBlockFormat.INSTANCE;
        }
    };

    @TempDir
    Path tmp;

    final SnapshotsTest state = new SnapshotsTest();
    final Map<Long, Block> blocks = new HashMap<>();
    final Map<Hash, Receipt> receipts = new HashMap<>();
    /** Block 3's second transaction is a failed replay of block 2's first: the store keeps block 2's receipt. */
    Envelope replayed;

    FullSnapshotTest() {
        io.cairn.api.testing.KeyedSuite suite = SnapshotsTest.SUITE;
        KeyPair alice = suite.key("alice");
        BlockHeader parent = state.genesis.header();
        int nonce = 0;
        for (long n = 1; n <= 5; n++) {
            List<Envelope> txs = new ArrayList<>();
            for (int i = 0; i < n % 3 + 1; i++) {
                byte[] body = new Encoder().u64(nonce++).toByteArray();
                txs.add(Envelope.sign(suite, 7, Envelope.ledgerCode("utxo"), body, List.of(alice.privateKey())));
            }
            if (n == 3) {
                txs.add(1, replayed);
            }
            List<Hash> hashes = txs.stream().map(t -> suite.digest(t.payload())).toList();
            List<Receipt> rs = new ArrayList<>();
            for (int i = 0; i < txs.size(); i++) {
                boolean replay = n == 3 && i == 1;
                Receipt r = new Receipt(hashes.get(i), n, i, Address.of(new byte[20]),
                        replay ? Receipt.Status.BAD_NONCE : Receipt.Status.SUCCESS, replay ? "nonce used" : "");
                rs.add(r);
                if (!replay) {
                    receipts.put(hashes.get(i), r);
                }
            }
            Hash stateRoot = n == 5 ? SnapshotsTest.root(state.store::get) : Hash.of(new byte[32]);
            BlockHeader h = PlainBlockFormat.INSTANCE.next(suite, parent, 2_000 + n, new byte[] {1},
                    MerkleRoot.of(hashes, suite::hash), txs.size(), rs, stateRoot);
            Hash hash = suite.digest(h.encode());
            List<byte[]> seals = new ArrayList<>();
            for (KeyPair k : SnapshotsTest.SEALERS.subList(0, 3)) {
                seals.add(Seals.of(k.publicKey(), suite.sign(hash.toByteArray(), k.privateKey())));
            }
            blocks.put(n, new Block(h, txs, seals));
            if (n == 2) {
                replayed = txs.get(0);
            }
            parent = h;
        }
        state.head = blocks.get(5L);
        state.store.put(Keys.blockHeader(5), state.head.header().encode());
    }

    BlockChunks.Source source() {
        return new BlockChunks.Source() {
            @Override
            public Optional<Block> block(long n) {
                return Optional.ofNullable(blocks.get(n));
            }

            @Override
            public Optional<Receipt> receipt(Hash txHash) {
                return Optional.ofNullable(receipts.get(txHash));
            }
        };
    }

    Path export() throws IOException {
        Path dir = tmp.resolve("full");
        Snapshots.export(state.view(), n -> n == 0 ? state.genesis : blocks.get(n), source(), SnapshotsTest.SUITE,
                RULES, dir, 400, Snapshots.Progress.NONE);
        return dir;
    }

    Snapshots.Chain chain() {
        return new Snapshots.Chain(SnapshotsTest.SUITE.digest(state.genesis.header().encode()), SnapshotsTest.SPEC,
                SnapshotsTest.SUITE, RULES);
    }

    String refusal(Path dir) {
        return assertThrows(SnapshotRefused.class, () -> Snapshots.verify(dir, chain(), (i, e) -> { })).getMessage();
    }

    @Test
    void aFullSnapshotHoldsEveryBlockWithItsReceiptsAndProvesThem() throws IOException {
        Path dir = export();
        Manifest m = Manifest.read(dir);
        assertEquals("full", m.kind());
        assertTrue(m.blocks().size() >= 2, "small chunks: " + m.blocks().size());
        assertEquals(1, m.blocks().get(0).first());
        assertEquals(5, m.blocks().get(m.blocks().size() - 1).last());
        List<Block> got = new ArrayList<>();
        List<List<Receipt>> gotReceipts = new ArrayList<>();
        byte[] json = SnapshotProof.manifestBytes(dir);
        Snapshots.Summary s = SnapshotProof.verify(dir, json, chain(), (i, e) -> { }, true, (i, b, r) -> {
            got.addAll(b);
            gotReceipts.addAll(r);
        });
        assertEquals(5, s.blocks());
        assertEquals(m.blocks().size(), s.blockChunks());
        assertEquals(12, s.transactions());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(blocks.get(i + 1L).encode(), got.get(i).encode());
        }
        assertNull(gotReceipts.get(2).get(1), "the replay's receipt is not kept");
        assertEquals(receipts.get(SnapshotsTest.SUITE.digest(got.get(3).transactions().get(0).payload())),
                gotReceipts.get(3).get(0));
        // the second pass of an import reads the same blocks
        List<Block> loaded = new ArrayList<>();
        SnapshotProof.load(dir, json, SnapshotsTest.SUITE, (i, e) -> { }, (i, b, r) -> loaded.addAll(b));
        assertEquals(5, loaded.size());
        // as a state snapshot, without its blocks (a join fetches the state chunks alone)
        for (Manifest.BlockChunk c : m.blocks()) {
            Files.delete(dir.resolve(c.file()));
        }
        assertTrue(!SnapshotImport.holdsBlocks(dir, m));
        assertEquals(0, SnapshotProof.verify(dir, json, chain(), (i, e) -> { }, false, null).blocks());
        assertEquals("block chunk 0 (blocks-00000.zst): the file is missing", refusal(dir));
    }

    @Test
    void aBlockThatCannotBeReadEndsTheExportNamingIt() {
        BlockChunks.Source archived = new BlockChunks.Source() {
            @Override
            public Optional<Block> block(long n) {
                if (n == 2) {
                    throw new BlockArchivedException("block 2 is archived in /cold/blocks-1-3.arc (blocks 1..3), which "
                            + "is not readable: the file is missing", "/cold/blocks-1-3.arc", 1, 3);
                }
                return source().block(n);
            }

            @Override
            public Optional<Receipt> receipt(Hash txHash) {
                return source().receipt(txHash);
            }
        };
        Path dir = tmp.resolve("cut");
        BlockArchivedException e = assertThrows(BlockArchivedException.class, () -> Snapshots.export(state.view(),
                n -> n == 0 ? state.genesis : blocks.get(n), archived, SnapshotsTest.SUITE, RULES, dir, 400,
                Snapshots.Progress.NONE));
        assertTrue(e.getMessage().contains("/cold/blocks-1-3.arc"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve(Manifest.FILE)));
    }

    // ---------------------------------------------------------------- tampering

    /** The records of block chunk {@code i}: each block and its receipt entries. */
    record Rec(Block block, List<Receipt> receipts) {}

    List<Rec> records(Path dir, int i) throws IOException {
        Manifest.BlockChunk c = Manifest.read(dir).blocks().get(i);
        byte[] raw = Zstd.decompress(Files.readAllBytes(dir.resolve(c.file())), Snapshots.MAX_CHUNK_BYTES);
        List<Rec> out = new ArrayList<>();
        Decoder d = new Decoder(raw, "test");
        while (d.remaining() > 0) {
            Block b = Block.decode(d.bytes(1 << 26, "block"));
            int n = d.u32("n");
            List<Receipt> rs = new ArrayList<>();
            for (int t = 0; t < n; t++) {
                rs.add(d.u8("f") == 0 ? null : Receipt.decode(d.bytes(1 << 16, "r")));
            }
            out.add(new Rec(b, rs));
        }
        return out;
    }

    /** Rewrites block chunk {@code i} with {@code recs}, the manifest made to agree (hash, size, range, count). */
    void forge(Path dir, int i, List<Rec> recs) throws IOException {
        Encoder e = new Encoder();
        long txs = 0;
        for (Rec r : recs) {
            e.bytes(r.block().encode()).u32(r.receipts().size());
            for (Receipt x : r.receipts()) {
                if (x == null) {
                    e.u8(0);
                } else {
                    e.u8(1).bytes(x.encode());
                }
            }
            txs += r.block().transactions().size();
        }
        byte[] packed = Zstd.compress(e.toByteArray());
        Manifest m = Manifest.read(dir);
        Manifest.BlockChunk old = m.blocks().get(i);
        Files.write(dir.resolve(old.file()), packed);
        List<Manifest.BlockChunk> bs = new ArrayList<>(m.blocks());
        bs.set(i, new Manifest.BlockChunk(old.file(), recs.get(0).block().number(),
                recs.get(recs.size() - 1).block().number(), txs, packed.length, SnapshotsTest.SUITE.digest(packed)
                        .toString()));
        rewrite(dir, m, bs);
    }

    static void rewrite(Path dir, Manifest m, List<Manifest.BlockChunk> bs) throws IOException {
        new Manifest(m.format(), m.kind(), m.chainId(), m.suite(), m.ledger(), m.genesisHash(), m.genesisBlock(),
                m.height(), m.header(), m.seals(), m.entries(), m.chunks(), bs).write(dir);
    }

    int chunkOf(Path dir, long block) {
        List<Manifest.BlockChunk> bs = Manifest.read(dir).blocks();
        for (int i = 0; i < bs.size(); i++) {
            if (bs.get(i).first() <= block && block <= bs.get(i).last()) {
                return i;
            }
        }
        throw new AssertionError("no chunk holds block " + block);
    }

    String at(Path dir, long block) {
        int i = chunkOf(dir, block);
        return "block chunk " + i + " (" + Manifest.read(dir).blocks().get(i).file() + ")";
    }

    @Test
    void aFlippedByteIsRefusedByTheChunksHash() throws IOException {
        Path dir = export();
        Path file = dir.resolve(Manifest.read(dir).blocks().get(1).file());
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 1;
        Files.write(file, b);
        assertTrue(refusal(dir).startsWith("block chunk 1 (blocks-00001.zst): its hash is "), refusal(dir));
    }

    @Test
    void aTransactionDroppedIsRefusedByTheTransactionRoot() throws IOException {
        Path dir = export();
        int i = chunkOf(dir, 2);
        List<Rec> recs = new ArrayList<>(records(dir, i));
        int k = (int) (2 - recs.get(0).block().number());
        Rec r = recs.get(k);
        BlockHeader h = r.block().header();
        List<Envelope> txs = r.block().transactions().subList(1, r.block().transactions().size());
        BlockHeader counted = new BlockHeader(h.version(), h.chainId(), h.number(), h.parentHash(), h.timestamp(),
                h.txRoot(), h.receiptRoot(), h.stateRoot(), txs.size(), h.sealer(), h.extra());
        // the header must change with it, so the hash chain breaks too: the transaction count is checked first
        recs.set(k, new Rec(new Block(h, txs, r.block().seals()), r.receipts().subList(1, r.receipts().size())));
        forge(dir, i, recs);
        assertEquals(at(dir, 2) + ": block 2 has 2 transactions, its header counts 3", refusal(dir));
        recs.set(k, new Rec(new Block(counted, txs, r.block().seals()), r.receipts().subList(1, r.receipts().size())));
        forge(dir, i, recs);
        assertEquals(at(dir, 2) + ": block 2: its transactions do not give its header's transaction root",
                refusal(dir));
    }

    @Test
    void aReceiptChangedIsRefusedByTheReceiptRoot() throws IOException {
        Path dir = export();
        int i = chunkOf(dir, 4);
        List<Rec> recs = new ArrayList<>(records(dir, i));
        int k = (int) (4 - recs.get(0).block().number());
        Rec r = recs.get(k);
        List<Receipt> rs = new ArrayList<>(r.receipts());
        Receipt x = rs.get(0);
        rs.set(0, new Receipt(x.txHash(), x.blockNumber(), x.index(), x.from(), Receipt.Status.INSUFFICIENT_BALANCE,
                "forged"));
        recs.set(k, new Rec(r.block(), rs));
        forge(dir, i, recs);
        assertTrue(refusal(dir).startsWith(at(dir, 4) + ": block 4: its receipts give receipt root "), refusal(dir));
        rs.set(0, new Receipt(x.txHash(), 3, x.index(), x.from(), x.status(), x.message()));
        forge(dir, i, recs);
        assertTrue(refusal(dir).startsWith(at(dir, 4) + ": block 4: receipt 0 is not that of transaction 0"),
                refusal(dir));
    }

    @Test
    void aForgedHeaderBreaksTheHashChainAndTooFewSealsAreRefused() throws IOException {
        Path dir = export();
        int i = chunkOf(dir, 3);
        List<Rec> recs = new ArrayList<>(records(dir, i));
        int k = (int) (3 - recs.get(0).block().number());
        Rec r = recs.get(k);
        BlockHeader h = r.block().header();
        BlockHeader later = new BlockHeader(h.version(), h.chainId(), h.number(), h.parentHash(), h.timestamp() + 1,
                h.txRoot(), h.receiptRoot(), h.stateRoot(), h.txCount(), h.sealer(), h.extra());
        Hash hash = SnapshotsTest.SUITE.digest(later.encode());
        List<byte[]> seals = new ArrayList<>();
        for (KeyPair key : SnapshotsTest.SEALERS.subList(0, 3)) {
            seals.add(Seals.of(key.publicKey(), SnapshotsTest.SUITE.sign(hash.toByteArray(), key.privateKey())));
        }
        // sealed by a quorum of the genesis sealers, yet block 4 names the real block 3 as its parent
        recs.set(k, new Rec(new Block(later, r.block().transactions(), seals), r.receipts()));
        forge(dir, i, recs);
        String why = refusal(dir);
        assertTrue(why.startsWith(at(dir, 4) + ": block 4 does not extend block 3: its parent hash is "), why);
        // the real header with one seal too few
        recs.set(k, new Rec(new Block(h, r.block().transactions(), r.block().seals().subList(0, 2)), r.receipts()));
        forge(dir, i, recs);
        assertEquals(at(dir, 3) + ": block 3: its seals are valid for 2 sealers of the genesis list; the quorum is 3 "
                + "of 4", refusal(dir));
    }

    @Test
    void theLastBlockMustBeTheSealedHeaderAndNoneMayBeMissing() throws IOException {
        Path dir = export();
        Manifest m = Manifest.read(dir);
        rewrite(dir, m, m.blocks().subList(0, m.blocks().size() - 1));
        long last = m.blocks().get(m.blocks().size() - 2).last();
        assertEquals("the block chunks hold blocks 1.." + last + ", the snapshot is of block 5", refusal(dir));
        rewrite(dir, m, List.of(m.blocks().get(1)));
        assertEquals("block chunk 0 (" + m.blocks().get(1).file() + "): holds blocks from " + m.blocks().get(1).first()
                + " where block 1 is due", refusal(dir));
        rewrite(dir, m, m.blocks());
        Files.writeString(dir.resolve(Manifest.FILE), Files.readString(dir.resolve(Manifest.FILE))
                .replace("\"kind\" : \"full\"", "\"kind\" : \"fuller\""));
        assertEquals("manifest.json: kind 'fuller' is not one this node reads (state, full)", refusal(dir));
    }
}
