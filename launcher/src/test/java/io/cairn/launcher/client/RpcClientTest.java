package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RpcClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private final AtomicReference<JsonNode> lastRequest = new AtomicReference<>();
    private volatile int status = 200;
    private volatile String reply;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            lastRequest.set(JSON.readTree(exchange.getRequestBody()));
            byte[] body = reply.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private RpcClient client() {
        return RpcClient.of("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void sendsJsonRpcAndReturnsTheResult() throws Exception {
        reply = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"height\":42}}";
        JsonNode result = client().call("getBlockByNumber", 5, true);
        assertEquals(42, result.path("height").asInt());
        JsonNode req = lastRequest.get();
        assertEquals("2.0", req.path("jsonrpc").asText());
        assertEquals("getBlockByNumber", req.path("method").asText());
        assertEquals(JSON.readTree("[5,true]"), req.path("params"));
        assertTrue(req.has("id"));
    }

    @Test
    void nullResultIsNullNode() throws Exception {
        reply = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}";
        assertTrue(client().call("getTransactionReceipt", "0x00").isNull());
    }

    @Test
    void errorObjectBecomesRpcExceptionWithCodeAndMessage() {
        status = 200;
        reply = "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"params[0]: address is missing\"}}";
        RpcException e = assertThrows(RpcException.class, () -> client().call("getNonce"));
        assertEquals(-32602, e.code());
        assertEquals("params[0]: address is missing", e.getMessage());
    }

    @Test
    void nonJsonAnswerIsAnIoErrorNamingTheStatus() {
        status = 500;
        reply = "<html>oops</html>";
        IOException e = assertThrows(IOException.class, () -> client().call("getBlockNumber"));
        assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
    }

    @Test
    void unreachableNodeSaysSo() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RpcClient c = new RpcClient(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2));
        IOException e = assertThrows(IOException.class, () -> c.call("getBlockNumber"));
        assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    }

    @Test
    void quantitiesInEveryFormNodesUse() throws IOException {
        assertEquals(BigInteger.valueOf(26), RpcClient.quantity(JSON.readTree("26"), "n"));
        assertEquals(BigInteger.valueOf(26), RpcClient.quantity(JSON.readTree("\"0x1a\""), "n"));
        assertEquals(BigInteger.valueOf(26), RpcClient.quantity(JSON.readTree("\"26\""), "n"));
        assertThrows(IOException.class, () -> RpcClient.quantity(JSON.readTree("\"x\""), "n"));
    }

    @Test
    void badEndpointsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RpcClient.of("127.0.0.1:20200"));
        assertThrows(IllegalArgumentException.class, () -> RpcClient.of("http://"));
    }
}
