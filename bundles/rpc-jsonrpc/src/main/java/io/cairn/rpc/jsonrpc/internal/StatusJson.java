package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.PoolStatus;
import io.cairn.api.sync.SyncStatus;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON of the engines' typed status (docs/rpc.md): one flat object each, with the key names clients and the
 * launcher have read since these were maps.
 */
public final class StatusJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StatusJson() {}

    /** getConsensusStatus: the common fields, then, for an engine that votes, its BFT fields beside them. */
    public static ObjectNode consensus(ConsensusStatus s) {
        ObjectNode o = NODES.objectNode();
        o.put("engine", s.engine());
        o.put("height", s.height());
        o.set("lastBlockHash", ChainJson.hash(s.lastBlockHash()));
        o.put("lastBlockTxs", s.lastBlockTxs());
        o.put("blocksCommitted", s.blocksCommitted());
        o.put("failures", s.failures());
        o.put("blockTxs", s.blockTxs());
        o.put("intervalMs", s.intervalMs());
        o.put("emptyBlocks", s.emptyBlocks());
        ConsensusStatus.Bft b = s.bft();
        if (b == null) {
            return o;
        }
        o.put("view", b.view());
        o.put("leader", b.leader());
        ArrayNode sealers = o.putArray("sealers");
        b.sealers().forEach(sealers::add);
        o.put("f", b.f());
        o.put("quorum", b.quorum());
        o.put("role", b.role() == null ? "unknown" : b.role().name().toLowerCase(Locale.ROOT));
        o.put("viewChanging", b.viewChanging());
        o.put("viewChanges", b.viewChanges());
        o.put("equivocationsSeen", b.equivocationsSeen());
        o.put("messagesRejected", b.messagesRejected());
        o.put("messagesDropped", b.messagesDropped());
        o.put("messagesIgnored", b.messagesIgnored());
        o.put("messagesResent", b.messagesResent());
        o.put("lastRejection", b.lastRejection());
        o.put("viewTimeoutMs", b.viewTimeoutMs());
        o.put("viewTimeoutNowMs", b.viewTimeoutNowMs());
        // the name it had when the engine disconnected peers itself; now it reports them to the peer reputation
        o.put("peersDisconnected", b.peersPenalised());
        return o;
    }

    /** getSyncStatus. */
    public static ObjectNode sync(SyncStatus s) {
        ObjectNode o = NODES.objectNode();
        o.put("height", s.height());
        // this node's own head is known too: a client compares the two to see how far behind it is
        o.put("highestKnown", Math.max(s.height(), s.highestKnown()));
        o.put("syncing", s.syncing());
        ObjectNode peers = o.putObject("peers");
        // sorted, so that two answers of one state read the same
        for (Map.Entry<String, Long> e : new TreeMap<>(s.peers()).entrySet()) {
            peers.put(e.getKey(), e.getValue());
        }
        ArrayNode penalised = o.putArray("penalisedPeers");
        s.penalisedPeers().forEach(penalised::add);
        o.put("inFlight", s.inFlight());
        o.put("readyBlocks", s.readyBlocks());
        o.put("blocksFetched", s.blocksFetched());
        o.put("blocksApplied", s.blocksApplied());
        o.put("badBlocks", s.badBlocks());
        o.put("badMessages", s.badMessages());
        o.put("timeouts", s.timeouts());
        o.put("requestsServed", s.requestsServed());
        o.put("committedByOthers", s.committedByOthers());
        return o;
    }

    /** What getSyncStatus answers on a node without a sync engine (solo): at its height, nothing to fetch. */
    public static SyncStatus notSyncing(long height) {
        return new SyncStatus(height, height, false, Map.of(), java.util.List.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** getPoolStatus. */
    public static ObjectNode pool(PoolStatus s) {
        ObjectNode o = NODES.objectNode();
        o.put("size", s.size());
        o.put("capacity", s.capacity());
        o.put("clientLimit", s.clientLimit());
        // JSON has no NaN or infinity: a rate not measured yet is 0
        o.put("commitRate", Double.isFinite(s.commitRate()) ? s.commitRate() : 0.0);
        return o;
    }
}
