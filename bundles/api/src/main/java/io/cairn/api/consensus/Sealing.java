package io.cairn.api.consensus;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.InvalidBlockException;
import java.util.ArrayList;
import java.util.List;

/** Building the next block on the head and sealing it, the same for every consensus engine. */
public final class Sealing {
    private Sealing() {}

    /**
     * Executes the next block on {@code parent} with {@code txs}, made by {@code sealerKey}. Its timestamp is the
     * wall clock's, but never before the parent's, even if the clock stepped back. A transaction the ledger model
     * says no block may hold (a coin the head has spent since the pool last heard of a block) is left out and the
     * block built again without it: a proposer must never propose a block every replica refuses.
     */
    public static ExecutedBlock build(Executor executor, BlockHeader parent, byte[] sealerKey,
            List<VerifiedTransaction> txs, long nowMillis) {
        long timestamp = Math.max(nowMillis, parent.timestamp());
        List<VerifiedTransaction> candidates = txs;
        while (true) {
            try {
                return executor.execute(parent, timestamp, sealerKey, candidates);
            } catch (InvalidBlockException e) {
                int bad = e.transaction().orElse(-1);
                if (bad < 0 || bad >= candidates.size()) {
                    throw e;
                }
                candidates = new ArrayList<>(candidates);
                candidates.remove(bad);
            }
        }
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
