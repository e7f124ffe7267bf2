package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cairn.api.testing.RecordingMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JSON-RPC 2.0 protocol layer: framing, batches, errors; methods are stubs here. */
class JsonRpcDispatcherTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, RpcMethod> methods = new HashMap<>();

    JsonRpcDispatcherTest() {
        methods.put("echo", p -> p.required(0, "value"));
        methods.put("boom", p -> {
            throw new IllegalStateException("disk on fire");
        });
        methods.put("absent", p -> {
            throw new io.cairn.api.node.NotReadyException("no storage");
        });
        methods.put("picky", p -> {
            throw RpcException.invalidParams("params[0]: address must be 20 bytes of hex");
        });
    }

    private JsonNode call(String body) throws Exception {
        return call(new JsonRpcDispatcher(methods, 5, Runnable::run, 1), body);
    }

    private static JsonNode call(JsonRpcDispatcher d, String body) throws Exception {
        byte[] out = d.handle(body.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        return out.length == 0 ? null : JSON.readTree(out);
    }

    private static void assertError(JsonNode response, int code, String messagePart) {
        assertEquals("2.0", response.path("jsonrpc").asText(), response.toString());
        assertEquals(code, response.path("error").path("code").asInt(), response.toString());
        String message = response.path("error").path("message").asText();
        assertTrue(message.contains(messagePart), "message '" + message + "' should contain '" + messagePart + "'");
    }

    @Test
    void answersASingleRequestWithItsId() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"echo\",\"params\":[42]}");
        assertEquals("abc", r.get("id").asText());
        assertEquals(42, r.get("result").asInt());
        assertTrue(r.get("error") == null);
    }

    @Test
    void malformedJsonIsAParseError() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
        assertError(r, -32700, "malformed JSON");
        assertTrue(r.get("id").isNull());
    }

    @Test
    void trailingGarbageIsAParseError() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]} xyz"), -32700, "parse error");
    }

    @Test
    void emptyBodyIsAParseError() throws Exception {
        assertError(call(""), -32700, "empty");
    }

    @Test
    void nonObjectRequestIsInvalid() throws Exception {
        assertError(call("42"), -32600, "must be a JSON object");
    }

    @Test
    void missingMethodIsInvalid() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1}"), -32600, "method must be a string, it is missing");
    }

    @Test
    void wrongVersionIsInvalid() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"echo\",\"params\":[1]}");
        assertError(r, -32600, "jsonrpc must be \"2.0\"");
        assertEquals(3, r.get("id").asInt());
        assertError(call("{\"id\":3,\"method\":\"echo\"}"), -32600, "it is missing");
    }

    @Test
    void objectIdIsInvalid() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"echo\"}"), -32600, "id must be");
    }

    @Test
    void unknownMethodIsNamed() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getFoo\"}"), -32601, "unknown method 'getFoo'");
    }

    @Test
    void withoutAFallbackTheUnknownMethodErrorNamesTheRegisteredOnes() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getFoo\"}"), -32601,
                "unknown method 'getFoo': the node offers absent, boom, echo, picky");
    }

    @Test
    void aMethodThatIsNotRegisteredGoesToTheFallbackWhichMayOfferIt() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        List<String> seen = new ArrayList<>();
        JsonRpcDispatcher.Fallback fallback = new JsonRpcDispatcher.Fallback() {
            @Override
            public boolean offers(String method) {
                return method.equals("getTips");
            }

            @Override
            public JsonNode call(String method, Params params, java.util.Collection<String> registered) {
                seen.add(method);
                if (!offers(method)) {
                    throw RpcException.unknownMethod(method, registered, "dag", List.of("getTips"));
                }
                return new TextNode("tips of " + params.texts("count"));
            }
        };
        JsonRpcDispatcher d = new JsonRpcDispatcher(methods, fallback, 5, Runnable::run, 1, metrics);
        assertEquals("tips of [3]", call(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getTips\",\"params\":[3]}")
                .get("result").asText());
        assertEquals("echoed", call(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\"echoed\"]}")
                .get("result").asText(), "registered methods come first");
        assertError(call(d, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"getFoo\"}"), -32601,
                "unknown method 'getFoo': the node offers absent, boom, echo, picky; its dag ledger model offers getTips");
        assertEquals(null, call(d, "{\"jsonrpc\":\"2.0\",\"method\":\"getFoo\"}"), "a notification gets no answer");
        assertEquals(List.of("getTips", "getFoo", "getFoo"), seen);
        assertEquals(1, metrics.count("rpc_requests", "method", "getTips"));
        assertEquals(2, metrics.count("rpc_requests", "method", "unknown"));
        assertEquals(2, metrics.count("rpc_errors", "code", "-32601"));
    }

    @Test
    void namedParamsAreRejected() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"a\":1}}"), -32602,
                "params must be an array");
    }

    @Test
    void methodErrorsKeepTheirCodeAndMessage() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"picky\"}"), -32602,
                "params[0]: address must be 20 bytes of hex");
    }

    @Test
    void aComponentNotReadyBehindTheMethodIsNotReady() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"absent\"}"), -32018, "not ready: no storage");
    }

    @Test
    void unexpectedFailureIsAnInternalError() throws Exception {
        assertError(call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"boom\"}"), -32603, "disk on fire");
    }

    @Test
    void batchAnswersEachCallInOrder() throws Exception {
        JsonNode r = call("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\"a\"]},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"}, 7,"
                + "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"echo\",\"params\":[\"d\"]}]");
        assertEquals(4, r.size());
        assertEquals("a", r.get(0).get("result").asText());
        assertError(r.get(1), -32601, "nope");
        assertError(r.get(2), -32600, "JSON object");
        assertEquals("d", r.get(3).get("result").asText());
    }

    @Test
    void emptyBatchIsInvalid() throws Exception {
        JsonNode r = call("[]");
        assertTrue(r.isObject());
        assertError(r, -32600, "empty batch");
    }

    @Test
    void batchOverTheLimitNamesTheLimit() throws Exception {
        String one = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]}";
        JsonNode r = call("[" + String.join(",", java.util.Collections.nCopies(6, one)) + "]");
        assertError(r, -32600, "batch of 6 requests exceeds the limit of 5");
    }

    @Test
    void notificationsGetNoResponse() throws Exception {
        assertEquals(null, call("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1]}"));
        JsonNode r = call("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1]},"
                + "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"echo\",\"params\":[2]}]");
        assertEquals(1, r.size());
        assertEquals(9, r.get(0).get("id").asInt());
    }

    /**
     * A large batch runs in parallel lanes, yet calls with the same ordering key (one sender's
     * transactions) keep their order, and the responses stay in request order.
     */
    @Test
    void parallelBatchKeepsPerKeyOrderAndResponseOrder() throws Exception {
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, RpcMethod> m = Map.of("send", new RpcMethod() {
            @Override
            public JsonNode call(Params p) {
                throw new AssertionError("a call of a parallel batch runs as prepared");
            }

            @Override
            public Prepared prepare(Params p) {
                String v = p.required(0, "v").asText();
                return new Prepared(v.charAt(0), () -> {
                    seen.add(v);
                    return TextNode.valueOf(v);
                });
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            JsonRpcDispatcher d = new JsonRpcDispatcher(m, 2000, pool, 4);
            StringBuilder body = new StringBuilder("[");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String v = (char) ('a' + i % 7) + "-" + i;
                expected.add(v);
                body.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                        .append(",\"method\":\"send\",\"params\":[\"").append(v).append("\"]}");
            }
            JsonNode r = call(d, body.append("]").toString());
            assertEquals(400, r.size());
            for (int i = 0; i < 400; i++) {
                assertEquals(i, r.get(i).get("id").asInt());
                assertEquals(expected.get(i), r.get(i).get("result").asText());
            }
            for (char sender = 'a'; sender < 'a' + 7; sender++) {
                char s = sender;
                List<Integer> order = seen.stream().filter(v -> v.charAt(0) == s)
                        .map(v -> Integer.parseInt(v.substring(2))).toList();
                assertEquals(order.stream().sorted().toList(), order, "order of sender " + s);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void errorBodyIsAJsonRpcError() throws Exception {
        JsonNode r = JSON.readTree(new JsonRpcDispatcher(methods, 5, Runnable::run, 1).errorBody(-32001, "too big"));
        assertError(r, -32001, "too big");
        assertTrue(r.get("id").isNull());
        assertEquals(JsonNodeFactory.instance.nullNode(), r.get("id"));
    }

    @Test
    void aCallThatCannotBePreparedAnswersItsErrorInPlace() throws Exception {
        Map<String, RpcMethod> m = Map.of("send", new RpcMethod() {
            @Override
            public JsonNode call(Params p) {
                return p.required(0, "v");
            }

            @Override
            public Prepared prepare(Params p) {
                if (p.required(0, "v").asInt() == 7) {
                    throw RpcException.invalidParams("params[0]: v must not be 7");
                }
                return RpcMethod.super.prepare(p);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            JsonRpcDispatcher d = new JsonRpcDispatcher(m, 2000, pool, 3);
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < 20; i++) {
                body.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                        .append(",\"method\":\"send\",\"params\":[").append(i).append("]}");
            }
            JsonNode r = call(d, body.append(",{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"nope\"}, 5]").toString());
            assertEquals(22, r.size());
            assertError(r.get(7), -32602, "v must not be 7");
            assertEquals(8, r.get(8).get("result").asInt());
            assertError(r.get(20), -32601, "nope");
            assertError(r.get(21), -32600, "JSON object");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void countsCallsByMethodAndErrorsByCode() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        JsonRpcDispatcher d = new JsonRpcDispatcher(methods, 5, Runnable::run, 1, metrics);
        call(d, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]}");
        call(d, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1]},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"picky\"},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"picky\"},"
                + "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"getFoo\"},"
                + "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"boom\"}]");
        call(d, "{\"jsonrpc\":");
        call(d, "[]");
        call(d, "7");
        d.errorBody(RpcException.REQUEST_TOO_LARGE, "too big");
        assertEquals(2, metrics.count("rpc_requests", "method", "echo"));
        assertEquals(2, metrics.count("rpc_requests", "method", "picky"));
        assertEquals(1, metrics.count("rpc_requests", "method", "boom"));
        assertEquals(2, metrics.count("rpc_requests", "method", "unknown"), "an unknown name and a non-object");
        assertEquals(0, metrics.count("rpc_requests", "method", "getFoo"), "no label for a name the client made up");
        assertEquals(2, metrics.count("rpc_errors", "code", "-32602"), "a notification's error counts too");
        assertEquals(1, metrics.count("rpc_errors", "code", "-32601"));
        assertEquals(1, metrics.count("rpc_errors", "code", "-32603"));
        assertEquals(1, metrics.count("rpc_errors", "code", "-32700"));
        assertEquals(2, metrics.count("rpc_errors", "code", "-32600"), "the empty batch and the non-object");
        assertEquals(1, metrics.count("rpc_errors", "code", "-32001"));
    }
}
