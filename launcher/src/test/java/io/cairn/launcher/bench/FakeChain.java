package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Transaction;
import io.cairn.api.node.TxRejectedException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JSON-RPC node just real enough for the load generator: it checks that every sender's nonces arrive
 * in order without gaps, can turn transactions away as "pool full" or go silent like an RPC engine
 * being restarted, and seals what it accepted into a block within 20 ms.
 */
final class FakeChain implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Thread sealer;
    private final Map<String, Long> nextNonce = new HashMap<>();
    private final Set<String> known = new HashSet<>();
    private final Set<String> committed = new HashSet<>();
    private final List<String> pending = new ArrayList<>();
    private final List<long[]> blockTimes = new ArrayList<>();
    private final List<List<String>> blocks = new ArrayList<>();
    final List<String> nonceViolations = new ArrayList<>();
    /** Transactions that were not version 2 account transfers signed by their sender alone. */
    final List<String> formatViolations = new ArrayList<>();
    /** sendTransaction calls still to turn away with POOL_FULL. */
    final AtomicInteger poolFullFor = new AtomicInteger();
    /** Batches of transactions still to answer with a non-JSON body, as a restarting RPC engine would. */
    final AtomicInteger unavailableFor = new AtomicInteger();
    final AtomicInteger accepted = new AtomicInteger();
    /** HTTP requests answered, a batch counting once. */
    final AtomicInteger requests = new AtomicInteger();
    /** Seal each batch into a block at once and answer it late, so its transfers are in a block before their answer. */
    volatile boolean sealBeforeAnswer;
    private volatile boolean running = true;

    FakeChain() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();
        synchronized (this) {
            seal();
        }
        sealer = new Thread(() -> {
            while (running) {
                synchronized (this) {
                    if (!pending.isEmpty()) {
                        seal();
                    }
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
        }, "fake-sealer");
        sealer.setDaemon(true);
        sealer.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    synchronized int committedCount() {
        return committed.size();
    }

    /** Seals {@code n} more blocks at once, empty unless transactions are pending. */
    synchronized void seal(int n) {
        for (int i = 0; i < n; i++) {
            seal();
        }
    }

    private void seal() {
        blocks.add(new ArrayList<>(pending));
        blockTimes.add(new long[] {System.currentTimeMillis()});
        committed.addAll(pending);
        pending.clear();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body;
        JsonNode req = JSON.readTree(ex.getRequestBody());
        requests.incrementAndGet();
        boolean transactions = req.isArray() && "sendTransaction".equals(req.path(0).path("method").asText());
        if (transactions && unavailableFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            body = "restarting".getBytes(StandardCharsets.UTF_8);
        } else {
            JsonNode answer;
            if (req.isArray()) {
                ArrayNode arr = JSON.createArrayNode();
                for (JsonNode r : req) {
                    arr.add(answer(r));
                }
                answer = arr;
                if (sealBeforeAnswer && transactions) {
                    synchronized (this) {
                        seal();
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(400_000_000);
                }
            } else {
                answer = answer(req);
            }
            body = JSON.writeValueAsBytes(answer);
        }
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private synchronized JsonNode answer(JsonNode req) {
        ObjectNode r = JSON.createObjectNode().put("jsonrpc", "2.0");
        r.set("id", req.get("id"));
        JsonNode p = req.path("params");
        switch (req.path("method").asText()) {
            case "getNodeInfo" -> r.set("result", JSON.createObjectNode().put("chainId", 1).put("suite", "secp256k1")
                    .put("ledger", "account"));
            case "getNonce" -> r.put("result", nextNonce.getOrDefault(p.get(0).asText(), 0L));
            case "getBlockNumber" -> r.put("result", blocks.size() - 1);
            case "getTransactionReceipt" -> {
                if (committed.contains(p.get(0).asText())) {
                    r.set("result", JSON.createObjectNode().put("status", 0));
                } else {
                    r.putNull("result");
                }
            }
            case "getBlockByNumber" -> {
                int n = p.get(0).asInt();
                if (n < 0 || n >= blocks.size()) {
                    r.putNull("result");
                    return r;
                }
                ObjectNode b = JSON.createObjectNode().put("number", n).put("timestamp", blockTimes.get(n)[0]);
                ArrayNode txs = b.putArray("transactions");
                blocks.get(n).forEach(txs::add);
                r.set("result", b);
            }
            case "sendTransaction" -> {
                String hex = p.get(0).asText();
                if (poolFullFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return error(r, Reason.POOL_FULL.code, "pool full");
                }
                if (known.contains(hex)) {
                    return error(r, Reason.DUPLICATE.code, "known");
                }
                Envelope tx = Envelope.decode(Bytes.fromHex(hex));
                if (tx.version() != Envelope.VERSION || tx.ledger() != Envelope.ACCOUNT || tx.publicKeys().size() != 1) {
                    formatViolations.add(tx.toString() + " with " + tx.publicKeys().size() + " signers");
                    return error(r, Reason.MALFORMED.code, "not a version 2 account transfer of one signer");
                }
                // the account body: u64 nonce | to[20] | value[32] | bytes data
                Decoder body = new Decoder(tx.body(), "account transfer");
                long nonce = body.u64("nonce");
                body.fixed(20, "to");
                body.fixed(32, "value");
                body.bytes(Transaction.MAX_DATA, "data");
                body.end();
                String sender = Bytes.toHex(tx.publicKeys().get(0));
                long expected = nextNonce.getOrDefault(sender, 0L);
                if (nonce != expected) {
                    nonceViolations.add(sender + " sent nonce " + nonce + ", expected " + expected);
                    return error(r, nonce > expected ? Reason.NONCE_TOO_HIGH.code : Reason.NONCE_REPLAYED.code, "nonce");
                }
                nextNonce.put(sender, expected + 1);
                known.add(hex);
                pending.add(hex);
                accepted.incrementAndGet();
                r.put("result", hex);
            }
            default -> error(r, -32601, "no method " + req.path("method").asText());
        }
        return r;
    }

    private static JsonNode error(ObjectNode r, int code, String message) {
        r.set("error", JSON.createObjectNode().put("code", code).put("message", message));
        return r;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sealer.join(2000);
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
