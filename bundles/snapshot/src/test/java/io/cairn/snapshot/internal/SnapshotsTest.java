package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.crypto.CryptoSuite.KeyPair;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.LtHash16;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.testing.KeyedSuite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot written from a consistent view verifies against its chain, and every way of tampering with one that
 * the issue names is refused with its reason: an entry changed, an entry duplicated, a chunk dropped, chunks
 * reordered, a header with one seal too few; and a flipped byte, another chain.
 */
class SnapshotsTest {
    static final KeyedSuite SUITE = new KeyedSuite("secp256k1");
    static final List<KeyPair> SEALERS = List.of(SUITE.key("s0"), SUITE.key("s1"), SUITE.key("s2"), SUITE.key("s3"));
    static final Genesis GENESIS = new Genesis(7, "secp256k1", "utxo", 1_000,
            SEALERS.stream().map(k -> Bytes.toHex(k.publicKey())).toList(), new TreeMap<>());
    static final ChainSpec SPEC = ChainSpec.of(GENESIS);
    /** Like the UTXO model: an owner index ({@code 's' 'o'}) outside the accumulator, derived from the coins. */
    static final Predicate<byte[]> IN_ACC = key -> LedgerState.isAccumulated(key) && key[1] != 'o';
    static final Snapshots.StateRules RULES = rules(SnapshotsTest::root);

    static Snapshots.StateRules rules(java.util.function.Function<io.cairn.api.node.StateView, Hash> root) {
        return new Snapshots.StateRules() {
            @Override
            public boolean inAccumulator(byte[] key) {
                return IN_ACC.test(key);
            }

            @Override
            public boolean derived(byte[] key) {
                return key[0] == 's' && key[1] == 'o';
            }

            @Override
            public Hash stateRoot(io.cairn.api.node.StateView state) {
                return root.apply(state);
            }
        };
    }

    @TempDir
    Path tmp;

    final TreeMap<byte[], byte[]> store = new TreeMap<>(Arrays::compareUnsigned);
    final Block genesis = new Block(new BlockHeader(1, 7, 0, Hash.ZERO, 1_000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0,
            new byte[0], GENESIS.encode()), List.of(), List.of());
    Block head;

    SnapshotsTest() {
        LtHash16 acc = new LtHash16();
        for (int i = 0; i < 40; i++) {
            byte[] coin = Keys.of(Keys.STATE, ("u coin " + i).getBytes());
            byte[] value = BigInteger.valueOf(1000 + i).toByteArray();
            store.put(coin, value);
            acc.add(LedgerState.entrySeed(SUITE, coin, value));
            store.put(Keys.of(Keys.STATE, ("o owner " + i).getBytes()), value);
        }
        store.put(LedgerState.CHAIN_ID_KEY, new byte[] {0, 0, 0, 0, 0, 0, 0, 7});
        store.put(LedgerState.LTHASH_KEY, acc.toBytes());
        store.put(Keys.of(Keys.GOVERNANCE, "plans"), new byte[] {1, 2, 3});
        store.put(Keys.of(Keys.META, "txpool/pending"), new byte[] {9}); // node-local: never in a snapshot
        BlockHeader h = new BlockHeader(1, 7, 5, Hash.of(new byte[32]), 2_000, Hash.ZERO, Hash.ZERO, root(store::get), 3,
                new byte[] {1}, new byte[0]);
        Hash hash = SUITE.digest(h.encode());
        List<byte[]> seals = new ArrayList<>();
        for (KeyPair k : SEALERS.subList(0, 3)) {
            seals.add(Seals.of(k.publicKey(), SUITE.sign(hash.toByteArray(), k.privateKey())));
        }
        head = new Block(h, List.of(), seals);
        store.put(Keys.CHAIN_HEAD, ByteBuffer.allocate(8).putLong(5).array());
        store.put(Keys.blockHeader(5), h.encode());
    }

    /** Like the rules engine: the model's root (the accumulator's hash) bound to the plans. */
    static Hash root(io.cairn.api.node.StateView state) {
        byte[] both = new byte[64];
        System.arraycopy(SUITE.hash(state.get(LedgerState.LTHASH_KEY)), 0, both, 0, 32);
        System.arraycopy(SUITE.hash(state.get(Keys.of(Keys.GOVERNANCE, "plans"))), 0, both, 32, 32);
        return Hash.of(SUITE.hash(both));
    }

    ReadView view() {
        return MapView.over(store);
    }

    Path export() throws IOException {
        Path dir = tmp.resolve("snap");
        Snapshots.export(view(), n -> n == 0 ? genesis : n == 5 ? head : null, SUITE, RULES, dir, 400);
        return dir;
    }

    Snapshots.Chain chain() {
        return new Snapshots.Chain(SUITE.digest(genesis.header().encode()), SPEC, SUITE, RULES);
    }

    String refusal(Path dir) {
        return assertThrows(SnapshotRefused.class, () -> Snapshots.verify(dir, chain(), (i, e) -> { })).getMessage();
    }

    @Test
    void aSnapshotHoldsTheChainsStateInAscendingChunksAndVerifies() throws IOException {
        Path dir = export();
        Manifest m = Manifest.read(dir);
        assertEquals(5, m.height());
        assertEquals(3, m.seals().size());
        assertTrue(m.chunks().size() >= 3, "small chunks: " + m.chunks().size());
        List<ReadView.Entry> got = new ArrayList<>();
        Snapshots.Summary s = Snapshots.verify(dir, chain(), (i, entries) -> got.addAll(entries));
        assertEquals(43, s.entries(), "40 coins, 2 metadata entries and the plans; neither the index nor the pool's");
        assertEquals(m.chunks().size(), s.chunks());
        List<byte[]> keys = got.stream().map(ReadView.Entry::key).toList();
        List<byte[]> expected = store.keySet().stream().filter(k -> k[0] == 'g' || k[0] == 's' && k[1] != 'o').toList();
        assertEquals(expected.size(), keys.size());
        for (int i = 0; i < keys.size(); i++) {
            assertArrayEquals(expected.get(i), keys.get(i));
        }
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, this::export);
        assertTrue(again.getMessage().endsWith("holds a snapshot already"), again.getMessage());
    }

    @Test
    void anExportWhoseViewClosesUnderItFailsAndLeavesNothingThatPassesForASnapshot() {
        // the storage engine was upgraded or stopped while the export read: it closed its views
        ReadView whole = view();
        ReadView closing = new ReadView() {
            @Override
            public byte[] get(byte[] key) {
                return whole.get(key);
            }

            @Override
            public Iterator<Entry> scan(byte[] from, byte[] to) {
                Iterator<Entry> it = whole.scan(from, to);
                return new Iterator<>() {
                    int read;

                    @Override
                    public boolean hasNext() {
                        if (++read > 5) {
                            throw new IllegalStateException("read view on RocksDB at /data is closed");
                        }
                        return it.hasNext();
                    }

                    @Override
                    public Entry next() {
                        return it.next();
                    }
                };
            }

            @Override
            public void close() {}
        };
        Path dir = tmp.resolve("cut");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Snapshots.export(closing,
                n -> n == 0 ? genesis : n == 5 ? head : null, SUITE, RULES, dir, 100));
        assertEquals("read view on RocksDB at /data is closed", e.getMessage());
        assertTrue(Files.notExists(dir.resolve(Manifest.FILE)), "no manifest: the directory is not a snapshot");
    }

    // ---------------------------------------------------------------- a careful forger

    List<ReadView.Entry> entries(Path dir, int chunk) throws IOException {
        byte[] raw = Zstd.decompress(Files.readAllBytes(dir.resolve(Manifest.read(dir).chunks().get(chunk).file())),
                Snapshots.MAX_CHUNK_BYTES);
        List<ReadView.Entry> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(raw);
        while (in.hasRemaining()) {
            byte[] k = new byte[in.getInt()];
            in.get(k);
            byte[] v = new byte[in.getInt()];
            in.get(v);
            out.add(new ReadView.Entry(k, v));
        }
        return out;
    }

    /** Rewrites chunk {@code i} with {@code entries} and makes the manifest agree: hash, size, count, range, sum. */
    void forge(Path dir, int i, List<ReadView.Entry> entries) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        LtHash16 sum = new LtHash16();
        for (ReadView.Entry e : entries) {
            raw.write(ByteBuffer.allocate(4).putInt(e.key().length).array());
            raw.write(e.key());
            raw.write(ByteBuffer.allocate(4).putInt(e.value().length).array());
            raw.write(e.value());
            if (IN_ACC.test(e.key())) {
                sum.add(LedgerState.entrySeed(SUITE, e.key(), e.value()));
            }
        }
        byte[] packed = Zstd.compress(raw.toByteArray());
        Manifest m = Manifest.read(dir);
        Manifest.Chunk old = m.chunks().get(i);
        Files.write(dir.resolve(old.file()), packed);
        List<Manifest.Chunk> chunks = new ArrayList<>(m.chunks());
        chunks.set(i, new Manifest.Chunk(old.file(), entries.size(), packed.length, SUITE.digest(packed).toString(),
                entries.get(0).key(), entries.get(entries.size() - 1).key(), sum.toBytes()));
        long total = m.entries() - old.entries() + entries.size();
        rewrite(dir, m, m.seals(), chunks, total);
    }

    static void rewrite(Path dir, Manifest m, List<byte[]> seals, List<Manifest.Chunk> chunks, long entries)
            throws IOException {
        new Manifest(m.format(), m.kind(), m.chainId(), m.suite(), m.ledger(), m.genesisHash(), m.genesisBlock(),
                m.height(), m.header(), seals, entries, chunks).write(dir);
    }

    @Test
    void anEntryChangedIsRefusedEvenWhenEveryChunkHashAndSumWasForgedToMatch() throws IOException {
        Path dir = export();
        List<ReadView.Entry> e = new ArrayList<>(entries(dir, 1));
        ReadView.Entry first = e.get(0);
        byte[] changed = first.value().clone();
        changed[0] ^= 1;
        e.set(0, new ReadView.Entry(first.key(), changed));
        forge(dir, 1, e);
        assertEquals("the entries do not sum to the state accumulator the snapshot holds (s#lthash): an entry was "
                + "changed, added or left out", refusal(dir));
    }

    @Test
    void anEntryChangedWithoutForgingIsRefusedAtItsChunk() throws IOException {
        Path dir = export();
        Manifest.Chunk c = Manifest.read(dir).chunks().get(2);
        byte[] packed = Files.readAllBytes(dir.resolve(c.file()));
        packed[packed.length / 2] ^= 1;
        Files.write(dir.resolve(c.file()), packed);
        assertTrue(refusal(dir).startsWith("chunk 2 (chunk-00002.zst): its hash is "), refusal(dir));
    }

    @Test
    void anEntryDuplicatedIsRefused() throws IOException {
        Path dir = export();
        List<ReadView.Entry> e = new ArrayList<>(entries(dir, 1));
        e.add(1, e.get(0));
        forge(dir, 1, e);
        String why = refusal(dir);
        assertTrue(why.startsWith("chunk 1 (chunk-00001.zst): key " + Bytes.toHex(e.get(0).key())
                + " does not come after " + Bytes.toHex(e.get(0).key())), why);
    }

    @Test
    void aChunkDroppedIsRefused() throws IOException {
        Path dir = export();
        Manifest m = Manifest.read(dir);
        List<Manifest.Chunk> chunks = new ArrayList<>(m.chunks());
        Manifest.Chunk dropped = chunks.remove(1);
        rewrite(dir, m, m.seals(), chunks, m.entries());
        assertEquals("the chunks hold " + (m.entries() - dropped.entries()) + " entries, the manifest says "
                + m.entries(), refusal(dir));
        rewrite(dir, m, m.seals(), chunks, m.entries() - dropped.entries());
        assertTrue(refusal(dir).startsWith("the entries do not sum to the state accumulator"), refusal(dir));
    }

    @Test
    void chunksReorderedAreRefused() throws IOException {
        Path dir = export();
        Manifest m = Manifest.read(dir);
        List<Manifest.Chunk> chunks = new ArrayList<>(m.chunks());
        chunks.set(0, m.chunks().get(1));
        chunks.set(1, m.chunks().get(0));
        rewrite(dir, m, m.seals(), chunks, m.entries());
        assertTrue(refusal(dir).startsWith("chunk 1 (chunk-00000.zst): key "), refusal(dir));
        assertTrue(refusal(dir).endsWith(": keys must strictly increase, within and across chunks"), refusal(dir));
    }

    @Test
    void entriesTheStateRootDoesNotProveAreRefused() throws IOException {
        Path dir = export();
        List<ReadView.Entry> e = new ArrayList<>(entries(dir, 0));
        // an index entry (derived: rebuilt on import, never carried)
        List<ReadView.Entry> withIndex = new ArrayList<>(e);
        withIndex.add(new ReadView.Entry(Keys.of(Keys.STATE, "o forged".getBytes()), new byte[] {1}));
        forge(dir, 0, withIndex);
        assertTrue(refusal(dir).startsWith("chunk 0 (chunk-00000.zst): entry 0x736f"), refusal(dir));
        assertTrue(refusal(dir).endsWith(" is neither summed into the state accumulator nor chain metadata: a "
                + "snapshot holds only what the state root proves"), refusal(dir));
        // governance the root does not bind
        List<ReadView.Entry> withGovernance = new ArrayList<>(e);
        withGovernance.add(0, new ReadView.Entry(Keys.of(Keys.GOVERNANCE, "other"), new byte[] {1}));
        forge(dir, 0, withGovernance);
        assertEquals("entry " + Bytes.toHex(Keys.of(Keys.GOVERNANCE, "other")) + " is outside the state accumulator "
                + "and the state root does not cover it", refusal(dir));
        // another chain's id
        List<ReadView.Entry> otherId = new ArrayList<>(e);
        for (int i = 0; i < otherId.size(); i++) {
            if (Arrays.equals(otherId.get(i).key(), LedgerState.CHAIN_ID_KEY)) {
                otherId.set(i, new ReadView.Entry(LedgerState.CHAIN_ID_KEY, new byte[] {0, 0, 0, 0, 0, 0, 0, 8}));
            }
        }
        forge(dir, 0, otherId);
        assertEquals("the snapshot's chain id entry (s#chainId) is not this chain's, 7", refusal(dir));
    }

    @Test
    void aHeaderWithOneSealTooFewIsRefused() throws IOException {
        Path dir = export();
        Manifest m = Manifest.read(dir);
        rewrite(dir, m, m.seals().subList(0, 2), m.chunks(), m.entries());
        assertEquals("the seals of block 5 (" + SUITE.digest(m.header()) + ") are valid for 2 sealers of the genesis "
                + "list; the quorum is 3 of 4", refusal(dir));
    }

    @Test
    void anotherChainsSnapshotAndAMissingManifestAreRefused() throws IOException {
        Path dir = export();
        Snapshots.Chain other = new Snapshots.Chain(Hash.of(new byte[32]), SPEC, SUITE, RULES);
        String why = assertThrows(SnapshotRefused.class, () -> Snapshots.verify(dir, other, (i, e) -> { })).getMessage();
        assertEquals("the snapshot is of the chain with genesis block " + SUITE.digest(genesis.header().encode())
                + ", this node's chain has " + Hash.of(new byte[32]), why);
        assertEquals("no manifest.json in " + tmp + ": not a snapshot directory", refusal(tmp));
        Files.writeString(dir.resolve(Manifest.FILE), "{\"format\": 1}");
        assertEquals("manifest.json: no field 'kind'", refusal(dir));
    }

    @Test
    void theStateRootMustBeTheHeaders() throws IOException {
        // a chain whose rules bind something else into the root: the snapshot's state does not give its header
        Path dir = export();
        Snapshots.Chain other = new Snapshots.Chain(chain().genesisHash(), SPEC, SUITE,
                rules(state -> Hash.of(SUITE.hash(state.get(LedgerState.LTHASH_KEY)))));
        String why = assertThrows(SnapshotRefused.class, () -> Snapshots.verify(dir, other, (i, e) -> { })).getMessage();
        assertTrue(why.startsWith("the entries give state root "), why);
        assertTrue(why.endsWith(", the header of block 5 has " + head.header().stateRoot()), why);
    }
}
