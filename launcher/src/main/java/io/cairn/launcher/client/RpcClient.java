package io.cairn.launcher.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A JSON-RPC 2.0 client over HTTP for the node's rpc component. Thread-safe. */
public final class RpcClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicLong ids = new AtomicLong();

    public RpcClient(URI endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        // HTTP/1.1: the default HTTP/2 client would send h2c upgrade headers to a plain HTTP/1.1 server.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    public static RpcClient of(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad RPC endpoint '" + endpoint + "': " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("bad RPC endpoint '" + endpoint + "': expected http://host:port");
        }
        return new RpcClient(uri, Duration.ofSeconds(10));
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * Calls {@code method} with positional params (converted by Jackson) and returns its result
     * ({@link NullNode} for a null result).
     *
     * @throws RpcException the node answered with an error object
     * @throws IOException the node could not be reached or did not answer JSON-RPC
     */
    public JsonNode call(String method, Object... params) throws IOException, RpcException {
        ObjectNode request = JSON.createObjectNode();
        request.put("jsonrpc", "2.0");
        request.put("id", ids.incrementAndGet());
        request.put("method", method);
        ArrayNode array = request.putArray("params");
        for (Object p : params) {
            array.add(JSON.valueToTree(p));
        }
        HttpRequest http = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request))).build();
        HttpResponse<byte[]> response;
        try {
            response = this.http.send(http, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the node's JSON-RPC at " + endpoint + ": connection refused (is the node running?)", e);
        } catch (HttpTimeoutException e) {
            throw new IOException("no answer from " + endpoint + " within " + timeout.toMillis() + " ms (" + method + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling " + method, e);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IOException("HTTP " + response.statusCode() + " from " + endpoint + " is not JSON-RPC: "
                    + abbreviate(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (body == null || !body.isObject()) {
            throw new IOException("HTTP " + response.statusCode() + " from " + endpoint + " is not a JSON-RPC response");
        }
        JsonNode error = body.get("error");
        if (error != null && !error.isNull()) {
            throw new RpcException(error.path("code").asLong(), error.path("message").asText(error.toString()));
        }
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + endpoint + ": " + abbreviate(body.toString()));
        }
        JsonNode result = body.get("result");
        return result == null ? NullNode.getInstance() : result;
    }

    /** A quantity in any of the forms nodes use: a JSON number, "0x" hex or a decimal string. */
    public static BigInteger quantity(JsonNode n, String what) throws IOException {
        try {
            if (n.isIntegralNumber()) {
                return n.bigIntegerValue();
            }
            if (n.isTextual()) {
                String s = n.asText().strip();
                return s.startsWith("0x") || s.startsWith("0X") ? new BigInteger(s.substring(2), 16) : new BigInteger(s);
            }
        } catch (NumberFormatException e) {
            // reported below with the value
        }
        throw new IOException(what + ": expected a number, the node answered " + abbreviate(n.toString()));
    }

    public static String pretty(JsonNode n) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }
}
