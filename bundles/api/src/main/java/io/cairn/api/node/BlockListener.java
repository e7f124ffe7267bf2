package io.cairn.api.node;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/** Whiteboard service told of each committed block, after the commit is durable. */
@ConsumerType
public interface BlockListener {
    void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes);
}
