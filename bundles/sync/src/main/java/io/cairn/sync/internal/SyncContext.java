package io.cairn.sync.internal;

import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxPool;
import java.util.Optional;

/**
 * What one step of sync works with, read once per step from the bound services: the network, the block store,
 * the chain's facts and the pool whose verified transactions a block may reuse.
 *
 * @param self this node's id, so that its own messages are recognised
 */
record SyncContext(Network net, BlockStore store, Facts chain, TxPool pool, String self) {

    /**
     * The facts of the local chain every peer must share, read once per block store and suite: the genesis
     * block's hash and the chain spec, and the verifier of its transactions when the bound suite is the chain's
     * (null otherwise: blocks cannot be checked until it is).
     */
    record Facts(BlockStore store, CryptoSuite suite, Hash genesis, ChainSpec spec, TransactionVerifier verifier) {

        /** The facts of the store's chain, or null before its genesis block. */
        static Facts of(BlockStore store, CryptoSuite suite) {
            Optional<Hash> genesis = store.hash(0);
            Optional<ChainSpec> spec = store.spec();
            if (genesis.isEmpty() || spec.isEmpty()) {
                return null;
            }
            TransactionVerifier v = spec.get().usesSuite(suite) ? new TransactionVerifier(spec.get(), suite) : null;
            return new Facts(store, suite, genesis.get(), spec.get(), v);
        }

        boolean isFor(BlockStore s, CryptoSuite c) {
            return store == s && suite == c;
        }
    }
}
