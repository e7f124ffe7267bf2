package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.sync.BlockSync;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The node among its peers: getPeers, getSyncStatus, getSealerList, getObserverList. */
public final class PeerMethods {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final NodeServices node;
    private final SyncRate rate = new SyncRate();

    public PeerMethods(NodeServices node) {
        this.node = node;
    }

    public void register(Map<String, RpcMethod> methods) {
        methods.put("getPeers", this::getPeers);
        methods.put("getSyncStatus", this::getSyncStatus);
        methods.put("getSealerList", this::getSealerList);
        methods.put("getObserverList", this::getObserverList);
    }

    /**
     * The network's peer table, with the bans the peer reputation holds; empty on a node without a network engine
     * (solo), which has no peers to list.
     */
    JsonNode getPeers(Params p) {
        p.atMost(0);
        ArrayNode out = NODES.arrayNode();
        Network net = node.network();
        if (net == null) {
            return out;
        }
        Map<String, Network.Ban> bans = new LinkedHashMap<>();
        PeerReputation reputation = node.reputation();
        if (reputation != null) {
            for (Network.Ban b : reputation.bans()) {
                bans.put(normal(b.peerId()), b);
            }
        }
        for (Network.Peer peer : net.peers()) {
            ObjectNode o = out.addObject();
            o.put("id", peer.id());
            o.put("address", peer.address());
            o.put("connected", peer.connected());
            o.put("outbound", peer.outbound());
            o.put("connectedSinceMillis", peer.connectedSinceMillis());
            o.put("messagesIn", peer.messagesIn());
            o.put("messagesOut", peer.messagesOut());
            o.put("queued", peer.queued());
            if (peer.id() != null) {
                refused(o, bans.remove(normal(peer.id())));
            }
        }
        // refused peers the table does not list (a certificate holder that is no configured peer)
        for (Network.Ban b : bans.values()) {
            ObjectNode o = out.addObject();
            o.put("id", b.peerId());
            o.put("connected", false);
            refused(o, b);
        }
        return out;
    }

    /** Why and until when the node refuses a peer that misbehaved, if it does. */
    private static void refused(ObjectNode o, Network.Ban ban) {
        if (ban == null) {
            return;
        }
        ObjectNode r = o.putObject("refused");
        r.put("reason", ban.reason());
        r.put("sinceMillis", ban.sinceMillis());
        r.put("untilMillis", ban.untilMillis());
        r.put("offences", ban.offences());
    }

    /**
     * The sync engine's status; without one, the node is simply at its height, not syncing, and counts nothing. With
     * the phase: a join by state sync's while one runs, then {@code blocks} while sync fetches, else {@code synced}
     * ({@code starting} before the genesis block is in).
     */
    JsonNode getSyncStatus(Params p) {
        p.atMost(0);
        BlockSync sync = node.sync();
        io.cairn.api.node.BlockStore store = node.needBlockStore();
        ObjectNode o = StatusJson.sync(sync != null ? sync.status() : StatusJson.notSyncing(store.height()));
        Map<String, Object> join = node.join();
        o.put("phase", join != null ? String.valueOf(join.get("phase")) : store.height() < 0 ? "starting"
                : o.path("syncing").asBoolean() ? "blocks" : "synced");
        o.put("blocksPerSecond", rate.sample(System.nanoTime(), o.path("blocksApplied").asLong()));
        if (join == null) {
            o.putNull("snapshot");
        } else {
            ObjectNode s = o.putObject("snapshot");
            for (String k : List.of("height", "peers", "chunks", "chunksDone", "bytes", "bytesDone", "bytesPerSecond")) {
                s.put(k, ((Number) join.get(k)).longValue());
            }
        }
        java.util.OptionalLong joined = store.joinedAt();
        if (joined.isPresent()) {
            o.put("joinedAt", joined.getAsLong());
        } else {
            o.putNull("joinedAt");
        }
        return o;
    }

    /** The consensus nodes named by the genesis block, as node ids (0x public keys). */
    JsonNode getSealerList(Params p) {
        p.atMost(0);
        ArrayNode out = NODES.arrayNode();
        for (String s : sealers()) {
            out.add(s);
        }
        return out;
    }

    /**
     * Nodes that follow the chain without voting: the connected peers, and this node, that are not sealers.
     * Only connected peers are known to be nodes of this chain now (the network admits holders of its CA's
     * certificates), so a known but disconnected peer is not listed.
     */
    JsonNode getObserverList(Params p) {
        p.atMost(0);
        Set<String> sealers = new LinkedHashSet<>();
        for (String s : sealers()) {
            sealers.add(normal(s));
        }
        Set<String> observers = new LinkedHashSet<>();
        String self = self();
        if (self != null && !sealers.contains(normal(self))) {
            observers.add(self);
        }
        Network net = node.network();
        if (net != null) {
            for (Network.Peer peer : net.peers()) {
                if (peer.connected() && !sealers.contains(normal(peer.id()))) {
                    observers.add(peer.id());
                }
            }
        }
        ArrayNode out = NODES.arrayNode();
        observers.forEach(out::add);
        return out;
    }

    private List<String> sealers() {
        return node.needSpec().sealers();
    }

    private String self() {
        Network net = node.network();
        if (net != null) {
            return net.self();
        }
        NodeIdentity id = node.identity();
        return id == null ? null : Bytes.toHex(id.publicKey());
    }

    /** Ids are hex; a peer table might spell them in upper case. Null for a peer not reached yet (no id known). */
    private static String normal(String id) {
        return id == null ? null : id.toLowerCase(Locale.ROOT);
    }
}
