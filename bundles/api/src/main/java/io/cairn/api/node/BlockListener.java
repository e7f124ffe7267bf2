package io.cairn.api.node;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.storage.WriteBatch;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/** Whiteboard service told of each committed block, after the commit is durable. */
@ConsumerType
public interface BlockListener {
    void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes);

    /**
     * As {@link #blockCommitted(Block, Hash, List)}, with the state entries the block wrote (puts and deletes in the
     * state and governance key spaces, exactly as the block store wrote them; null when unknown): a listener that
     * caches state at the head can carry its cache over to the new head instead of reading everything again. The
     * block store calls this one; by default it calls the other. The batch is shared: never change it.
     */
    default void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes, WriteBatch stateWrites) {
        blockCommitted(block, blockHash, txHashes);
    }
}
