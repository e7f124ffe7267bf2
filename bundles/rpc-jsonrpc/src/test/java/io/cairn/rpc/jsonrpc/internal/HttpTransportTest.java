package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.api.chain.Bytes;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.testing.RecordingMetrics;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The component end to end: Netty on a free loopback port, a real HTTP client, then deactivation. */
class HttpTransportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BYTES = 4096;

    private final Fakes.Node fakes = new Fakes.Node();
    private final RecordingMetrics metrics = new RecordingMetrics();
    private JsonRpcServer server;
    private HttpClient client;

    static JsonRpcServer.Config config(int port, int maxRequestBytes) {
        return new JsonRpcServer.Config() {
            @Override public Class<? extends Annotation> annotationType() { return JsonRpcServer.Config.class; }
            @Override public String host() { return "127.0.0.1"; }
            @Override public int port() { return port; }
            @Override public int maxRequestBytes() { return maxRequestBytes; }
            @Override public int maxBatch() { return 2000; }
            @Override public int ioThreads() { return 1; }
            @Override public int workerThreads() { return 2; }
        };
    }

    @BeforeEach
    void start() {
        server = new JsonRpcServer(null, config(0, MAX_BYTES), metrics);
        // What SCR would inject into the dynamic reference fields.
        server.txPool = fakes.pool;
        server.blockStore = fakes.store;
        server.ledgerModel = io.cairn.api.testing.FixedRules.of(fakes.model);
        server.consensus = fakes.consensus;
        server.identity = fakes.identity;
        server.suites = List.of(fakes.suiteImpl);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.deactivate();
        }
    }

    private HttpResponse<String> post(String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersARequestOnTheBoundPort() throws Exception {
        assertTrue(server.port() > 0);
        assertEquals("http://127.0.0.1:" + server.port(), server.endpoint());
        assertTrue(server.health().ready());
        HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getBlockNumber\",\"params\":[]}");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonNode n = JSON.readTree(r.body());
        assertEquals(1, n.get("result").asLong());
        assertEquals(1, n.get("id").asInt());
    }

    @Test
    void answersABatchOfTransactionsOverOneKeptAliveConnection() throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
            body.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                    .append(",\"method\":\"sendTransaction\",\"params\":[\"")
                    .append(Bytes.toHex(Fakes.tx(i % 5, i, 1).encode())).append("\"]}");
        }
        body.append("]");
        // Three requests in a row: the connection is reused (keep-alive) and each answer is whole.
        server.deactivate();
        server = new JsonRpcServer(null, config(0, 1 << 20), metrics);
        server.txPool = fakes.pool;
        for (int round = 0; round < 3; round++) {
            HttpResponse<String> r = post(body.toString());
            assertEquals(200, r.statusCode());
            JsonNode n = JSON.readTree(r.body());
            assertEquals(100, n.size());
            for (int i = 0; i < 100; i++) {
                assertEquals(i, n.get(i).get("id").asInt());
                assertTrue(n.get(i).get("result").asText().startsWith("0x"), n.get(i).toString());
            }
        }
        assertEquals(100, fakes.pool().size());
    }

    @Test
    void malformedJsonIsAParseError() throws Exception {
        HttpResponse<String> r = post("{\"jsonrpc\":");
        assertEquals(200, r.statusCode());
        assertEquals(-32700, JSON.readTree(r.body()).get("error").get("code").asInt());
    }

    @Test
    void oversizedBodyIs413WithAJsonRpcError() throws Exception {
        HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[\""
                + "a".repeat(MAX_BYTES * 2) + "\"]}");
        assertEquals(413, r.statusCode());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals(-32001, e.get("code").asInt());
        assertEquals("request too large: limit " + MAX_BYTES + " bytes", e.get("message").asText());
        assertEquals(1, metrics.count("rpc_errors", "code", "-32001"), "counted");
        // The server is still serving afterwards.
        assertEquals(200, post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getBlockNumber\"}").statusCode());
    }

    @Test
    void unknownMethodIsNamed() throws Exception {
        JsonNode e = JSON.readTree(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getFoo\"}").body()).get("error");
        assertEquals(-32601, e.get("code").asInt());
        assertTrue(e.get("message").asText().startsWith("unknown method 'getFoo': the node offers getBalance, "),
                e.get("message").asText());
        assertTrue(e.get("message").asText().endsWith("; its account ledger model offers getNonce"),
                e.get("message").asText());
    }

    @Test
    void getRootIsAHealthSummary() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode n = JSON.readTree(r.body());
        assertTrue(n.get("ready").asBoolean());
        assertEquals(1, n.get("height").asLong());
    }

    @Test
    void notificationOnlyIsNoContent() throws Exception {
        assertEquals(204, post("{\"jsonrpc\":\"2.0\",\"method\":\"getBlockNumber\"}").statusCode());
    }

    @Test
    void deactivateFreesThePortAndItsThreads() throws Exception {
        int port = server.port();
        assertEquals(200, post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getBlockNumber\"}").statusCode());
        assertTrue(rpcThreads() > 0);
        server.deactivate();
        server = null;
        waitFor(() -> rpcThreads() == 0, "rpc threads to end");
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
    }

    @Test
    void portInUseFailsActivationNamingHostAndPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int before = rpcThreads();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new JsonRpcServer(null, config(taken.getLocalPort(), MAX_BYTES), Metrics.NONE));
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            waitFor(() -> rpcThreads() <= before, "the failed server's threads to end");
        }
    }

    @Test
    void badConfigurationNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new JsonRpcServer(null, config(70000, MAX_BYTES), Metrics.NONE));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }

    private static int rpcThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("cairn-rpc-")).count();
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void endpointIsNullOnceClosed() {
        server.deactivate();
        assertNull(server.endpoint());
        assertTrue(!server.health().ready());
        server = null;
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void getMetricsIsTheRegistrysPrometheusText() throws Exception {
        post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getBlockNumber\"}");
        HttpResponse<String> r = send("GET", "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals(Metrics.CONTENT_TYPE, r.headers().firstValue("content-type").orElse(""));
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        metrics.scrape(expected);
        assertEquals(expected.toString(java.nio.charset.StandardCharsets.UTF_8), r.body());
        assertTrue(r.body().contains("cairn_rpc_requests[method, getBlockNumber] 1"), r.body());
        assertEquals(200, send("GET", "/metrics?name=x").statusCode(), "a query string is allowed");
    }

    @Test
    void otherPathsAndMethodsKeepTheirAnswers() throws Exception {
        HttpResponse<String> notFound = send("GET", "/metric");
        assertEquals(404, notFound.statusCode());
        assertTrue(notFound.body().contains("GET /metrics"), notFound.body());
        assertEquals(404, send("GET", "/metrics/x").statusCode());
        assertEquals(405, send("PUT", "/metrics").statusCode());
        assertEquals(405, send("DELETE", "/").statusCode());
        // POST is JSON-RPC on any path, /metrics included
        HttpResponse<String> rpc = client.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getBlockNumber\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("application/json", rpc.headers().firstValue("content-type").orElse(""));
        assertEquals(1, JSON.readTree(rpc.body()).get("result").asLong());
    }

    @Test
    void aFailingScrapeIsAnInternalError() throws Exception {
        server.deactivate();
        server = new JsonRpcServer(null, config(0, MAX_BYTES), new RecordingMetrics() {
            @Override
            public void scrape(java.io.OutputStream out) throws java.io.IOException {
                throw new java.io.IOException("registry gone");
            }
        });
        HttpResponse<String> r = send("GET", "/metrics");
        assertEquals(500, r.statusCode());
        assertEquals(-32603, JSON.readTree(r.body()).get("error").get("code").asInt());
    }
}
