package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.testing.RecordingMetrics;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every method against fake components, and its errors. */
class MethodsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long POOL_WAIT_MS = 300;

    private final Fakes.Node node = new Fakes.Node();
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final JsonRpcDispatcher dispatcher;

    MethodsTest() {
        Map<String, RpcMethod> methods = new HashMap<>();
        new TransactionMethods(node, POOL_WAIT_MS).register(methods);
        new BlockMethods(node).register(methods);
        new NodeMethods(node).register(methods);
        dispatcher = new JsonRpcDispatcher(methods, new LedgerQueries(node), 2000, Runnable::run, 1, metrics);
    }

    private JsonNode response(String method, String params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
        return JSON.readTree(dispatcher.handle(body.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS));
    }

    private JsonNode result(String method, String params) throws Exception {
        JsonNode r = response(method, params);
        assertTrue(r.get("error") == null, () -> method + " failed: " + r);
        return r.get("result");
    }

    private void assertError(String method, String params, int code, String messagePart) throws Exception {
        JsonNode r = response(method, params);
        JsonNode e = r.get("error");
        assertTrue(e != null, () -> method + " should fail: " + r);
        assertEquals(code, e.get("code").asInt(), r.toString());
        assertTrue(e.get("message").asText().contains(messagePart), () -> "'" + e.get("message").asText()
                + "' should contain '" + messagePart + "'");
    }

    private static String q(Object o) {
        return "\"" + o + "\"";
    }

    @Test
    void sendTransactionAnswersTheHash() throws Exception {
        Transaction tx = Fakes.tx(3, 0, 5);
        JsonNode r = result("sendTransaction", "[" + q(Bytes.toHex(tx.encode())) + "]");
        VerifiedTransaction vt = node.pool().submitted.get(0);
        assertEquals(vt.hash().toHex(), r.asText());
        assertTrue(r.asText().startsWith("0x"));
    }

    @Test
    void sendTransactionRejectionKeepsTheReasonCode() throws Exception {
        node.pool().reject = new TxRejectedException(TxRejectedException.Reason.NONCE_REPLAYED, "nonce 0 already used");
        assertError("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(3, 0, 5).encode())) + "]", -32014,
                "nonce 0 already used");
    }

    @Test
    void sendTransactionMalformedBytesAreMalformed() throws Exception {
        assertError("sendTransaction", "[\"0x0102\"]", -32010, "truncated");
    }

    @Test
    void sendTransactionBadHexIsInvalidParams() throws Exception {
        assertError("sendTransaction", "[\"0xzz\"]", -32602, "params[0]: transaction must be 0x-prefixed hex");
        assertError("sendTransaction", "[]", -32602, "params[0]: transaction is missing");
        assertError("sendTransaction", "[12]", -32602, "the number 12");
    }

    @Test
    void sendTransactionWaitsForATxpoolBeingSwapped() throws Exception {
        var pool = node.pool;
        node.pool = null;
        Transaction tx = Fakes.tx(3, 0, 5);
        long t0 = System.nanoTime();
        Thread binder = new Thread(() -> {
            // bound again while the call waits, as an upgrade's new txpool is
            while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(50)) {
                Thread.onSpinWait();
            }
            node.pool = pool;
        });
        binder.start();
        JsonNode r = result("sendTransaction", "[" + q(Bytes.toHex(tx.encode())) + "]");
        binder.join();
        assertTrue(r.asText().startsWith("0x"), r.toString());
    }

    @Test
    void sendTransactionRetriesOnANewPoolWhenTheOldOneIsBeingReplaced() throws Exception {
        var next = node.pool;
        // The instance the RPC still holds has been deactivated: it turns the transaction away.
        node.pool = new io.cairn.api.node.TxPool() {
            @Override public io.cairn.api.chain.VerifiedTransaction submit(byte[] e) throws TxRejectedException {
                node.pool = next; // the upgrade binds the new pool meanwhile
                throw new TxRejectedException(TxRejectedException.Reason.NOT_READY, "txpool is being replaced");
            }
            @Override public java.util.List<io.cairn.api.chain.VerifiedTransaction> pending(int max) { return java.util.List.of(); }
            @Override public java.util.Optional<io.cairn.api.chain.VerifiedTransaction> get(Hash h) { return java.util.Optional.empty(); }
            @Override public int size() { return 0; }
            @Override public int capacity() { return 0; }
            @Override public io.cairn.api.node.PoolStatus status() { return new io.cairn.api.node.PoolStatus(0, 0, 0, 0); }
            @Override public java.util.Optional<io.cairn.api.chain.VerifiedTransaction> producer(io.cairn.api.ledger.LedgerKey k) { return java.util.Optional.empty(); }
            @Override public java.util.Optional<io.cairn.api.chain.VerifiedTransaction> consumer(io.cairn.api.ledger.LedgerKey k) { return java.util.Optional.empty(); }
            @Override public io.cairn.api.node.Component.Health health() { return io.cairn.api.node.Component.Health.notReady("closing"); }
        };
        JsonNode r = result("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(3, 0, 5).encode())) + "]");
        assertTrue(r.asText().startsWith("0x"), "accepted by the new pool: " + r);
    }

    @Test
    void sendTransactionGivesUpAfterTheWait() throws Exception {
        node.pool = null;
        long t0 = System.nanoTime();
        assertError("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(3, 0, 5).encode())) + "]", -32018, "no txpool");
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(POOL_WAIT_MS), "waited for a txpool first");
    }

    @Test
    void absentComponentIsNotReadyNotAHang() throws Exception {
        node.pool = null;
        assertError("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(3, 0, 5).encode())) + "]", -32018,
                "not ready: no txpool");
        assertError("getNonce", "[" + q("0x" + "11".repeat(20)) + "]", -32018, "no txpool");
        assertError("getPoolStatus", "[]", -32018, "no txpool");
        node.store = null;
        assertError("getBlockNumber", "[]", -32018, "not ready: no ledger");
        node.consensus = null;
        assertError("getConsensusStatus", "[]", -32018, "no consensus");
        node.model = null;
        assertError("getBalance", "[" + q("0x" + "11".repeat(20)) + "]", -32018, "not ready");
    }

    @Test
    void unknownMethodsAreLookedUpInTheModelsQueriesAndOtherwiseNameWhatIsOffered() throws Exception {
        JsonNode r = response("getFoo", "[]");
        assertEquals(-32601, r.get("error").get("code").asInt());
        assertEquals("unknown method 'getFoo': the node offers getBalance, getBlockByHash, getBlockByNumber, "
                + "getBlockNumber, getConsensusStatus, getNodeInfo, getPoolStatus, getTotalTransactionCount, "
                + "getTransaction, getTransactionReceipt, sendTransaction; its account ledger model offers getNonce",
                r.get("error").get("message").asText());
        assertEquals(1, metrics.count("rpc_requests", "method", "unknown"));
        assertEquals(0, metrics.count("rpc_requests", "method", "getFoo"));
    }

    @Test
    void anotherModelsQueriesAreDispatchedKnowingNoModel() throws Exception {
        node.model = new Fakes.Model() {
            @Override public String model() { return "dag"; }
            @Override public java.util.List<io.cairn.api.ledger.LedgerQuery> queries() {
                return java.util.List.of(new io.cairn.api.ledger.LedgerQuery() {
                    @Override public String method() { return "getTips"; }
                    @Override public String params() { return "count, verbose"; }
                    @Override public Object answer(java.util.List<String> params, io.cairn.api.node.StateView state,
                            io.cairn.api.ledger.Pending pending) {
                        if (params.size() != 2) {
                            throw new IllegalArgumentException("getTips takes count and verbose, got " + params.size()
                                    + " parameters");
                        }
                        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                        m.put("params", new java.util.ArrayList<>(params));
                        m.put("big", java.math.BigInteger.ONE.shiftLeft(70));
                        m.put("small", 7);
                        m.put("ok", true);
                        m.put("none", null);
                        m.put("tips", java.util.List.of("0x01", "0x02"));
                        return m;
                    }
                });
            }
        };
        JsonNode r = response("getTips", "[12345678901234567890123, true]");
        assertEquals("{\"params\":[\"12345678901234567890123\",\"true\"],\"big\":1180591620717411303424,"
                + "\"small\":7,\"ok\":true,\"none\":null,\"tips\":[\"0x01\",\"0x02\"]}", r.get("result").toString(),
                "the model's JSON values, in the model's order, numbers exact");
        assertError("getTips", "[1]", -32602, "getTips takes count and verbose, got 1 parameters");
        assertError("getTips", "[[1], 2]", -32602, "params[0]: getTips takes its parameters (count, verbose) as strings or numbers, got an array");
        assertError("getNonce", "[" + q("0x" + "11".repeat(20)) + "]", -32601, "its dag ledger model offers getTips");
    }

    @Test
    void aQuerysInvalidParamsAreInvalidParamsWithItsMessage() throws Exception {
        assertError("getNonce", "[" + q("0x1234") + "]", -32602, "params[0]: address must be 0x-prefixed hex of 20 bytes, got 2 bytes");
        assertError("getNonce", "[]", -32602, "params[0]: address is missing");
        assertError("getNonce", "[null]", -32602, "params[0]: address is missing");
        assertError("getNonce", "[\"0x11\", 2]", -32602, "getNonce takes at most 1 parameter, got 2");
    }

    @Test
    void withoutAModelAMethodTheNodeDoesNotKnowIsNotReady() throws Exception {
        node.model = null;
        assertError("getNonce", "[" + q("0x" + "11".repeat(20)) + "]", -32018, "not ready: no ledger model");
        assertError("getFoo", "[]", -32018, "not ready: no ledger model");
        assertEquals(2, metrics.count("rpc_requests", "method", "unknown"), "nothing offers them now");
    }

    @Test
    void aQueryBeforeGenesisIsNotReady() throws Exception {
        node.store.blocks.clear();
        assertError("getNonce", "[" + q("0x" + "11".repeat(20)) + "]", -32018, "no genesis block yet");
    }

    @Test
    void theEnvelopesRejectionCodesSurface() throws Exception {
        String tx = "[" + q(Bytes.toHex(Fakes.tx(3, 0, 5).encode())) + "]";
        for (TxRejectedException.Reason reason : new TxRejectedException.Reason[] {TxRejectedException.Reason.WRONG_LEDGER,
                TxRejectedException.Reason.DUPLICATE_SIGNER, TxRejectedException.Reason.EXTRA_SIGNER,
                TxRejectedException.Reason.MISSING_SIGNER}) {
            node.pool().reject = new TxRejectedException(reason, "refused: " + reason);
            assertError("sendTransaction", tx, reason.code, "refused: " + reason);
        }
        assertEquals(java.util.List.of(-32019, -32020, -32021, -32022), java.util.List.of(
                TxRejectedException.Reason.WRONG_LEDGER.code, TxRejectedException.Reason.DUPLICATE_SIGNER.code,
                TxRejectedException.Reason.EXTRA_SIGNER.code, TxRejectedException.Reason.MISSING_SIGNER.code));
    }

    @Test
    void getTransactionOfACommittedTransaction() throws Exception {
        Hash h = node.store.txHash(1, 1);
        JsonNode t = result("getTransaction", "[" + q(h) + "]");
        assertEquals(h.toHex(), t.get("hash").asText());
        assertEquals(Fakes.CHAIN_ID, t.get("chainId").asLong());
        assertEquals(0, t.get("nonce").asLong());
        assertEquals(node.suiteImpl.address(Fakes.sender(2).publicKey()).toHex(), t.get("from").asText());
        assertEquals("0x" + "22".repeat(20), t.get("to").asText());
        assertEquals("20", t.get("value").asText());
        assertTrue(t.get("value").isTextual());
        assertEquals("0x0102", t.get("data").asText());
        assertEquals(1, t.get("blockNumber").asLong());
        assertEquals(node.store.hashes.get(1).toHex(), t.get("blockHash").asText());
        assertEquals(1, t.get("transactionIndex").asInt());
    }

    @Test
    void getTransactionFallsBackToTheReceiptForTheSenderWithoutASuite() throws Exception {
        node.suite = null;
        node.identity = null;
        Hash h = node.store.txHash(1, 0);
        assertEquals(node.suiteImpl.address(Fakes.sender(1).publicKey()).toHex(), result("getTransaction", "[" + q(h) + "]")
                .get("from").asText());
    }

    @Test
    void getTransactionOfAPendingTransaction() throws Exception {
        Transaction tx = Fakes.tx(4, 1, 9);
        String hash = result("sendTransaction", "[" + q(Bytes.toHex(tx.encode())) + "]").asText();
        JsonNode t = result("getTransaction", "[" + q(hash) + "]");
        assertEquals(hash, t.get("hash").asText());
        assertTrue(t.get("blockNumber").isNull());
        assertTrue(t.get("blockHash").isNull());
        assertTrue(t.get("transactionIndex").isNull());
        assertEquals(node.suiteImpl.address(Fakes.sender(4).publicKey()).toHex(), t.get("from").asText());
    }

    @Test
    void getTransactionOfAnUnknownHashIsNull() throws Exception {
        assertTrue(result("getTransaction", "[" + q("0x" + "ab".repeat(32)) + "]").isNull());
    }

    @Test
    void hashParamsAreChecked() throws Exception {
        assertError("getTransaction", "[\"0x1234\"]", -32602,
                "params[0]: transaction hash must be 0x-prefixed hex of 32 bytes, got 2 bytes");
        assertError("getTransactionReceipt", "[\"nothex\"]", -32602,
                "params[0]: transaction hash must be 0x-prefixed hex of 32 bytes, got \"nothex\" (no 0x prefix)");
        assertError("getTransactionReceipt", "[\"0x" + "zz".repeat(32) + "\"]", -32602,
                "params[0]: transaction hash must be 0x-prefixed hex of 32 bytes: not a hex string");
        assertError("getTransaction", "[\"0x" + "ab".repeat(32) + "\", 1]", -32602, "at most 1 parameter");
    }

    @Test
    void getTransactionReceipt() throws Exception {
        Hash h = node.store.txHash(1, 1);
        JsonNode r = result("getTransactionReceipt", "[" + q(h) + "]");
        assertEquals(h.toHex(), r.get("transactionHash").asText());
        assertEquals(1, r.get("blockNumber").asLong());
        assertEquals(node.store.hashes.get(1).toHex(), r.get("blockHash").asText());
        assertEquals(1, r.get("transactionIndex").asInt());
        assertEquals(node.suiteImpl.address(Fakes.sender(2).publicKey()).toHex(), r.get("from").asText());
        assertEquals("0x" + "22".repeat(20), r.get("to").asText());
        assertEquals(1, r.get("status").asInt());
        assertTrue(r.get("status").isNumber());
        assertEquals("INSUFFICIENT_BALANCE", r.get("statusText").asText());
        assertEquals("balance 0 < 20", r.get("message").asText());
        assertTrue(result("getTransactionReceipt", "[" + q("0x" + "cd".repeat(32)) + "]").isNull());
    }

    @Test
    void getBlockNumber() throws Exception {
        assertEquals(1, result("getBlockNumber", "[]").asLong());
        assertEquals(1, result("getBlockNumber", "null").asLong());
    }

    @Test
    void getBlockByNumberWithHashes() throws Exception {
        JsonNode b = result("getBlockByNumber", "[1]");
        assertEquals(1, b.get("number").asLong());
        assertEquals(node.store.hashes.get(1).toHex(), b.get("hash").asText());
        assertEquals(node.store.hashes.get(0).toHex(), b.get("parentHash").asText());
        assertEquals(2000, b.get("timestamp").asLong());
        assertEquals(node.store.blocks.get(1).header().txRoot().toHex(), b.get("txRoot").asText());
        assertEquals("0x" + "02".repeat(32), b.get("receiptRoot").asText());
        assertEquals("0x" + "03".repeat(32), b.get("stateRoot").asText());
        assertEquals(1, b.get("version").asInt());
        assertEquals(Fakes.CHAIN_ID, b.get("chainId").asLong());
        assertEquals(Bytes.toHex(Fakes.key(9)), b.get("sealer").asText());
        assertEquals(2, b.get("transactionCount").asInt());
        assertEquals(node.store.txHash(1, 0).toHex(), b.get("transactions").get(0).asText());
        assertEquals(node.store.txHash(1, 1).toHex(), b.get("transactions").get(1).asText());
        assertEquals("0x" + "77".repeat(128), b.get("seals").get(0).asText());
    }

    @Test
    void aRecentBlocksTransactionHashesComeFromItsCommitNotFromHashingAgain() throws Exception {
        Hash a = Hash.of(Bytes.fromHex("11".repeat(32)));
        Hash b = Hash.of(Bytes.fromHex("12".repeat(32)));
        node.recent = Map.of(node.store.hashes.get(1), List.of(a, b));
        JsonNode block = result("getBlockByNumber", "[1]");
        assertEquals(a.toHex(), block.get("transactions").get(0).asText());
        assertEquals(b.toHex(), block.get("transactions").get(1).asText());
        // what does not fit the block (another count) is not trusted: hashed again
        node.recent = Map.of(node.store.hashes.get(1), List.of(a));
        block = result("getBlockByNumber", "[1]");
        assertEquals(node.store.txHash(1, 0).toHex(), block.get("transactions").get(0).asText());
        assertEquals(node.store.txHash(1, 1).toHex(), block.get("transactions").get(1).asText());
    }

    @Test
    void theServerKeepsTheLastBlocksTransactionHashesItWasToldOf() {
        RecentTxHashes recent = new RecentTxHashes(2);
        Hash tx = Hash.of(Bytes.fromHex("21".repeat(32)));
        for (int i = 0; i < 3; i++) {
            recent.committed(Hash.of(Bytes.fromHex(String.format("%02x", i).repeat(32))), List.of(tx));
        }
        assertEquals(null, recent.of(Hash.of(Bytes.fromHex("00".repeat(32)))), "the eldest is gone");
        assertEquals(List.of(tx), recent.of(Hash.of(Bytes.fromHex("02".repeat(32)))));
    }

    @Test
    void blockNumbersMayBeStrings() throws Exception {
        assertEquals(1, result("getBlockByNumber", "[\"1\"]").get("number").asLong());
        assertEquals(1, result("getBlockByNumber", "[\"0x1\"]").get("number").asLong());
        assertEquals(1, result("getBlockByNumber", "[\"latest\"]").get("number").asLong());
        assertEquals(0, result("getBlockByNumber", "[0]").get("number").asLong());
        assertTrue(result("getBlockByNumber", "[99]").isNull());
        assertError("getBlockByNumber", "[\"one\"]", -32602, "params[0]: block number must be a block number");
        assertError("getBlockByNumber", "[-1]", -32602, "must not be negative");
        assertError("getBlockByNumber", "[1, \"yes\"]", -32602, "params[1]: fullTransactions must be true or false");
    }

    @Test
    void aNodeThatJoinedFromASnapshotSaysWhichBlocksItDoesNotHold() throws Exception {
        node.store.joined = 1;
        assertError("getBlockByNumber", "[1]", -32032, "block 1 is not held here: this node joined the chain at block 1 "
                + "from a snapshot");
        assertEquals(0, result("getBlockByNumber", "[0]").get("number").asLong(), "block 0 is held");
        assertTrue(result("getBlockByNumber", "[99]").isNull(), "beyond the head: null as ever");
    }

    @Test
    void aBlockArchivedInAFileThatCannotBeReadIsAnErrorNamingTheArchive() throws Exception {
        String message = "block 1 is archived in /gone/blocks-000000000001-000000000001.arc (blocks 1..1), which is "
                + "not readable: the file is missing";
        node.store.archivedAway = message;
        assertError("getBlockByNumber", "[1]", -32033, message);
        assertError("getTransactionReceipt", "[\"" + node.store.txHash(1, 0).toHex() + "\"]", -32033, message);
        node.store.archivedAway = null;
        assertEquals(1, result("getBlockByNumber", "[1]").get("number").asLong(), "put back: served again");
    }

    @Test
    void getBlockWithFullTransactions() throws Exception {
        JsonNode b = result("getBlockByNumber", "[1, true]");
        JsonNode t = b.get("transactions").get(1);
        assertEquals(node.store.txHash(1, 1).toHex(), t.get("hash").asText());
        assertEquals(1, t.get("blockNumber").asLong());
        assertEquals(b.get("hash").asText(), t.get("blockHash").asText());
        assertEquals(1, t.get("transactionIndex").asInt());
        assertEquals("20", t.get("value").asText());
    }

    @Test
    void getBlockByHash() throws Exception {
        Hash h = node.store.hashes.get(1);
        JsonNode b = result("getBlockByHash", "[" + q(h) + "]");
        assertEquals(1, b.get("number").asLong());
        assertEquals(h.toHex(), b.get("hash").asText());
        assertTrue(result("getBlockByHash", "[" + q("0x" + "ee".repeat(32)) + "]").isNull());
        assertError("getBlockByHash", "[1]", -32602, "params[0]: block hash must be 0x-prefixed hex of 32 bytes, got the number 1");
    }

    @Test
    void blockTransactionsNeedTheSuite() throws Exception {
        node.suite = null;
        assertError("getBlockByNumber", "[1]", -32018, "no crypto suite");
        assertEquals(0, result("getBlockByNumber", "[0]").get("transactionCount").asInt());
    }

    @Test
    void getBalanceIsADecimalString() throws Exception {
        JsonNode r = result("getBalance", "[" + q("0x" + "11".repeat(20)) + "]");
        assertEquals("123456789012345678901234567890", r.asText());
        assertTrue(r.isTextual());
        assertEquals(1, node.store.closedSnapshots, "the state snapshot is closed");
        assertError("getBalance", "[\"0x1111\"]", -32602, "params[0]: address must be 0x-prefixed hex of 20 bytes, got 2 bytes");
    }

    @Test
    void getNonceIsTheAccountModelsQueryCountingThePool() throws Exception {
        String sender = q(node.suiteImpl.address(Fakes.sender(6).publicKey()).toHex());
        assertEquals("3", response("getNonce", "[" + sender + "]").get("result").toString(), "a JSON integer");
        result("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(6, 3, 1).encode())) + "]");
        result("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx2(6, 4, 1).encoded())) + "]");
        result("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(6, 6, 1).encode())) + "]");
        assertEquals(5, result("getNonce", "[" + sender + "]").asLong(), "past the consecutive pending nonces 3 and 4");
        assertEquals(2, ((Fakes.Model) node.model).states.size(), "answered on the head's state");
        assertEquals(2, node.store.closedSnapshots, "each state snapshot is closed");
        assertEquals(2, metrics.count("rpc_requests", "method", "getNonce"), "counted under its own name");
    }

    @Test
    void getNonceKeepsItsUnsignedIntegerForm() throws Exception {
        ((Fakes.Model) node.model).stateNonce = -1L; // 2^64 - 1
        JsonNode r = response("getNonce", "[" + q("0x" + "11".repeat(20)) + "]");
        assertTrue(r.toString().contains("\"result\":18446744073709551615"), r.toString());
    }

    @Test
    void getTotalTransactionCount() throws Exception {
        JsonNode r = result("getTotalTransactionCount", "[]");
        assertEquals(1, r.get("blockNumber").asLong());
        assertEquals(2, r.get("transactionCount").asLong());
    }

    @Test
    void getPoolStatus() throws Exception {
        result("sendTransaction", "[" + q(Bytes.toHex(Fakes.tx(3, 0, 5).encode())) + "]");
        JsonNode r = result("getPoolStatus", "[]");
        assertEquals(1, r.get("size").asInt());
        assertEquals(200000, r.get("capacity").asInt());
        assertEquals(150000, r.get("clientLimit").asInt());
        assertEquals(1234.5, r.get("commitRate").asDouble());
        assertEquals(4, r.size(), "no other fields: " + r);
    }

    @Test
    void getNodeInfo() throws Exception {
        JsonNode r = result("getNodeInfo", "[]");
        assertEquals(Bytes.toHex(Fakes.key(9)), r.get("nodeId").asText());
        assertEquals(node.suiteImpl.address(Fakes.key(9)).toHex(), r.get("address").asText());
        assertEquals(Fakes.CHAIN_ID, r.get("chainId").asLong());
        assertEquals("fake", r.get("suite").asText());
        assertEquals("account", r.get("ledger").asText(), "the chain's, from its genesis");
        assertEquals("account", r.get("ledgerModel").asText(), "the bound engine's");
        assertEquals("solo", r.get("consensus").asText());
        assertEquals(1, r.get("height").asLong());
        assertEquals("http://127.0.0.1:20200", r.get("rpc").asText());
        JsonNode e = r.get("engines");
        assertEquals("rpc", e.get(0).get("component").asText());
        assertEquals("jsonrpc", e.get(0).get("engine").asText());
        assertEquals("cairn-rpc-jsonrpc", e.get(0).get("bundle").asText());
        assertEquals("1.0.0", e.get(0).get("version").asText());
        assertTrue(e.get(0).get("ready").asBoolean());
        assertFalse(e.get(1).get("ready").asBoolean());
        assertTrue(e.get(1).get("bundle").isNull());
    }

    @Test
    void getNodeInfoWithComponentsMissingStillAnswers() throws Exception {
        node.identity = null;
        node.store = null;
        JsonNode r = result("getNodeInfo", "[]");
        assertTrue(r.get("nodeId").isNull());
        assertTrue(r.get("height").isNull());
        assertEquals("solo", r.get("consensus").asText());
    }

    @Test
    void senderKeyIsTheDecodedTransactionsPublicKey() {
        int a0 = TransactionMethods.senderKey(Fakes.tx(1, 0, 1).encode());
        int a1 = TransactionMethods.senderKey(Fakes.tx(1, 5, 99).encode());
        int b = TransactionMethods.senderKey(Fakes.tx(2, 0, 1).encode());
        assertEquals(a0, a1);
        assertTrue(a0 != b);
        assertEquals(java.util.Arrays.hashCode(Fakes.sender(1).publicKey()), a0);
        assertEquals(RpcMethod.ANY_ORDER, TransactionMethods.senderKey(new byte[] {1, 2}), "bytes that do not decode");
    }

    // ---- every hex parameter is 0x-prefixed

    @Test
    void sendTransactionWithoutThePrefixIsRefusedNamingTheParameter() throws Exception {
        String hex = Bytes.toHex(Fakes.tx(3, 0, 5).encode());
        assertError("sendTransaction", "[" + q(hex.substring(2)) + "]", -32602,
                "params[0]: transaction must be 0x-prefixed hex, got \"" + hex.substring(2, 79) + "...\" (no 0x prefix)");
        assertError("sendTransaction", "[" + q("0X" + hex.substring(2)) + "]", -32602, "(no 0x prefix)");
        assertTrue(node.pool().submitted.isEmpty(), "nothing reached the pool");
        assertTrue(result("sendTransaction", "[" + q(hex) + "]").asText().startsWith("0x"), "with the prefix it is taken");
    }

    @Test
    void hashAndAddressParametersWithoutThePrefixAreRefused() throws Exception {
        String hash = node.store.txHash(1, 0).toHex().substring(2);
        String account = "11".repeat(20);
        assertError("getTransaction", "[" + q(hash) + "]", -32602, "params[0]: transaction hash must be 0x-prefixed hex");
        assertError("getTransactionReceipt", "[" + q(hash) + "]", -32602, "params[0]: transaction hash must be");
        assertError("getBlockByHash", "[" + q(node.store.hashes.get(1).toHex().substring(2)) + "]", -32602,
                "params[0]: block hash must be 0x-prefixed hex of 32 bytes, got");
        assertError("getBalance", "[" + q(account) + "]", -32602, "params[0]: address must be 0x-prefixed hex of 20 bytes, got \""
                + account + "\" (no 0x prefix)");
        assertError("getNonce", "[" + q(account) + "]", -32602, "params[0]: address must be 0x-prefixed hex of 20 bytes");
        assertError("getNonce", "[" + q("0X" + account) + "]", -32602, "(no 0x prefix)");
    }

    @Test
    void blockNumberStringsAreStrict() throws Exception {
        assertEquals(1, result("getBlockByNumber", "[\"0x01\"]").get("number").asLong());
        assertTrue(result("getBlockByNumber", "[\"0xA\"]").isNull(), "0xA is block 10, absent");
        for (String bad : new String[] {"0X1", " 1", "+1", "1 ", "0x", "", "-1", "0x-1", "99999999999999999999"}) {
            assertError("getBlockByNumber", "[" + q(bad) + "]", -32602, "params[0]: block number must be a block number");
        }
    }

    // ---- what a client needs to check a transaction without trusting the node

    /** Checks a transaction object as a client would: from its raw bytes alone. */
    private void assertCheckable(JsonNode t) {
        byte[] raw = Bytes.fromHex(t.get("raw").asText());
        Envelope decoded = Envelope.decode(raw);
        assertEquals(decoded.version(), t.get("version").asInt());
        assertEquals(Envelope.ledgerName(decoded.ledger()), t.get("ledger").asText());
        int n = decoded.publicKeys().size();
        assertEquals(n, t.get("signers").size());
        byte[] payload = java.util.Arrays.copyOf(raw, raw.length - 64 * n);
        byte[] hash = node.suiteImpl.hash(payload);
        assertEquals(Bytes.toHex(hash), t.get("hash").asText(), "hash = H(raw without its signatures)");
        for (int i = 0; i < n; i++) {
            JsonNode s = t.get("signers").get(i);
            assertEquals(java.util.List.of("address", "publicKey", "signature"), keys(s));
            assertEquals(Bytes.toHex(decoded.publicKeys().get(i)), s.get("publicKey").asText());
            assertEquals(Bytes.toHex(decoded.signatures().get(i)), s.get("signature").asText());
            assertEquals(node.suiteImpl.address(decoded.publicKeys().get(i)).toHex(), s.get("address").asText());
            assertTrue(node.suiteImpl.verify(hash, Bytes.fromHex(s.get("signature").asText()),
                    Bytes.fromHex(s.get("publicKey").asText())), "the signature verifies for the public key");
        }
        // the account model's fields: the sender is the one signer
        JsonNode signer = t.get("signers").get(0);
        assertEquals(signer.get("publicKey"), t.get("publicKey"));
        assertEquals(signer.get("signature"), t.get("signature"));
        assertEquals(signer.get("address"), t.get("from"));
        if (decoded.version() == 1) {
            Transaction v1 = Transaction.decode(raw);
            assertEquals(v1.nonce(), t.get("nonce").asLong());
            assertEquals(v1.value().toString(), t.get("value").asText());
            assertEquals(Bytes.toHex(v1.data()), t.get("data").asText());
            assertEquals(v1.to().toHex(), t.get("to").asText());
            assertEquals(payload.length, v1.signingPayload().length);
        }
    }

    @Test
    void aVersion1TransactionKeepsEveryOldFieldWithItsValueAndForm() throws Exception {
        Hash h = node.store.txHash(1, 1);
        JsonNode t = result("getTransaction", "[" + q(h) + "]");
        Transaction v1 = Transaction.decode(Bytes.fromHex(t.get("raw").asText()));
        String signer = "{\"address\":\"" + node.suiteImpl.address(v1.publicKey()).toHex() + "\",\"publicKey\":\""
                + Bytes.toHex(v1.publicKey()) + "\",\"signature\":\"" + Bytes.toHex(v1.signature()) + "\"}";
        assertEquals("{\"hash\":\"" + h.toHex() + "\",\"version\":1,\"chainId\":7,\"ledger\":\"account\",\"nonce\":0,"
                + "\"from\":\"" + node.suiteImpl.address(v1.publicKey()).toHex() + "\",\"to\":\"0x" + "22".repeat(20) + "\","
                + "\"value\":\"20\",\"data\":\"0x0102\",\"publicKey\":\"" + Bytes.toHex(v1.publicKey()) + "\","
                + "\"signature\":\"" + Bytes.toHex(v1.signature()) + "\",\"signers\":[" + signer + "],"
                + "\"raw\":\"" + Bytes.toHex(v1.encode()) + "\",\"blockNumber\":1,\"blockHash\":\""
                + node.store.hashes.get(1).toHex() + "\",\"transactionIndex\":1}", t.toString());
    }

    @Test
    void aVersion2EnvelopeIsDescribedByTheModel() throws Exception {
        Envelope env = Fakes.tx2(5, 9, 77);
        node.store.commit(Fakes.env(Fakes.tx(1, 1, 1)), env);
        Hash h = Hash.of(node.suiteImpl.hash(env.payload()));
        JsonNode t = result("getTransaction", "[" + q(h) + "]");
        assertEquals(java.util.List.of("hash", "version", "chainId", "ledger", "nonce", "from", "to", "value", "data",
                "publicKey", "signature", "signers", "raw", "blockNumber", "blockHash", "transactionIndex"), keys(t));
        assertEquals(h.toHex(), t.get("hash").asText());
        assertEquals(2, t.get("version").asInt());
        assertEquals("account", t.get("ledger").asText());
        assertEquals(9, t.get("nonce").asLong());
        assertEquals(node.suiteImpl.address(Fakes.sender(5).publicKey()).toHex(), t.get("from").asText());
        assertEquals("0x" + "33".repeat(20), t.get("to").asText());
        assertEquals("77", t.get("value").asText());
        assertEquals("0x030405", t.get("data").asText());
        assertEquals(Bytes.toHex(env.encoded()), t.get("raw").asText());
        assertEquals(2, t.get("blockNumber").asLong());
        assertEquals(1, t.get("transactionIndex").asInt());
        assertCheckable(t);
        JsonNode b = result("getBlockByNumber", "[2, true]");
        assertEquals(t, b.get("transactions").get(1), "a full block holds the same object");
        assertCheckable(b.get("transactions").get(0));
        assertEquals("0x" + "33".repeat(20), result("getTransactionReceipt", "[" + q(h) + "]").get("to").asText(),
                "the receipt's recipient is the model's to");
    }

    @Test
    void aPendingVersion2Envelope() throws Exception {
        Envelope env = Fakes.tx2(4, 2, 3);
        String hash = result("sendTransaction", "[" + q(Bytes.toHex(env.encoded())) + "]").asText();
        JsonNode t = result("getTransaction", "[" + q(hash) + "]");
        assertEquals(2, t.get("version").asInt());
        assertTrue(t.get("blockNumber").isNull());
        assertEquals(Bytes.toHex(env.encoded()), t.get("raw").asText());
        assertCheckable(t);
    }

    @Test
    void aModelWithOtherFieldsAndSeveralSigners() throws Exception {
        // a model with no recipient, whose transactions two keys sign
        node.model = new Fakes.Model() {
            @Override public String model() { return "utxo"; }
            @Override public java.util.Map<String, Object> describe(io.cairn.api.chain.VerifiedTransaction tx) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("inputs", java.util.List.of(java.util.Map.of("coin", "0x01")));
                m.put("body", Bytes.toHex(tx.envelope().body()));
                return m;
            }
        };
        Envelope env = Envelope.sign(node.suiteImpl, Fakes.CHAIN_ID, Envelope.UTXO, new byte[] {9, 9},
                java.util.List.of(Fakes.sender(1).privateKey(), Fakes.sender(2).privateKey()));
        node.store.commit(env);
        Hash h = Hash.of(node.suiteImpl.hash(env.payload()));
        JsonNode t = result("getTransaction", "[" + q(h) + "]");
        assertEquals(java.util.List.of("hash", "version", "chainId", "ledger", "inputs", "body", "signers", "raw",
                "blockNumber", "blockHash", "transactionIndex"), keys(t));
        assertEquals("utxo", t.get("ledger").asText());
        assertEquals("[{\"coin\":\"0x01\"}]", t.get("inputs").toString());
        assertEquals(2, t.get("signers").size());
        assertEquals(node.suiteImpl.address(Fakes.sender(2).publicKey()).toHex(),
                t.get("signers").get(1).get("address").asText());
        assertTrue(result("getTransactionReceipt", "[" + q(h) + "]").get("to").isNull(), "no to in the model's fields");
        node.suite = null;
        assertError("getTransaction", "[" + q(h) + "]", -32018, "no crypto suite");
    }

    @Test
    void aTransactionNeedsTheBoundModelOfItsLedger() throws Exception {
        Hash h = node.store.txHash(1, 0);
        node.model = new Fakes.Model() {
            @Override public String model() { return "utxo"; }
        };
        assertError("getTransaction", "[" + q(h) + "]", -32018, "the bound ledger model 'utxo' does not read account transactions");
        assertError("getBlockByNumber", "[1, true]", -32018, "does not read account transactions");
        assertEquals(2, result("getBlockByNumber", "[1]").get("transactions").size(), "hashes need no model");
        node.model = null;
        assertError("getTransaction", "[" + q(h) + "]", -32018, "not ready: no ledger model");
        assertError("getTransactionReceipt", "[" + q(h) + "]", -32018, "not ready: no ledger model");
    }

    @Test
    void aBodyTheModelCannotReadIsAnInternalError() throws Exception {
        Envelope env = Envelope.sign(node.suiteImpl, Fakes.CHAIN_ID, Envelope.ACCOUNT, new byte[] {1},
                java.util.List.of(Fakes.sender(1).privateKey()));
        node.store.commit(env);
        Hash h = Hash.of(node.suiteImpl.hash(env.payload()));
        assertError("getTransaction", "[" + q(h) + "]", -32603, "transaction " + h + ": the account ledger model cannot read it");
    }

    @Test
    void getTransactionGivesTheRawEncodingPublicKeyAndSignature() throws Exception {
        Hash h = node.store.txHash(1, 1);
        JsonNode t = result("getTransaction", "[" + q(h) + "]");
        assertEquals(Bytes.toHex(node.store.blocks.get(1).transactions().get(1).encoded()), t.get("raw").asText());
        assertCheckable(t);
    }

    @Test
    void aPendingTransactionGivesTheBytesTheClientSent() throws Exception {
        Transaction tx = Fakes.tx(4, 1, 9);
        String raw = Bytes.toHex(tx.encode());
        String hash = result("sendTransaction", "[" + q(raw) + "]").asText();
        JsonNode t = result("getTransaction", "[" + q(hash) + "]");
        assertEquals(raw, t.get("raw").asText());
        assertCheckable(t);
    }

    @Test
    void aFullBlockLetsAClientRecomputeItsTxRoot() throws Exception {
        JsonNode b = result("getBlockByNumber", "[1, true]");
        java.util.List<Hash> leaves = new java.util.ArrayList<>();
        for (JsonNode t : b.get("transactions")) {
            assertCheckable(t);
            byte[] raw = Bytes.fromHex(t.get("raw").asText());
            leaves.add(Hash.of(node.suiteImpl.hash(java.util.Arrays.copyOf(raw, raw.length - 64 * t.get("signers").size()))));
        }
        assertEquals(io.cairn.api.chain.MerkleRoot.of(leaves, node.suiteImpl::hash).toHex(), b.get("txRoot").asText());
    }

    @Test
    void blocksCarryTheirExtraData() throws Exception {
        assertEquals(Bytes.toHex(node.store.genesis.encode()), result("getBlockByNumber", "[0]").get("extra").asText(),
                "block 0: the canonical genesis encoding");
        assertEquals("0x", result("getBlockByNumber", "[1]").get("extra").asText());
        JsonNode h = result("getBlockByHash", "[" + q(node.store.hashes.get(0)) + "]");
        assertEquals(io.cairn.api.chain.Genesis.decode(Bytes.fromHex(h.get("extra").asText())), node.store.genesis);
        // and the block hash is H(header encoding), extra included
        assertEquals(node.store.hashes.get(0), Hash.of(node.suiteImpl.hash(node.store.blocks.get(0).header().encode())));
    }

    @Test
    void chainIdAndNonceAreUnsigned() throws Exception {
        JsonNode n = ChainJson.u64(-1L);
        assertEquals("18446744073709551615", n.asText());
        assertTrue(n.isIntegralNumber());
        assertEquals(7, ChainJson.u64(7).asLong());
    }

    // ---- the answers have exactly the fields docs/rpc.md lists

    private static java.util.List<String> keys(JsonNode o) {
        java.util.List<String> out = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void answersHaveTheDocumentedFields() throws Exception {
        java.util.List<String> tx = java.util.List.of("hash", "version", "chainId", "ledger", "nonce", "from", "to",
                "value", "data", "publicKey", "signature", "signers", "raw", "blockNumber", "blockHash", "transactionIndex");
        assertEquals(tx, keys(result("getTransaction", "[" + q(node.store.txHash(1, 0)) + "]")));
        assertEquals(tx, keys(result("getBlockByNumber", "[1, true]").get("transactions").get(0)));
        assertEquals(java.util.List.of("number", "hash", "parentHash", "timestamp", "txRoot", "receiptRoot", "stateRoot",
                "version", "chainId", "sealer", "extra", "transactionCount", "transactions", "seals"),
                keys(result("getBlockByNumber", "[1]")));
        assertEquals(java.util.List.of("transactionHash", "blockNumber", "blockHash", "transactionIndex", "from", "to",
                "status", "statusText", "message"), keys(result("getTransactionReceipt", "[" + q(node.store.txHash(1, 0)) + "]")));
        JsonNode info = result("getNodeInfo", "[]");
        assertEquals(java.util.List.of("nodeId", "address", "chainId", "suite", "ledger", "ledgerModel", "consensus",
                "height", "rpc", "engines", "memory"), keys(info));
        assertEquals(java.util.List.of("component", "engine", "bundle", "version", "ready", "detail"),
                keys(info.get("engines").get(0)));
        assertEquals(java.util.List.of("heapUsedBytes", "heapCommittedBytes", "heapMaxBytes", "nonHeapUsedBytes",
                "heapPeakBytes"), keys(info.get("memory")));
        assertTrue(info.get("memory").get("heapUsedBytes").asLong() > 0);
        assertTrue(info.get("memory").get("heapPeakBytes").asLong() > 0);
        assertEquals(java.util.List.of("blockNumber", "transactionCount"), keys(result("getTotalTransactionCount", "[]")));
        assertEquals(java.util.List.of("size", "capacity", "clientLimit", "commitRate"), keys(result("getPoolStatus", "[]")));
    }

    @Test
    void getNodeInfoNamesTheChainsSuiteFromItsGenesisEvenWithoutTheSuiteBound() throws Exception {
        node.suite = null;
        JsonNode r = result("getNodeInfo", "[]");
        assertEquals("fake", r.get("suite").asText());
        assertEquals(Fakes.CHAIN_ID, r.get("chainId").asLong());
        node.model = null;
        r = result("getNodeInfo", "[]");
        assertEquals("account", r.get("ledger").asText(), "from the genesis block, with no model bound");
        assertTrue(r.get("ledgerModel").isNull());
        node.store = null;
        r = result("getNodeInfo", "[]");
        assertTrue(r.get("suite").isNull());
        assertTrue(r.get("ledger").isNull());
        assertTrue(r.get("chainId").isNull());
    }
}
