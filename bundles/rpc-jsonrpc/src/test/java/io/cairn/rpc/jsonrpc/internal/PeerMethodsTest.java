package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.network.Network;
import io.cairn.api.sync.BlockSync;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** getPeers, getSyncStatus, getSealerList and getObserverList against fake network and sync engines. */
class PeerMethodsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEALER_A = Bytes.toHex(Fakes.key(1));
    private static final String SEALER_B = Bytes.toHex(Fakes.key(2));
    private static final String OBSERVER = Bytes.toHex(Fakes.key(3));
    private static final String GONE = Bytes.toHex(Fakes.key(4));
    /** The fake identity's key: not a sealer unless a test makes it one. */
    private static final String SELF = Bytes.toHex(Fakes.key(9));

    private final Fakes.Node node = new Fakes.Node();
    private final JsonRpcDispatcher dispatcher;

    PeerMethodsTest() {
        Map<String, RpcMethod> methods = new HashMap<>();
        new PeerMethods(node).register(methods);
        dispatcher = new JsonRpcDispatcher(methods, 2000, Runnable::run, 1);
    }

    private JsonNode response(String method, String params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
        return JSON.readTree(dispatcher.handle(body.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS));
    }

    private JsonNode result(String method) throws Exception {
        JsonNode r = response(method, "[]");
        assertTrue(r.get("error") == null, () -> method + " failed: " + r);
        return r.get("result");
    }

    private void assertError(String method, String params, int code, String part) throws Exception {
        JsonNode e = response(method, params).get("error");
        assertTrue(e != null, method + " should fail");
        assertEquals(code, e.get("code").asInt());
        assertTrue(e.get("message").asText().contains(part), e.get("message").asText());
    }

    private void sealers(String... ids) {
        Genesis g = node.store.genesis;
        node.store.genesis = new Genesis(g.chainId(), g.suite(), g.ledger(), g.timestamp(), List.of(ids), new TreeMap<>());
    }

    private static final class FakeNetwork implements Network {
        final String self;
        final List<Peer> peers;
        List<Ban> bans = List.of();

        FakeNetwork(String self, List<Peer> peers) {
            this.self = self;
            this.peers = peers;
        }

        @Override public List<Ban> bans() { return bans; }

        @Override public String self() { return self; }
        @Override public List<Peer> peers() { return peers; }
        @Override public boolean send(String peerId, String topic, byte[] payload) { return false; }
        @Override public int broadcast(String topic, byte[] payload) { return 0; }
        @Override public int maxPayload() { return 1 << 20; }
        @Override public Health health() { return Health.ready("ok"); }
    }

    private static Network.Peer peer(String id, boolean connected) {
        return new Network.Peer(id, "127.0.0.1:3030" + id.length() % 10, connected, true, 1234, 5, 6, 7);
    }

    @Test
    void getPeersListsTheNetworkPeerTable() throws Exception {
        node.network = new FakeNetwork(SELF, List.of(peer(SEALER_A, true), peer(GONE, false)));
        JsonNode r = result("getPeers");
        assertEquals(2, r.size());
        JsonNode a = r.get(0);
        assertEquals(SEALER_A, a.get("id").asText());
        assertEquals("127.0.0.1:3030" + SEALER_A.length() % 10, a.get("address").asText());
        assertTrue(a.get("connected").asBoolean());
        assertTrue(a.get("outbound").asBoolean());
        assertEquals(1234, a.get("connectedSinceMillis").asLong());
        assertEquals(5, a.get("messagesIn").asLong());
        assertEquals(6, a.get("messagesOut").asLong());
        assertEquals(7, a.get("queued").asLong());
        assertEquals(false, r.get(1).get("connected").asBoolean());
    }

    @Test
    void getPeersShowsWhyAndUntilWhenAMisbehavingPeerIsRefused() throws Exception {
        FakeNetwork net = new FakeNetwork(SELF, List.of(peer(SEALER_A, true), peer(GONE, false)));
        String rogue = Bytes.toHex(Fakes.key(7));
        net.bans = List.of(new Network.Ban(GONE, "pbft: bad signature", 1000, 31_000, 1),
                new Network.Ban(rogue, "pbft: not signed by the peer that sent it", 2000, 62_000, 2));
        node.network = net;
        JsonNode r = result("getPeers");
        assertEquals(3, r.size());
        assertTrue(r.get(0).get("refused") == null, "a peer in good standing has no refusal");
        JsonNode gone = r.get(1).get("refused");
        assertEquals("pbft: bad signature", gone.get("reason").asText());
        assertEquals(31_000, gone.get("untilMillis").asLong());
        assertEquals(rogue, r.get(2).get("id").asText());
        assertEquals(false, r.get(2).get("connected").asBoolean());
        assertEquals(2, r.get(2).get("refused").get("offences").asInt());
    }

    @Test
    void getPeersWithoutANetworkIsEmpty() throws Exception {
        assertEquals(0, result("getPeers").size());
        assertError("getPeers", "[1]", RpcException.INVALID_PARAMS, "at most 0");
    }

    @Test
    void getSyncStatusIsTheSyncEnginesStatus() throws Exception {
        node.sync = new BlockSync() {
            @Override public Map<String, Object> status() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("height", 5L);
                m.put("highestKnown", 9L);
                m.put("syncing", true);
                m.put("peers", Map.of(SEALER_A, 9L));
                m.put("blocksFetched", 4L);
                m.put("badBlocks", 1L);
                return m;
            }
            @Override public Health health() { return Health.ready("ok"); }
        };
        JsonNode r = result("getSyncStatus");
        assertEquals(5, r.get("height").asLong());
        assertEquals(9, r.get("highestKnown").asLong());
        assertTrue(r.get("syncing").asBoolean());
        assertEquals(9, r.get("peers").get(SEALER_A).asLong());
        assertEquals(4, r.get("blocksFetched").asLong());
        assertEquals(1, r.get("badBlocks").asLong());
    }

    @Test
    void getSyncStatusWithoutASyncEngineIsTheHeightNotSyncing() throws Exception {
        JsonNode r = result("getSyncStatus");
        assertEquals(1, r.get("height").asLong());
        assertEquals(false, r.get("syncing").asBoolean());
        node.store = null;
        assertError("getSyncStatus", "[]", RpcException.NOT_READY, "no ledger");
    }

    @Test
    void getSealerListIsTheGenesisSealers() throws Exception {
        sealers(SEALER_A, SEALER_B);
        JsonNode r = result("getSealerList");
        assertEquals(List.of(SEALER_A, SEALER_B), List.of(r.get(0).asText(), r.get(1).asText()));
        assertEquals(2, r.size());
        node.store = null;
        assertError("getSealerList", "[]", RpcException.NOT_READY, "no ledger");
    }

    @Test
    void getObserverListIsConnectedNonSealersAndSelf() throws Exception {
        sealers(SEALER_A, SEALER_B);
        node.network = new FakeNetwork(SELF, List.of(peer(SEALER_A.toUpperCase().replace("0X", "0x"), true),
                peer(OBSERVER, true), peer(GONE, false)));
        JsonNode r = result("getObserverList");
        assertEquals(List.of(SELF, OBSERVER), List.of(r.get(0).asText(), r.get(1).asText()));
        assertEquals(2, r.size());
    }

    @Test
    void aSealerIsNotItsOwnObserver() throws Exception {
        sealers(SEALER_A, SELF);
        node.network = new FakeNetwork(SELF, List.of(peer(SEALER_A, true), peer(OBSERVER, true)));
        JsonNode r = result("getObserverList");
        assertEquals(1, r.size());
        assertEquals(OBSERVER, r.get(0).asText());
    }

    @Test
    void withoutANetworkOnlySelfCanBeAnObserver() throws Exception {
        sealers(SEALER_A);
        JsonNode r = result("getObserverList");
        assertEquals(1, r.size());
        assertEquals(SELF, r.get(0).asText());
        sealers(SELF);
        assertEquals(0, result("getObserverList").size());
    }
}
