package io.cairn.consensus.pbft.internal;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.NodeRecords;
import java.util.List;

/**
 * Everything outside the protocol that {@link PbftEngine} reaches: the swappable engines (each may be absent, null,
 * at any moment: a swap pauses consensus, never breaks it) and the node's stable services. The DS component
 * reads its references here; a test hands in fakes.
 */
interface Ports {
    BlockStore blockStore();

    Executor executor();

    TxPool txPool();

    NodeIdentity identity();

    Network network();

    /** The pipeline gate, or null: with none, blocks are made freely. */
    PipelineGate gate();

    /** The crypto suites bound now; the chain's is the one its spec names. */
    List<CryptoSuite> suites();

    NodeRecords records();

    PeerReputation reputation();

    NodeThreads threads();

    Metrics metrics();

    NodeClock clock();
}
