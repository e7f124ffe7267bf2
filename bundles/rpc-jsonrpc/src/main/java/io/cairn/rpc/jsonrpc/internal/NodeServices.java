package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.chain.ChainSpec;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.EngineInfo;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxPool;
import io.cairn.api.sync.BlockSync;
import java.util.List;

/**
 * The node's components as the methods see them at the moment of a call. Each may be null while its engine
 * is absent or being swapped; {@code need*} turns absence into the "not ready" error instead of waiting.
 */
public interface NodeServices {
    TxPool txPool();

    BlockStore blockStore();

    LedgerModel ledgerModel();

    Consensus consensus();

    NodeIdentity identity();

    /** The network engine, or null (a solo node has none). */
    Network network();

    /** The sync engine, or null (a solo node has none). */
    BlockSync sync();

    /**
     * Where a join by state sync running in this node stands (the snapshot bundle's {@code cairn.status=join}: phase,
     * height, peers, chunks, chunksDone, bytes, bytesDone, bytesPerSecond), or null while none runs.
     */
    default java.util.Map<String, Object> join() {
        return null;
    }

    /**
     * The hashes of a recently committed block's transactions, in order, as its commit computed them; null when the
     * block is not among the recent ones (the caller hashes the transactions).
     */
    default List<io.cairn.api.chain.Hash> recentTxHashes(io.cairn.api.chain.Hash block) {
        return null;
    }

    /** The peer reputation (who is banned), or null. */
    PeerReputation reputation();

    /** The chain's spec from the block store's genesis block, or null (no block store, no genesis yet). */
    ChainSpec spec();

    /** The chain's crypto suite: the bound one its spec names; null without a spec or such a suite. */
    CryptoSuite suite();

    /** Every component's engine and readiness. */
    List<EngineInfo> engines();

    /** This server's endpoint, or null. */
    String endpoint();

    default TxPool needTxPool() {
        return need(txPool(), "no txpool");
    }

    default BlockStore needBlockStore() {
        return need(blockStore(), "no ledger (block store)");
    }

    default LedgerModel needLedgerModel() {
        return need(ledgerModel(), "no ledger model");
    }

    default Consensus needConsensus() {
        return need(consensus(), "no consensus");
    }

    default CryptoSuite needSuite() {
        return need(suite(), "no crypto suite");
    }

    default ChainSpec needSpec() {
        needBlockStore();
        return need(spec(), "no genesis block yet");
    }

    private static <T> T need(T service, String what) {
        if (service == null) {
            throw RpcException.notReady(what);
        }
        return service;
    }
}
