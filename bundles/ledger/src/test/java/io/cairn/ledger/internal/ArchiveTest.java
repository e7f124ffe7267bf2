package io.cairn.ledger.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.node.BlockArchivedException;
import io.cairn.api.node.BlockStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveTest {
    private static final int MARGIN = 5;

    @TempDir
    Path tmp;

    private final MemoryStorage storage = new MemoryStorage();
    private final TestChain chain = new TestChain();
    private final byte[] seal = TestChain.filled(128, 5);
    private final List<Hash> txs = new ArrayList<>();

    private LedgerBlockStore open() {
        LedgerBlockStore store = new LedgerBlockStore(4, MARGIN);
        store.bindSuite(chain.suite);
        store.bindStorage(storage);
        return store;
    }

    /** Blocks 0..height, block n with n % 4 transactions. */
    private LedgerBlockStore chainOf(int height) {
        LedgerBlockStore store = open();
        store.commit(chain.genesisBlock(), List.of());
        grow(store, height);
        return store;
    }

    private void grow(LedgerBlockStore store, long height) {
        while (store.height() < height) {
            var b = chain.rooted(store, (int) ((store.height() + 1) % 4));
            b.transactions().forEach(t -> txs.add(t.hash()));
            store.commit(b, List.of(seal));
        }
    }

    private static List<byte[]> encoded(BlockStore s, long from, long to) {
        List<byte[]> out = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            out.add(s.block(n).orElseThrow().encode());
        }
        return out;
    }

    private static void assertSameBlocks(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "block " + i);
        }
    }

    @Test
    void archivedBlocksAndReceiptsAreServedFromTheFileWhileTheHotStoreNoLongerHoldsThem() throws Exception {
        LedgerBlockStore store = chainOf(30);
        List<byte[]> before = encoded(store, 0, 30);
        List<Receipt> receipts = txs.stream().map(h -> store.receipt(h).orElseThrow()).toList();
        List<BlockStore.Located> located = txs.stream().map(h -> store.transaction(h).orElseThrow()).toList();
        Path dir = tmp.resolve("arc");

        String msg = store.archiver().create(20, dir);

        assertEquals("archived blocks 1..19 (30 transactions) into " + dir + ": 1 file, "
                + Files.size(dir.resolve("blocks-000000000001-000000000019.arc")) + " bytes; their bodies and receipts "
                + "were deleted from the hot store, which was compacted (headers, hashes and the transaction index stay)",
                msg);
        assertTrue(Files.isRegularFile(dir.resolve("manifest.json")));
        for (long n = 1; n < 20; n++) {
            assertNull(storage.get(ChainKeys.body(n)), "body " + n + " left the hot store");
            assertNotNull(storage.get(ChainKeys.header(n)), "header " + n + " stays");
        }
        assertNotNull(storage.get(ChainKeys.body(20)));
        assertNull(storage.get(ChainKeys.receipt(txs.get(0))), "an archived block's receipt left the hot store");
        assertSameBlocks(before, encoded(store, 0, 30));
        for (int i = 0; i < txs.size(); i++) {
            assertEquals(receipts.get(i), store.receipt(txs.get(i)).orElseThrow());
            assertEquals(located.get(i).blockNumber(), store.transaction(txs.get(i)).orElseThrow().blockNumber());
            assertArrayEquals(located.get(i).tx().encoded(), store.transaction(txs.get(i)).orElseThrow().tx().encoded());
        }
        assertTrue(store.block(store.hash(7).orElseThrow()).isPresent());
        // the chain goes on, and a store reopened on the same storage still finds the archive
        grow(store, 33);
        assertSameBlocks(before, encoded(open(), 0, 30));
        assertTrue(store.archiver().list().startsWith("blocks 1..19 in " + dir.resolve("blocks-000000000001-000000000019.arc")));
    }

    @Test
    void aMissingOrChangedArchiveIsAClearErrorNamingItAndPuttingItBackServesAgain() throws Exception {
        LedgerBlockStore store = chainOf(30);
        byte[] seven = store.block(7).orElseThrow().encode();
        Path dir = tmp.resolve("arc");
        store.archiver().create(20, dir);
        Path file = dir.resolve("blocks-000000000001-000000000019.arc");
        Path away = tmp.resolve("away");
        Files.move(dir, away);

        BlockArchivedException e = assertThrows(BlockArchivedException.class, () -> store.block(7));
        assertEquals("block 7 is archived in " + file + " (blocks 1..19), which is not readable: the file is missing",
                e.getMessage());
        assertEquals(file.toString(), e.archive());
        assertEquals(1, e.first());
        assertEquals(19, e.last());
        assertThrows(BlockArchivedException.class, () -> store.receipt(txs.get(0)));
        assertThrows(BlockArchivedException.class, () -> store.transaction(txs.get(0)));
        assertTrue(store.block(25).isPresent(), "hot blocks are served as ever");
        assertTrue(store.archiver().list().contains(": NOT READABLE: the file is missing"));

        Files.move(away, dir);
        assertArrayEquals(seven, store.block(7).orElseThrow().encode());

        byte[] bytes = Files.readAllBytes(file);
        bytes[40] ^= 1;
        Files.write(file, bytes);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        e = assertThrows(BlockArchivedException.class, () -> store.block(7));
        assertTrue(e.getMessage().startsWith("block 7 is archived in " + file + " (blocks 1..19), which is not "
                + "readable: its SHA-256 is "), e.getMessage());
        assertTrue(e.getMessage().contains(", the archive record says "), e.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> store.archiver().restore(-1, -1));
        assertTrue(r.getMessage().startsWith("cannot restore: block 1 is archived in " + file), r.getMessage());
    }

    @Test
    void restoreWritesARangeBackIntoTheHotStoreAndDropsItsRecord() throws Exception {
        LedgerBlockStore store = chainOf(30);
        List<byte[]> before = encoded(store, 0, 30);
        Path dir = tmp.resolve("arc");
        store.archiver().create(20, dir);

        assertEquals("restored blocks 5..9 (7 transactions) into the hot store from "
                + dir.resolve("blocks-000000000001-000000000019.arc") + "; the archive files stay where they are",
                store.archiver().restore(5, 9));
        assertNotNull(storage.get(ChainKeys.body(5)));
        assertNull(storage.get(ChainKeys.body(4)));
        assertTrue(store.archiver().list().endsWith("archived blocks: 1..4, 10..19"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.archiver().restore(3, 12));
        assertEquals("blocks 3..12 are not all archived: the archived blocks are 1..4, 10..19 (cairn:archives)",
                e.getMessage());

        // the rest, then served from the hot store even with the archive gone
        assertTrue(store.archiver().restore(-1, -1).startsWith("restored blocks 1..4, 10..19 (23 transactions) "));
        Files.move(dir, tmp.resolve("away"));
        assertSameBlocks(before, encoded(store, 0, 30));
        for (Hash h : txs) {
            assertNotNull(storage.get(ChainKeys.receipt(h)), "receipt back in the hot store");
        }
        assertEquals("no blocks are archived on this node", store.archiver().list());
        assertEquals("no blocks are archived on this node", open().archiver().list());
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().restore(-1, -1));
        assertEquals("no blocks are archived on this node: nothing to restore", e.getMessage());
    }

    @Test
    void aSecondArchiveGoesOnWhereTheFirstEndedAndLargeRangesSpanSeveralFiles() throws Exception {
        LedgerBlockStore store = chainOf(1100);
        store.archiver().create(10, tmp.resolve("a"));
        String msg = store.archiver().create(1060, tmp.resolve("b"));
        assertTrue(msg.startsWith("archived blocks 10..1059 "), msg);
        assertTrue(msg.contains(": 2 files, "), msg);
        assertTrue(Files.exists(tmp.resolve("b").resolve("blocks-000000000010-000000001033.arc")));
        assertTrue(Files.exists(tmp.resolve("b").resolve("blocks-000000001034-000000001059.arc")));
        assertArrayEquals(open().block(1040).orElseThrow().encode(), store.block(1040).orElseThrow().encode());
        assertEquals(3, store.block(1039).orElseThrow().transactions().size());
        assertTrue(store.archiver().list().endsWith("archived blocks: 1..1059"));
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrongAndChangeNothing() throws Exception {
        LedgerBlockStore store = chainOf(30);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.archiver().create(26, tmp.resolve("x")));
        assertEquals("cannot archive below block 26: the head is block 30 and the 5 blocks before it stay in the hot "
                + "store (archiveMargin), so BELOW may be at most 25", e.getMessage());
        LedgerBlockStore young = new LedgerBlockStore(4, MARGIN);
        young.bindSuite(chain.suite);
        young.bindStorage(new MemoryStorage());
        young.commit(chain.genesisBlock(), List.of());
        grow(young, 5);
        e = assertThrows(IllegalArgumentException.class, () -> young.archiver().create(2, tmp.resolve("x")));
        assertEquals("cannot archive below block 2: the head is block 5 and the 5 blocks before it stay in the hot "
                + "store (archiveMargin), so nothing can be archived before the head passes block 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().create(1, tmp.resolve("x")));
        assertEquals("BELOW must be 2 or more: block 0, the genesis block, stays in the hot store", e.getMessage());
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("other"), "x");
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().create(10, full));
        assertEquals("DIR " + full + " exists and is not empty: archives are written into a new or empty directory",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().create(10, full.resolve("other")));
        assertEquals("DIR " + full.resolve("other") + " exists and is not a directory: archives are written into a new "
                + "or empty directory", e.getMessage());
        assertFalseExists(tmp.resolve("x"));
        assertNotNull(storage.get(ChainKeys.body(5)), "nothing was archived");

        store.archiver().create(10, Files.createDirectories(tmp.resolve("empty")));
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().create(8, tmp.resolve("y")));
        assertEquals("blocks below 8 are archived already (blocks up to 9 are, cairn:archives): BELOW must be above 10",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().restore(9, 3));
        assertEquals("FROM 9 is after TO 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> store.archiver().restore(5, 12));
        assertEquals("blocks 5..12 are not all archived: the archived blocks are 1..9 (cairn:archives)", e.getMessage());

        ArchiveCommands commands = new ArchiveCommands(tmp);
        commands.bindStore(store);
        e = assertThrows(IllegalArgumentException.class, () -> commands.run(List.of("create", "ten", "z")));
        assertEquals("BELOW must be a block number (0 or more), got 'ten'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> commands.run(List.of("create", "12")));
        assertTrue(e.getMessage().startsWith("usage: cairn:archive create BELOW DIR\n"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> commands.run(List.of("shrink")));
        assertTrue(e.getMessage().startsWith("cairn:archive: unknown action 'shrink'\n"), e.getMessage());
        // DIR relative to the node home
        assertTrue(commands.run(List.of("create", "12", "rel")).contains(" into " + tmp.resolve("rel") + ": "));
        assertTrue(commands.run(List.of("list")).endsWith("archived blocks: 1..11"));
    }

    private static void assertFalseExists(Path p) {
        assertTrue(!Files.exists(p), p + " was not created");
    }
}
