package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.VerifiedTransaction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A batch of transactions runs in parallel lanes by sender, each sender's in order, each read once. */
class BatchLanesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SENDERS = 7;
    private static final int PER_SENDER = 60;

    private final Fakes.Node node = new Fakes.Node();

    private Map<String, RpcMethod> methods() {
        Map<String, RpcMethod> methods = new HashMap<>();
        new TransactionMethods(node).register(methods);
        return methods;
    }

    @Test
    void oneSendersTransactionsKeepTheirOrderWhileSendersRunInParallel() throws Exception {
        // The pool notes which threads admitted transactions, to show the lanes did run side by side.
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Fakes.Pool pool = new Fakes.Pool(node.suiteImpl) {
            @Override
            public VerifiedTransaction submit(byte[] encoded) throws io.cairn.api.node.TxRejectedException {
                threads.add(Thread.currentThread().getName());
                return super.submit(encoded);
            }
        };
        node.pool = pool;
        ExecutorService workers = Executors.newFixedThreadPool(3);
        try {
            JsonRpcDispatcher d = new JsonRpcDispatcher(methods(), 2000, workers, 4);
            StringBuilder body = new StringBuilder("[");
            List<String> sent = new ArrayList<>();
            int id = 0;
            for (int nonce = 0; nonce < PER_SENDER; nonce++) {
                for (int s = 0; s < SENDERS; s++) {
                    String hex = Bytes.toHex(Fakes.tx(s, nonce, 1).encode());
                    sent.add(hex);
                    body.append(id == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(id++)
                            .append(",\"method\":\"sendTransaction\",\"params\":[\"").append(hex).append("\"]}");
                }
            }
            JsonNode r = JSON.readTree(d.handle(body.append("]").toString().getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS));
            assertEquals(sent.size(), r.size());
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(i, r.get(i).get("id").asInt(), "responses in request order");
                assertTrue(r.get(i).get("result").asText().startsWith("0x"), r.get(i).toString());
            }
            Map<Address, List<Long>> nonces = new HashMap<>();
            for (VerifiedTransaction vt : pool.submitted) {
                nonces.computeIfAbsent(vt.sender(), a -> new ArrayList<>()).add(Fakes.nonce(vt));
            }
            assertEquals(SENDERS, nonces.size());
            for (Map.Entry<Address, List<Long>> e : nonces.entrySet()) {
                assertEquals(e.getValue().stream().sorted().toList(), e.getValue(), "nonce order of " + e.getKey());
                assertEquals(PER_SENDER, e.getValue().size());
            }
            assertTrue(threads.size() > 1, "lanes ran on several threads: " + threads);
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void preparingReadsTheHexOnceAndHandsTheBytesToThePool() throws Exception {
        byte[] encoded = Fakes.tx(2, 3, 1).encode();
        List<byte[]> handed = new ArrayList<>();
        node.pool = new Fakes.Pool(node.suiteImpl) {
            @Override
            public VerifiedTransaction submit(byte[] bytes) throws io.cairn.api.node.TxRejectedException {
                handed.add(bytes);
                return super.submit(bytes);
            }
        };
        RpcMethod send = methods().get("sendTransaction");
        JsonNode params = JsonNodeFactory.instance.arrayNode().add(Bytes.toHex(encoded));
        RpcMethod.Prepared p = send.prepare(new Params("sendTransaction", params));
        assertEquals(TransactionMethods.senderKey(encoded), p.key());
        assertEquals(java.util.Arrays.hashCode(Fakes.sender(2).publicKey()), p.key(), "the decoded sender's key");
        JsonNode hash = p.call().get();
        assertTrue(hash.asText().startsWith("0x"));
        assertEquals(1, handed.size());
        assertTrue(java.util.Arrays.equals(encoded, handed.get(0)), "the bytes the client sent");
    }

    @Test
    void aBatchEntryWithBadHexAnswersItsErrorInItsPlace() throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            JsonRpcDispatcher d = new JsonRpcDispatcher(methods(), 2000, workers, 3);
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < 20; i++) {
                String hex = Bytes.toHex(Fakes.tx(i % 3, i / 3, 1).encode());
                String param = i == 5 ? hex.substring(2) : i == 9 ? "0x0102" : hex;
                body.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                        .append(",\"method\":\"sendTransaction\",\"params\":[\"").append(param).append("\"]}");
            }
            JsonNode r = JSON.readTree(d.handle(body.append("]").toString().getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS));
            assertEquals(20, r.size());
            assertEquals(-32602, r.get(5).get("error").get("code").asInt());
            assertTrue(r.get(5).get("error").get("message").asText().contains("(no 0x prefix)"));
            assertEquals(-32010, r.get(9).get("error").get("code").asInt(), "undecodable bytes: the pool's MALFORMED");
            assertEquals(18, ((Fakes.Pool) node.pool).submitted.size());
        } finally {
            workers.shutdownNow();
        }
    }
}
