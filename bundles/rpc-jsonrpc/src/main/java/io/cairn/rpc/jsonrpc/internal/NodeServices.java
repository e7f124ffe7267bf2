package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
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

    io.cairn.api.node.Consensus consensus();

    NodeIdentity identity();

    /** The network engine, or null (a solo node has none). */
    Network network();

    /** The sync engine, or null (a solo node has none). */
    BlockSync sync();

    /** The chain's crypto suite, or null. */
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

    private static <T> T need(T service, String what) {
        if (service == null) {
            throw RpcException.notReady(what);
        }
        return service;
    }
}
