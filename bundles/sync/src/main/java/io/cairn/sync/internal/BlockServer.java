package io.cairn.sync.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.node.BlockArchivedException;
import io.cairn.api.node.BlockStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Answers a peer's GET_BLOCKS from the block store. */
final class BlockServer {
    private BlockServer() {}

    /**
     * The BLOCKS answer: the blocks asked for that this node holds, at most {@code batchBlocks} and what fits
     * {@code maxPayload}; none past the head, nor from a block whose archive file cannot be read (an empty answer
     * says "not here").
     */
    static byte[] serve(SyncMessage.GetBlocks g, BlockStore store, int batchBlocks, int maxPayload) {
        long head = store.height();
        int count = Math.min(g.count(), batchBlocks);
        long budget = (long) maxPayload - SyncMessage.Blocks.OVERHEAD;
        List<byte[]> out = new ArrayList<>();
        long used = 0;
        for (long n = g.from(); n < g.from() + count && n <= head; n++) {
            Optional<Block> b;
            try {
                b = store.block(n);
            } catch (BlockArchivedException unreadable) {
                b = Optional.empty(); // its archive file is not readable now: the blocks before it, and the peer asks another
            }
            if (b.isEmpty()) {
                break;
            }
            byte[] encoded = b.get().encode();
            if (used + SyncMessage.Blocks.PER_BLOCK + encoded.length > budget) {
                break;
            }
            used += SyncMessage.Blocks.PER_BLOCK + encoded.length;
            out.add(encoded);
        }
        return SyncMessage.Blocks.encode(g.from(), out);
    }
}
