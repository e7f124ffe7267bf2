package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.EngineInfo;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxPool;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;

/** The node itself: getNodeInfo, getConsensusStatus, and the health summary of {@code GET /}. */
public final class NodeMethods {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final NodeServices node;

    public NodeMethods(NodeServices node) {
        this.node = node;
    }

    public void register(Map<String, RpcMethod> methods) {
        methods.put("getNodeInfo", this::getNodeInfo);
        methods.put("getConsensusStatus", this::getConsensusStatus);
    }

    /** What the node is; a field whose component is absent is null, since this is what operators ask first. */
    JsonNode getNodeInfo(Params p) {
        p.atMost(0);
        NodeIdentity identity = node.identity();
        BlockStore store = node.blockStore();
        ChainSpec spec = node.spec();
        LedgerModel model = node.ledgerModel();
        Consensus consensus = node.consensus();
        ObjectNode o = NODES.objectNode();
        o.set("nodeId", identity == null ? NODES.nullNode() : ChainJson.hex(identity.publicKey()));
        o.set("address", identity == null ? NODES.nullNode() : ChainJson.address(identity.address()));
        o.set("chainId", spec == null ? NODES.nullNode() : ChainJson.u64(spec.chainId()));
        o.put("suite", spec == null ? null : spec.suite());
        o.put("ledger", spec == null ? null : spec.ledger());
        o.put("ledgerModel", model == null ? null : model.model());
        o.put("consensus", consensus == null ? null : consensus.engine());
        o.put("height", store == null ? null : store.height());
        o.put("rpc", node.endpoint());
        ArrayNode engines = o.putArray("engines");
        for (EngineInfo e : node.engines()) {
            ObjectNode eo = engines.addObject();
            eo.put("component", e.component());
            eo.put("engine", e.engine());
            eo.put("bundle", e.bundle());
            eo.put("version", e.version());
            eo.put("ready", e.ready());
            eo.put("detail", e.detail());
        }
        o.set("memory", memory());
        return o;
    }

    /** The node JVM's memory, so that benchmarks can report what the node used. */
    static ObjectNode memory() {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        MemoryUsage heap = mem.getHeapMemoryUsage();
        ObjectNode m = NODES.objectNode();
        m.put("heapUsedBytes", heap.getUsed());
        m.put("heapCommittedBytes", heap.getCommitted());
        m.put("heapMaxBytes", heap.getMax());
        m.put("nonHeapUsedBytes", mem.getNonHeapMemoryUsage().getUsed());
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        m.put("heapPeakBytes", peak);
        return m;
    }

    JsonNode getConsensusStatus(Params p) {
        p.atMost(0);
        Consensus consensus = node.needConsensus();
        ConsensusStatus status = consensus.status();
        ObjectNode o = StatusJson.consensus(status);
        if (status.engine() == null) {
            o.put("engine", consensus.engine());
        }
        return o;
    }

    /** A small summary for {@code GET /}: enough for a load balancer or an operator's curl. */
    public JsonNode health() {
        BlockStore store = node.blockStore();
        TxPool pool = node.txPool();
        Consensus consensus = node.consensus();
        ObjectNode o = NODES.objectNode();
        boolean ready = store != null && pool != null && consensus != null;
        o.put("ready", ready);
        o.put("height", store == null ? null : store.height());
        o.put("pool", pool == null ? null : pool.size());
        o.put("consensus", consensus == null ? null : consensus.engine());
        return o;
    }
}
