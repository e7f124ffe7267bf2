package io.cairn.api.consensus;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import java.util.List;

/** Building the next block on the head and sealing it, the same for every consensus engine. */
public final class Sealing {
    private Sealing() {}

    /**
     * Executes the next block on {@code parent} with {@code txs}, made by {@code sealerKey}. Its timestamp is the
     * wall clock's, but never before the parent's, even if the clock stepped back.
     */
    public static ExecutedBlock build(Executor executor, BlockHeader parent, byte[] sealerKey,
            List<VerifiedTransaction> txs, long nowMillis) {
        return executor.execute(parent, Math.max(nowMillis, parent.timestamp()), sealerKey, txs);
    }

    /** The block hash: the suite hash of the header encoding. */
    public static Hash hash(CryptoSuite suite, BlockHeader header) {
        return suite.digest(header.encode());
    }

    /** This node's seal on a block: {@code publicKey[64] | signature[64]} over the block hash. */
    public static byte[] seal(NodeIdentity identity, Hash blockHash) {
        return Seals.of(identity.publicKey(), identity.sign(blockHash.toByteArray()));
    }
}
