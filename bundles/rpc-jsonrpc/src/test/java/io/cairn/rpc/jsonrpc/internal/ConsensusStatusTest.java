package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.ConsensusStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** getConsensusStatus renders the typed status flat, with the key names of docs/rpc.md. */
class ConsensusStatusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COMMON = List.of("engine", "height", "lastBlockHash", "lastBlockTxs",
            "blocksCommitted", "failures", "blockTxs", "intervalMs", "emptyBlocks");
    private static final List<String> BFT = List.of("view", "leader", "sealers", "f", "quorum", "role", "viewChanging",
            "viewChanges", "equivocationsSeen", "messagesRejected", "messagesDropped", "messagesIgnored",
            "messagesResent", "lastRejection", "viewTimeoutMs", "viewTimeoutNowMs", "peersDisconnected");

    private final Fakes.Node node = new Fakes.Node();
    private final JsonRpcDispatcher dispatcher;

    ConsensusStatusTest() {
        Map<String, RpcMethod> methods = new HashMap<>();
        new NodeMethods(node).register(methods);
        dispatcher = new JsonRpcDispatcher(methods, 10, Runnable::run, 1);
    }

    private JsonNode status() throws Exception {
        byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getConsensusStatus\",\"params\":[]}"
                .getBytes(StandardCharsets.UTF_8);
        JsonNode r = JSON.readTree(dispatcher.handle(body).get(10, TimeUnit.SECONDS));
        assertTrue(r.get("error") == null, r::toString);
        return r.get("result");
    }

    private static List<String> keys(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void soloIsTheCommonFieldsOnly() throws Exception {
        JsonNode r = status();
        assertEquals(COMMON, keys(r));
        assertEquals("solo", r.get("engine").asText());
        assertEquals(2, r.get("height").asLong());
        assertEquals("0x" + "0b".repeat(32), r.get("lastBlockHash").asText());
        assertEquals(2, r.get("lastBlockTxs").asInt());
        assertEquals(7, r.get("blocksCommitted").asLong());
        assertEquals(1, r.get("failures").asLong());
        assertEquals(1000, r.get("blockTxs").asInt());
        assertEquals(500, r.get("intervalMs").asLong());
        assertTrue(r.get("emptyBlocks").isBoolean());
        assertTrue(r.get("blocksSealed") == null, "solo's blocksSealed is now blocksCommitted");
    }

    @Test
    void beforeAnyBlockTheHashIsNull() throws Exception {
        node.consensus = new Fakes.Engine("solo", new ConsensusStatus("solo", 1, null, 0, 0, 0, 1000, 500, true, null));
        JsonNode r = status();
        assertTrue(r.get("lastBlockHash").isNull());
        assertTrue(r.get("emptyBlocks").asBoolean());
    }

    @Test
    void pbftAddsItsVotingStateBesideTheCommonFields() throws Exception {
        String a = Bytes.toHex(Fakes.key(1));
        String b = Bytes.toHex(Fakes.key(2));
        ConsensusStatus.Bft bft = new ConsensusStatus.Bft(3, b, List.of(a, b, Bytes.toHex(Fakes.key(3)),
                Bytes.toHex(Fakes.key(4))), 1, 3, ConsensusStatus.Role.SEALER, true, 4, 5, 6, 7, 8, 9,
                "a vote for another chain", 2000, 2600, 10);
        node.consensus = new Fakes.Engine("pbft", new ConsensusStatus("pbft", 12, Hash.of(Fakes.filled(32, 0x0c)), 3, 11,
                0, 1000, 500, false, bft));
        JsonNode r = status();
        List<String> expected = new ArrayList<>(COMMON);
        expected.addAll(BFT);
        assertEquals(expected, keys(r), "one flat object");
        assertEquals("pbft", r.get("engine").asText());
        assertEquals(12, r.get("height").asLong());
        assertEquals(3, r.get("view").asLong());
        assertEquals(b, r.get("leader").asText());
        assertEquals(4, r.get("sealers").size());
        assertEquals(a, r.get("sealers").get(0).asText(), "genesis order");
        assertEquals(1, r.get("f").asInt());
        assertEquals(3, r.get("quorum").asInt());
        assertEquals("sealer", r.get("role").asText());
        assertTrue(r.get("viewChanging").asBoolean());
        assertEquals(4, r.get("viewChanges").asLong());
        assertEquals(5, r.get("equivocationsSeen").asLong());
        assertEquals(6, r.get("messagesRejected").asLong());
        assertEquals(7, r.get("messagesDropped").asLong());
        assertEquals(8, r.get("messagesIgnored").asLong());
        assertEquals(9, r.get("messagesResent").asLong());
        assertEquals("a vote for another chain", r.get("lastRejection").asText());
        assertEquals(2000, r.get("viewTimeoutMs").asLong());
        assertEquals(2600, r.get("viewTimeoutNowMs").asLong());
        assertEquals(10, r.get("peersDisconnected").asLong());
        assertTrue(r.get("penalisedPeers") == null, "bans are getPeers' refused now");
    }

    @Test
    void rolesAreLowerCaseWords() throws Exception {
        for (ConsensusStatus.Role role : ConsensusStatus.Role.values()) {
            ConsensusStatus.Bft bft = new ConsensusStatus.Bft(0, null, List.of(), 0, 0, role, false, 0, 0, 0, 0, 0, 0,
                    null, 0, 0, 0);
            node.consensus = new Fakes.Engine("pbft", new ConsensusStatus("pbft", 0, null, 0, 0, 0, 1, 1, false, bft));
            JsonNode r = status();
            assertEquals(role.name().toLowerCase(java.util.Locale.ROOT), r.get("role").asText());
            assertTrue(List.of("sealer", "observer", "unknown").contains(r.get("role").asText()));
            assertTrue(r.get("leader").isNull());
            assertTrue(r.get("lastRejection").isNull());
        }
    }

    @Test
    void noConsensusIsNotReady() throws Exception {
        node.consensus = null;
        byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getConsensusStatus\"}".getBytes(StandardCharsets.UTF_8);
        JsonNode r = JSON.readTree(dispatcher.handle(body).get(10, TimeUnit.SECONDS));
        assertEquals(RpcException.NOT_READY, r.get("error").get("code").asInt());
    }
}
