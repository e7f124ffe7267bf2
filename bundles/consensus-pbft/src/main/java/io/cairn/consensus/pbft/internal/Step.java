package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.consensus.Sealing;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxPool;

/**
 * The collaborators of one event, read once from the {@link Ports} so that a swap in the middle of a step cannot
 * mix providers; the chain's facts; and who this node is in the chain.
 *
 * @param net    the network, or null while none is bound (votes are then kept for re-sending)
 * @param me     this node's public key, 0x hex
 * @param sealer whether this node votes (its key is a genesis sealer's); an observer only follows
 */
record Step(BlockStore store, Executor exec, TxPool pool, NodeIdentity id, CryptoSuite suite, Network net,
        ChainSpec spec, TransactionVerifier verifier, String me, boolean sealer) {

    /** The leader of (height, view): {@code sealers[(height + view) mod n]}. */
    String leader(long height, long view) {
        return leader(spec, height, view);
    }

    static String leader(ChainSpec spec, long height, long view) {
        return spec.sealers().get((int) Math.floorMod(height + view, (long) spec.n()));
    }

    /** The distinct votes that decide: 2f + 1 of n = 3f + 1. */
    int quorum() {
        return spec.quorum();
    }

    Hash hash(BlockHeader header) {
        return Sealing.hash(suite, header);
    }

    PbftMessage sign(MessageKind kind, long height, long view, Hash blockHash, byte[] body) {
        return PbftMessage.sign(id, kind, spec.chainId(), height, view, blockHash, body);
    }
}
