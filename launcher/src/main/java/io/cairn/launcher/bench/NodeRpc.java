package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.launcher.client.AccountTransfers;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/** The JSON-RPC calls the load generators make: single calls, batches of sendTransaction, funding. */
final class NodeRpc {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final HttpClient http;

    NodeRpc(URI endpoint) {
        this.endpoint = endpoint;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "bench-http");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    URI endpoint() {
        return endpoint;
    }

    /** A version 2 account transfer without data, signed with {@code key} whose public key {@code pub} is. */
    static Envelope sign(CryptoSuite suite, long chainId, long nonce, Address to, BigInteger value, byte[] key,
            byte[] pub) {
        return AccountTransfers.sign(suite, chainId, nonce, to, value, new byte[0], key, pub);
    }

    JsonNode call(String method, Object... params) throws IOException, InterruptedException {
        ObjectNode req = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        req.set("params", JSON.valueToTree(params));
        HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(req))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        JsonNode r = JSON.readTree(resp.body());
        if (r.has("error")) {
            throw new IOException(method + ": " + r.get("error"));
        }
        return r.get("result");
    }

    /**
     * One JSON-RPC batch of sendTransaction calls (hex-encoded transactions); the answers in the order
     * of {@code txs}, whatever order the node wrote them in.
     */
    JsonNode[] sendTransactions(List<String> txs) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder(txs.size() * 460 + 2).append('[');
        for (int i = 0; i < txs.size(); i++) {
            if (i > 0) {
                body.append(',');
            }
            body.append("{\"jsonrpc\":\"2.0\",\"id\":").append(i).append(",\"method\":\"sendTransaction\",\"params\":[\"")
                    .append(txs.get(i)).append("\"]}");
        }
        body.append(']');
        HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode arr = JSON.readTree(resp.body());
        if (!arr.isArray()) {
            throw new IOException("node answered a batch with " + arr);
        }
        JsonNode[] answers = new JsonNode[txs.size()];
        for (JsonNode r : arr) {
            int id = r.path("id").asInt(-1);
            if (id < 0 || id >= answers.length) {
                throw new IOException("node answered a batch with an unknown id: " + r);
            }
            answers[id] = r;
        }
        for (int i = 0; i < answers.length; i++) {
            if (answers[i] == null) {
                throw new IOException("node left transaction " + i + " of a batch unanswered");
            }
        }
        return answers;
    }

    /** One JSON-RPC batch calling {@code method} with one single parameter each; the results in order (null for errors). */
    JsonNode[] callEach(String method, List<String> params) throws IOException, InterruptedException {
        List<List<Object>> each = new ArrayList<>(params.size());
        for (String p : params) {
            each.add(List.of(p));
        }
        return batch(method, each);
    }

    /**
     * Blocks {@code from..to} without their transactions' bodies, in one JSON-RPC batch: a watcher that asked
     * for them one call at a time would wait behind the load once per block and fall behind a busy node.
     */
    JsonNode[] blocks(long from, long to) throws IOException, InterruptedException {
        List<List<Object>> each = new ArrayList<>((int) (to - from + 1));
        for (long n = from; n <= to; n++) {
            each.add(List.of(n, false));
        }
        JsonNode[] blocks = batch("getBlockByNumber", each);
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] == null || blocks[i].isNull()) {
                throw new IOException("getBlockByNumber " + (from + i) + ": no block");
            }
        }
        return blocks;
    }

    /** One JSON-RPC batch calling {@code method} once per parameter list; the results in order (null for errors). */
    private JsonNode[] batch(String method, List<List<Object>> params) throws IOException, InterruptedException {
        com.fasterxml.jackson.databind.node.ArrayNode batch = JSON.createArrayNode();
        for (int i = 0; i < params.size(); i++) {
            ObjectNode req = batch.addObject().put("jsonrpc", "2.0").put("id", i).put("method", method);
            req.set("params", JSON.valueToTree(params.get(i)));
        }
        HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(
                        JSON.writeValueAsBytes(batch))).build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode arr = JSON.readTree(resp.body());
        if (!arr.isArray()) {
            throw new IOException("node answered a batch with " + arr);
        }
        JsonNode[] results = new JsonNode[params.size()];
        for (JsonNode r : arr) {
            int id = r.path("id").asInt(-1);
            if (id >= 0 && id < results.length && r.has("result")) {
                results[id] = r.get("result");
            }
        }
        return results;
    }

    /**
     * Funds {@code pubs} with {@code each} from the funder and waits until the last transfer is committed.
     */
    void fund(CryptoSuite suite, long chainId, byte[] funderKey, byte[][] pubs, BigInteger each, PrintStream log)
            throws IOException, InterruptedException {
        byte[] funderPub = suite.publicKey(funderKey);
        Address funder = suite.address(funderPub);
        long nonce = call("getNonce", funder.toHex()).asLong();
        String last = null;
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < pubs.length; i++) {
            batch.add(Bytes.toHex(sign(suite, chainId, nonce++, suite.address(pubs[i]), each, funderKey, funderPub)
                    .encoded()));
            if (batch.size() == 500 || i == pubs.length - 1) {
                for (JsonNode r : sendTransactions(batch)) {
                    if (!r.has("result")) {
                        throw new IOException("transaction rejected: " + r.path("error"));
                    }
                    last = r.get("result").asText();
                }
                batch.clear();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (last != null && call("getTransactionReceipt", last).isNull()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("funding transfers were not committed within 120 s");
            }
            LockSupport.parkNanos(20_000_000);
        }
        log.printf("bench: funded %d accounts from %s%n", pubs.length, funder);
    }
}
