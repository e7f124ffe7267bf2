package io.cairn.blockformat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.testing.PlainBlockFormat;
import io.cairn.api.testing.Sha256Suite;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The header a block format makes, and its two receipt trees (docs/formats.md, Block header). */
class MerkleBlockFormatTest {
    final Sha256Suite suite = new Sha256Suite();
    final BlockHeader parent = new BlockHeader(1, 9, 41, Hash.of(suite.hash(new byte[] {1})), 5_000, Hash.ZERO,
            Hash.ZERO, Hash.ZERO, 0, new byte[] {7}, new byte[0]);
    final Hash txRoot = Hash.of(suite.hash(new byte[] {2}));
    final Hash stateRoot = Hash.of(suite.hash(new byte[] {3}));

    List<Receipt> receipts(int n) {
        List<Receipt> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Receipt(Hash.of(suite.hash(new byte[] {(byte) i})), 42, i,
                    Address.fromHex("0x00000000000000000000000000000000000000a1"), Receipt.Status.SUCCESS, ""));
        }
        return out;
    }

    byte[] h(byte tag, byte[]... parts) {
        int len = 1;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] all = new byte[len];
        all[0] = tag;
        int at = 1;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return suite.hash(all);
    }

    @Test
    void thePlainFormatCommitsToTheReceiptsWithTheTreeOfTheTransactionRoot() {
        List<Receipt> receipts = receipts(3);
        BlockHeader made = new MerkleBlockFormat().next(suite, parent, 4_000, new byte[] {8}, txRoot, 3, receipts,
                stateRoot);
        List<Hash> leaves = receipts.stream().map(r -> suite.digest(r.encode())).toList();
        assertEquals(MerkleRoot.of(leaves, suite::hash), made.receiptRoot());
        assertEquals(42, made.number());
        assertEquals(suite.digest(parent.encode()), made.parentHash());
        assertEquals(5_000, made.timestamp(), "a header never goes back in time from its parent");
        assertEquals(txRoot, made.txRoot());
        assertEquals(stateRoot, made.stateRoot());
        assertEquals(3, made.txCount());
        assertEquals(9, made.chainId());
        assertArrayEquals(new byte[] {8}, made.sealer());
        assertEquals(0, made.extra().length);
        // the tests' stand-in for rules 1 elsewhere makes the very same header
        assertArrayEquals(made.encode(), PlainBlockFormat.INSTANCE.next(suite, parent, 4_000, new byte[] {8}, txRoot, 3,
                receipts, stateRoot).encode());
    }

    @Test
    void theTaggedTreeHashesLeavesAndInnerNodesWithTheirOwnPrefixes() {
        List<Receipt> receipts = receipts(3);
        MerkleBlockFormat tagged = new MerkleBlockFormat(MerkleBlockFormat.Tree.TAGGED);
        byte[][] leaf = new byte[3][];
        for (int i = 0; i < 3; i++) {
            leaf[i] = h((byte) 0, suite.hash(receipts.get(i).encode()));
        }
        // three leaves: the first two paired, the third carried up, then paired with that pair
        Hash expected = Hash.of(h((byte) 1, h((byte) 1, leaf[0], leaf[1]), leaf[2]));
        assertEquals(expected, tagged.receiptRoot(suite, receipts));
        assertEquals(Hash.of(leaf[0]), tagged.receiptRoot(suite, receipts.subList(0, 1)), "one receipt: its leaf");
        assertEquals(Hash.ZERO, tagged.receiptRoot(suite, List.of()));
        assertNotEquals(new MerkleBlockFormat().receiptRoot(suite, receipts), expected);
        BlockHeader made = tagged.next(suite, parent, 6_000, new byte[] {8}, txRoot, 3, receipts, stateRoot);
        assertEquals(expected, made.receiptRoot());
        assertEquals(txRoot, made.txRoot(), "the transaction root is the same under every format");
    }

    @Test
    void theManifestHeaderNamesTheTreeAndAnyOtherValueIsRefusedNamingTheBundle() {
        assertEquals(MerkleBlockFormat.Tree.PLAIN, MerkleBlockFormat.tree(null, "b 1"));
        assertEquals(MerkleBlockFormat.Tree.PLAIN, MerkleBlockFormat.tree(" plain ", "b 1"));
        assertEquals(MerkleBlockFormat.Tree.TAGGED, MerkleBlockFormat.tree("tagged", "b 1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MerkleBlockFormat.tree("sparse", "cairn-block-format 2.0.0"));
        assertEquals("cairn-block-format 2.0.0 declares Cairn-Receipt-Tree 'sparse': the receipt tree is plain or tagged",
                e.getMessage());
        assertEquals("receipt tree tagged",
                new MerkleBlockFormat(MerkleBlockFormat.Tree.TAGGED).health().detail());
    }
}
