package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.network.Network;
import io.cairn.api.sync.BlockSync;
import io.cairn.api.sync.SyncStatus;
import io.cairn.api.testing.StepClock;
import io.cairn.api.testing.TestReputation;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
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
        /** What a network that still kept bans would say: getPeers must not read it. */
        List<Ban> bans = List.of();

        FakeNetwork(String self, List<Peer> peers) {
            this.self = self;
            this.peers = peers;
        }

        @SuppressWarnings("deprecation")
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
    void aConfiguredPeerNotReachedYetHasNoIdAndDoesNotBreakTheTable() throws Exception {
        // a dial target before its first handshake: the network knows its address, not its id
        sealers(SEALER_A);
        node.network = new FakeNetwork(SELF, List.of(peer(SEALER_A, true),
                new Network.Peer(null, "127.0.0.1:30309", false, true, 0, 0, 0, 0)));
        JsonNode r = result("getPeers");
        assertEquals(2, r.size());
        assertTrue(r.get(1).get("id").isNull());
        assertEquals("127.0.0.1:30309", r.get(1).get("address").asText());
        assertEquals(false, r.get(1).get("connected").asBoolean());
        assertEquals(1, result("getObserverList").size(), "only this node: the sealer is not an observer");
    }

    @Test
    void getPeersShowsWhyAndUntilWhenAMisbehavingPeerIsRefused() throws Exception {
        FakeNetwork net = new FakeNetwork(SELF, List.of(peer(SEALER_A, true), peer(GONE, false)));
        String rogue = Bytes.toHex(Fakes.key(7));
        StepClock clock = new StepClock();
        long t0 = clock.millis();
        TestReputation reputation = new TestReputation(clock, 30_000);
        reputation.penalise(GONE, "pbft", "bad signature");
        clock.advanceMillis(1000);
        reputation.penalise(rogue, "sync", "a block with bad seals");
        node.reputation = reputation;
        node.network = net;
        JsonNode r = result("getPeers");
        assertEquals(3, r.size());
        assertTrue(r.get(0).get("refused") == null, "a peer in good standing has no refusal");
        JsonNode gone = r.get(1).get("refused");
        assertEquals("pbft: bad signature", gone.get("reason").asText());
        assertEquals(t0, gone.get("sinceMillis").asLong());
        assertEquals(t0 + 30_000, gone.get("untilMillis").asLong());
        assertEquals(1, gone.get("offences").asInt());
        assertEquals(4, gone.size(), "refused has reason, sinceMillis, untilMillis, offences: " + gone);
        assertEquals(rogue, r.get(2).get("id").asText(), "a banned peer outside the table is listed too");
        assertEquals(false, r.get(2).get("connected").asBoolean());
        assertEquals("sync: a block with bad seals", r.get(2).get("refused").get("reason").asText());
        clock.advanceMillis(29_500);
        JsonNode later = result("getPeers");
        assertTrue(later.get(1).get("refused") == null, "a ban that ended is no refusal: " + later);
        assertEquals(rogue, later.get(2).get("id").asText(), "the later ban still holds");
        assertEquals(3, later.size());
    }

    @Test
    void refusalsComeFromThePeerReputationNotTheNetwork() throws Exception {
        FakeNetwork net = new FakeNetwork(SELF, List.of(peer(SEALER_A, true)));
        net.bans = List.of(new Network.Ban(SEALER_A, "old network table", 1, Long.MAX_VALUE, 1));
        node.network = net;
        JsonNode r = result("getPeers");
        assertEquals(1, r.size());
        assertTrue(r.get(0).get("refused") == null, "without a peer reputation nobody is listed as refused: " + r);
        node.reputation = new TestReputation();
        assertTrue(result("getPeers").get(0).get("refused") == null, "the network's own list is not read");
    }

    @Test
    void getPeersWithoutANetworkIsEmpty() throws Exception {
        assertEquals(0, result("getPeers").size());
        assertError("getPeers", "[1]", RpcException.INVALID_PARAMS, "at most 0");
    }

    @Test
    void getSyncStatusIsTheSyncEnginesStatus() throws Exception {
        SyncStatus status = new SyncStatus(5, 9, true, Map.of(SEALER_B, 8L, SEALER_A, 9L), List.of(GONE), 3, 2, 4, 6,
                1, 7, 8, 10, 11);
        node.sync = new BlockSync() {
            @Override public SyncStatus status() { return status; }
            @Override public Health health() { return Health.ready("ok"); }
        };
        JsonNode r = result("getSyncStatus");
        assertEquals(5, r.get("height").asLong());
        assertEquals(9, r.get("highestKnown").asLong());
        assertTrue(r.get("syncing").asBoolean());
        assertEquals(List.of(SEALER_A, SEALER_B), iterate(r.get("peers").fieldNames()), "peers sorted by id");
        assertEquals(9, r.get("peers").get(SEALER_A).asLong());
        assertEquals(8, r.get("peers").get(SEALER_B).asLong());
        assertEquals(GONE, r.get("penalisedPeers").get(0).asText());
        assertEquals(3, r.get("inFlight").asInt());
        assertEquals(2, r.get("readyBlocks").asInt());
        assertEquals(4, r.get("blocksFetched").asLong());
        assertEquals(6, r.get("blocksApplied").asLong());
        assertEquals(1, r.get("badBlocks").asLong());
        assertEquals(7, r.get("badMessages").asLong());
        assertEquals(8, r.get("timeouts").asLong());
        assertEquals(10, r.get("requestsServed").asLong());
        assertEquals(11, r.get("committedByOthers").asLong());
        assertEquals("blocks", r.get("phase").asText(), "behind a peer and fetching");
        assertEquals(0.0, r.get("blocksPerSecond").asDouble(), "no rate at the first answer");
        assertTrue(r.get("snapshot").isNull());
        assertTrue(r.get("joinedAt").isNull());
        assertEquals(SYNC_KEYS, iterate(r.fieldNames()));
    }

    @Test
    void getSyncStatusShowsAJoinByStateSyncWhileItRuns() throws Exception {
        Map<String, Object> join = new java.util.LinkedHashMap<>();
        join.put("phase", "chunks");
        join.put("height", 21L);
        join.put("peers", 2);
        join.put("chunks", 5);
        join.put("chunksDone", 3);
        join.put("bytes", 5_000_000L);
        join.put("bytesDone", 3_000_000L);
        join.put("bytesPerSecond", 1_500_000L);
        node.join = join;
        JsonNode r = result("getSyncStatus");
        assertEquals("chunks", r.get("phase").asText());
        assertEquals(List.of("height", "peers", "chunks", "chunksDone", "bytes", "bytesDone", "bytesPerSecond"),
                iterate(r.get("snapshot").fieldNames()));
        assertEquals(21, r.get("snapshot").get("height").asLong());
        assertEquals(2, r.get("snapshot").get("peers").asInt());
        assertEquals(3, r.get("snapshot").get("chunksDone").asInt());
        assertEquals(1_500_000, r.get("snapshot").get("bytesPerSecond").asLong());
        assertEquals(SYNC_KEYS, iterate(r.fieldNames()));
        node.join = null;
        assertEquals("synced", result("getSyncStatus").get("phase").asText(), "the join ended, nothing to fetch");
        node.store.blocks.clear(); // a node whose genesis block is not in yet
        assertEquals("starting", result("getSyncStatus").get("phase").asText(), "no genesis block yet");
    }

    private static final List<String> SYNC_KEYS = List.of("height", "highestKnown", "syncing", "peers", "penalisedPeers",
            "inFlight", "readyBlocks", "blocksFetched", "blocksApplied", "badBlocks", "badMessages", "timeouts",
            "requestsServed", "committedByOthers", "phase", "blocksPerSecond", "snapshot", "joinedAt");

    private static List<String> iterate(java.util.Iterator<String> names) {
        List<String> out = new java.util.ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    @Test
    void getSyncStatusWithoutASyncEngineIsTheHeightNotSyncing() throws Exception {
        JsonNode r = result("getSyncStatus");
        assertEquals(1, r.get("height").asLong());
        assertEquals(1, r.get("highestKnown").asLong());
        assertEquals(false, r.get("syncing").asBoolean());
        assertEquals(0, r.get("peers").size());
        assertEquals(0, r.get("penalisedPeers").size());
        assertEquals(0, r.get("blocksApplied").asLong());
        assertEquals("synced", r.get("phase").asText());
        assertEquals(SYNC_KEYS, iterate(r.fieldNames()), "the same shape as with a sync engine");
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
