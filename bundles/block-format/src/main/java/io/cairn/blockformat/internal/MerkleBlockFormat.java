package io.cairn.blockformat.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockFormat;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The block format (docs/formats.md, Block header): a header that commits to the block's receipts with a Merkle
 * root of their hashes. The receipt tree is the one its bundle's manifest header {@value #TREE_HEADER} names:
 * {@code plain} (absent: the tree of the transaction root) or {@code tagged} (leaves and inner nodes hashed with
 * distinct prefixes, so no inner node passes for a receipt in an inclusion proof). Which tree a chain uses from
 * which block is a rules change, agreed by an upgrade plan of component {@code block-format}.
 */
@Component(immediate = true, service = BlockFormat.class,
        property = {"cairn.component=block-format", "cairn.engine=merkle"})
public final class MerkleBlockFormat implements BlockFormat {
    public static final String TREE_HEADER = "Cairn-Receipt-Tree";

    /** The receipt trees a bundle may declare. */
    enum Tree { PLAIN, TAGGED }

    private volatile Tree tree = Tree.PLAIN;

    public MerkleBlockFormat() {}

    MerkleBlockFormat(Tree tree) {
        this.tree = tree;
    }

    @Activate
    void activate(BundleContext context) {
        tree = tree(context.getBundle().getHeaders("").get(TREE_HEADER), context.getBundle().getSymbolicName() + " "
                + context.getBundle().getVersion());
    }

    /** A {@value #TREE_HEADER} value: plain when absent; refused, naming the bundle, when neither tree. */
    static Tree tree(String header, String bundle) {
        if (header == null || header.isBlank() || header.trim().equals("plain")) {
            return Tree.PLAIN;
        }
        if (header.trim().equals("tagged")) {
            return Tree.TAGGED;
        }
        throw new IllegalArgumentException(bundle + " declares " + TREE_HEADER + " '" + header
                + "': the receipt tree is plain or tagged");
    }

    @Override
    public Health health() {
        return Health.ready("receipt tree " + tree.name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public BlockHeader next(CryptoSuite suite, BlockHeader parent, long timestamp, byte[] sealer, Hash txRoot,
            int txCount, List<Receipt> receipts, Hash stateRoot) {
        return new BlockHeader(BlockHeader.PROTOCOL_VERSION, parent.chainId(), parent.number() + 1,
                suite.digest(parent.encode()), Math.max(timestamp, parent.timestamp()), txRoot,
                receiptRoot(suite, receipts), stateRoot, txCount, sealer.clone(), new byte[0]);
    }

    Hash receiptRoot(CryptoSuite suite, List<Receipt> receipts) {
        List<Hash> leaves = new ArrayList<>(receipts.size());
        for (Receipt r : receipts) {
            leaves.add(suite.digest(r.encode()));
        }
        return tree == Tree.PLAIN ? MerkleRoot.of(leaves, suite::hash) : tagged(leaves, suite);
    }

    /**
     * The tagged tree: a leaf is {@code H(0x00 | receipt hash)}, an inner node {@code H(0x01 | left | right)}; a level
     * with an odd count carries its last node up unchanged; no receipts give {@link Hash#ZERO}.
     */
    static Hash tagged(List<Hash> leaves, CryptoSuite suite) {
        List<Hash> tagged = new ArrayList<>(leaves.size());
        for (Hash leaf : leaves) {
            tagged.add(Hash.of(suite.hash(prefixed((byte) 0, leaf.toByteArray()))));
        }
        return MerkleRoot.of(tagged, pair -> suite.hash(prefixed((byte) 1, pair)));
    }

    private static byte[] prefixed(byte tag, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = tag;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}
