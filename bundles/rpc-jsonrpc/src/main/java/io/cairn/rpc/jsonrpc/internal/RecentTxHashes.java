package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.chain.Hash;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transaction hashes of the last few committed blocks, as the block store computed them when it committed each:
 * a block is read most just after it commits (clients watching the head), and its hashes otherwise cost one suite
 * hash per transaction on every read.
 */
final class RecentTxHashes {
    private final Map<Hash, List<Hash>> byBlock;

    RecentTxHashes(int blocks) {
        this.byBlock = new LinkedHashMap<>(blocks * 2, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Hash, List<Hash>> eldest) {
                return size() > blocks;
            }
        };
    }

    synchronized void committed(Hash block, List<Hash> txHashes) {
        byBlock.put(block, List.copyOf(txHashes));
    }

    /** The hashes of block {@code block}'s transactions in order, or null when it is not one of the recent blocks. */
    synchronized List<Hash> of(Hash block) {
        return byBlock.get(block);
    }
}
