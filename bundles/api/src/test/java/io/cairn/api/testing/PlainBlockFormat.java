package io.cairn.api.testing;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockFormat;
import java.util.List;

/** Block-format rules 1 for tests outside the block-format bundle: the receipt root is the plain Merkle tree. */
public final class PlainBlockFormat implements BlockFormat {
    public static final PlainBlockFormat INSTANCE = new PlainBlockFormat();

    @Override
    public Health health() {
        return Health.ready("receipt tree plain");
    }

    @Override
    public BlockHeader next(CryptoSuite suite, BlockHeader parent, long timestamp, byte[] sealer, Hash txRoot,
            int txCount, List<Receipt> receipts, Hash stateRoot) {
        Hash receiptRoot = MerkleRoot.of(receipts.stream().map(r -> suite.digest(r.encode())).toList(), suite::hash);
        return new BlockHeader(BlockHeader.PROTOCOL_VERSION, parent.chainId(), parent.number() + 1,
                suite.digest(parent.encode()), Math.max(timestamp, parent.timestamp()), txRoot, receiptRoot,
                stateRoot, txCount, sealer.clone(), new byte[0]);
    }
}
