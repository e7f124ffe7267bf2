package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.LedgerModelsIT.COMMIT;
import static io.cairn.itests.LedgerModelsIT.refused;
import static io.cairn.itests.LedgerModelsIT.txHash;
import static io.cairn.itests.UpgradeIT.shell;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.confidential.Group;
import io.cairn.confidential.Opening;
import io.cairn.confidential.SealedOpening;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcError;
import io.cairn.itests.LedgerModelsIT.Node;
import io.cairn.launcher.client.PrivateTransfers;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * A private chain as a user makes one ({@code cairn init --ledger private --auditor}): a transfer by the CLI, the
 * receiver reading its amount and a third user not, the auditor reading every amount, no amount in clear in any
 * block, receipt, RPC answer or log line, the pool's refusals by their codes, verify-chain; the model upgraded live
 * under load; and four PBFT nodes agreeing on a private chain.
 */
public class PrivateLedgerIT {
    /** Amounts that appear nowhere on the node but in sealed openings: the transfer and its change. */
    private static final long AMOUNT = 7_654_321;

    @Test
    public void aTransferIsReadByItsPartiesAndTheAuditorOnly() throws Exception {
        try (Node node = Node.start("private", "--auditor")) {
            Group group = Group.of(node.suite.name());
            Account alice = node.account("alice");
            Account bob = node.account("bob");
            Account carol = node.account("carol");
            BigInteger genesis = node.genesis.alloc().get(alice.address());
            long change = genesis.longValueExact() - AMOUNT;

            String out = node.cairn.run("tx", "transfer", "--home", node.home.toString(), "--from", "alice", "--to",
                    "bob", "--amount", Long.toString(AMOUNT), "--explain");
            assertTrue(out, out.contains("status SUCCESS") && out.contains("(change)"));
            assertTrue(out, out.contains("openings sealed to the owners and the auditor"));
            String tx = txHash(out);

            // bob reads his balance with his key; alice hers; an address alone shows nothing
            String bobs = node.cairn.run("query", "--home", node.home.toString(), "balance", "bob");
            assertTrue(bobs, bobs.contains("\"balance\" : \"" + genesis.add(BigInteger.valueOf(AMOUNT)) + "\""));
            String alices = node.cairn.run("query", "--home", node.home.toString(), "balance", "alice");
            assertTrue(alices, alices.contains("\"balance\" : \"" + change + "\""));
            String byAddress = node.cairn.attempt("query", "--home", node.home.toString(), "balance",
                    bob.address().toHex());
            assertTrue(byAddress, byAddress.contains("a private chain hides balances"));
            RpcError hidden = refusedCall(node, "getBalance", bob.address().toHex());
            assertEquals(-32602, hidden.code);
            assertTrue(hidden.getMessage(), hidden.getMessage().contains("hides amounts"));

            // carol cannot open bob's new coin; bob can
            Map<?, ?> coin = ((List<?>) node.rpc.call("getPrivateCoins", bob.address().toHex())).stream()
                    .map(c -> (Map<?, ?>) c).filter(c -> tx.equals(c.get("txHash"))).findFirst().orElseThrow();
            byte[] sealed = Bytes.fromHex((String) coin.get("sealedToOwner"));
            assertNull("a third user reads nothing", SealedOpening.open(group, new BigInteger(1, carol.privateKey()),
                    sealed));
            Opening opened = SealedOpening.open(group, new BigInteger(1, bob.privateKey()), sealed);
            assertNotNull(opened);
            assertEquals(AMOUNT, opened.amount());

            // the auditor reads every amount, each checked against its commitment, and the supply holds
            String audit = node.cairn.run("audit", "--home", node.home.toString(), "--key", "auditor");
            assertTrue(audit, audit.contains("output 0 " + bob.address().toHex() + " amount " + AMOUNT
                    + " (opens its commitment)"));
            assertTrue(audit, audit.contains("amount " + change + " (opens its commitment)"));
            assertTrue(audit, audit.contains(": holds") && audit.contains("audit passed"));
            String notAuditor = node.cairn.attempt("audit", "--home", node.home.toString(), "--key", "carol");
            assertTrue(notAuditor, notAuditor.contains("--key is not the chain's auditor"));

            // the pool's refusals: a tampered range proof, then a second spend of one coin
            PrivateTransfers.Coin genesisCoin = new PrivateTransfers.Coin(Hash.ZERO, index(node, carol),
                    new Opening(genesis.longValueExact(), BigInteger.ZERO), false);
            PrivateTransfers.Made spend = make(node, carol, genesisCoin, bob, 5);
            byte[] body = spend.tx().body().clone();
            int proofAt = body.length - 65 - io.cairn.confidential.RangeProof.size(2);
            body[proofAt + 4 * 33 + 31] ^= 1; // τx
            RpcError badProof = refused(node.rpc, Bytes.toHex(resign(node, carol, body).encoded()));
            assertEquals(badProof.toString(), -32034, badProof.code);
            String first = (String) node.rpc.call("sendTransaction", Bytes.toHex(spend.tx().encoded()));
            RpcError twice = refused(node.rpc, Bytes.toHex(make(node, carol, genesisCoin, alice, 9).tx().encoded()));
            assertTrue(twice.toString(), twice.code == -32024 || twice.code == -32023);
            await("the first spend committed", COMMIT, () -> node.rpc.receipt(first));

            // no amount in clear: blocks, receipts, transactions, coins, the node's log
            List<String> shown = new ArrayList<>();
            long head = node.rpc.blockNumber();
            for (long n = 1; n <= head; n++) {
                shown.add(raw(node, "getBlockByNumber", n, true));
            }
            for (String h : List.of(tx, first)) {
                shown.add(raw(node, "getTransactionReceipt", "\"" + h + "\""));
                shown.add(raw(node, "getTransaction", "\"" + h + "\""));
            }
            for (Account a : List.of(alice, bob, carol)) {
                shown.add(raw(node, "getPrivateCoins", "\"" + a.address().toHex() + "\""));
            }
            try (Stream<Path> logs = Files.list(node.home.resolve("logs"))) {
                for (Path log : logs.toList()) {
                    shown.add(Files.readString(log));
                }
            }
            for (String text : shown) {
                for (long amount : List.of(AMOUNT, change, genesis.longValueExact() - 5)) {
                    assertFalse("amount " + amount + " in clear in " + text, text.contains(Long.toString(amount)));
                }
            }

            String verified = shell(node.cairn, node.home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));
        }
    }

    @Test
    public void anSm2ChainSealsOpeningsWithSm2Encryption() throws Exception {
        try (Node node = Node.start("private", "--auditor", "--suite", "sm2")) {
            assertEquals("sm2", node.suite.name());
            String out = node.cairn.run("tx", "transfer", "--home", node.home.toString(), "--from", "alice", "--to",
                    "bob", "--amount", "4321");
            assertTrue(out, out.contains("status SUCCESS"));
            Map<?, ?> tx = (Map<?, ?>) node.rpc.call("getTransaction", txHash(out));
            Map<?, ?> first = (Map<?, ?>) ((List<?>) tx.get("outputs")).get(0);
            assertEquals("an SM2 sealed opening: C1 (65) | C3 (32) | C2 (40)", 137,
                    Bytes.fromHex((String) first.get("sealedToOwner")).length);
            String bobs = node.cairn.run("query", "--home", node.home.toString(), "balance", "bob");
            assertTrue(bobs, bobs.contains("\"balance\" : \""
                    + node.genesis.alloc().get(node.account("bob").address()).add(BigInteger.valueOf(4321)) + "\""));
            String audit = node.cairn.run("audit", "--home", node.home.toString(), "--key", "auditor");
            assertTrue(audit, audit.contains("amount 4321 (opens its commitment)") && audit.contains("audit passed"));
        }
    }

    @Test
    public void thePrivateModelIsUpgradedLiveUnderLoadLosingNothing() throws Exception {
        try (Node node = Node.start("private")) {
            Account sink = node.account("bob");
            Map<String, Address> accepted = LedgerModelsIT.upgradeUnderLoad(node, "cairn-ledger-private",
                    (from, sent, stop) -> spendChain(node, from, sink, sent, stop));
            assertTrue(accepted.size() >= 120);
        }
    }

    @Test
    public void fourPbftNodesAgreeOnAPrivateChain() throws Exception {
        LedgerModelsIT.pbftChain("private", "--auditor");
    }

    /**
     * Spends {@code from}'s coin chain until {@code stop}: each transfer pays 1 to {@code to} and its change is what
     * the next one spends (an unconfirmed coin whose opening the sender kept).
     */
    private static void spendChain(Node node, Account from, Account to, Map<String, Address> accepted,
            AtomicBoolean stop) {
        PrivateTransfers.Coin coin;
        try {
            coin = new PrivateTransfers.Coin(Hash.ZERO, index(node, from),
                    new Opening(node.genesis.alloc().get(from.address()).longValueExact(), BigInteger.ZERO), false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        while (!stop.get()) {
            PrivateTransfers.Made made = make(node, from, coin, to, 1);
            String hash = node.sendUntilAccepted(made.tx());
            accepted.put(hash, from.address());
            coin = new PrivateTransfers.Coin(Hash.fromHex(hash), 1, made.openings().get(1), false);
        }
    }

    /** The index of {@code owner}'s genesis coin: its allocation's place among the non-zero ones, by address. */
    private static int index(Node node, Account owner) {
        int i = 0;
        for (Map.Entry<Address, BigInteger> e : node.genesis.alloc().entrySet()) {
            if (e.getKey().equals(owner.address())) {
                return i;
            }
            if (e.getValue().signum() != 0) {
                i++;
            }
        }
        throw new IllegalArgumentException(owner.name() + " has no allocation");
    }

    private static PrivateTransfers.Made make(Node node, Account from, PrivateTransfers.Coin coin, Account to,
            long amount) {
        return PrivateTransfers.transfer(node.suite, Group.of(node.suite.name()), node.genesis.chainId(),
                List.of(coin), to.publicKey(), amount, 0, from.privateKey(), from.publicKey(),
                node.genesis.auditorKey().orElse(null), new SecureRandom());
    }

    private static Envelope resign(Node node, Account from, byte[] body) {
        byte[] payload = Envelope.payload(node.genesis.chainId(), Envelope.PRIVATE, body, List.of(from.publicKey()));
        return Envelope.of(payload, List.of(node.suite.sign(node.suite.hash(payload), from.privateKey())));
    }

    private static RpcError refusedCall(Node node, String method, Object... params) {
        try {
            node.rpc.call(method, params);
        } catch (RpcError e) {
            return e;
        }
        throw new AssertionError(method + " answered");
    }

    /** The node's answer to {@code method} as the bytes it sent (params written as given). */
    private static String raw(Node node, String method, Object... params) throws Exception {
        StringBuilder p = new StringBuilder();
        for (Object o : params) {
            p.append(p.length() == 0 ? "" : ",").append(o);
        }
        String endpoint = new io.cairn.launcher.node.NodeHome(node.home).rpcEndpoint();
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method
                        + "\",\"params\":[" + p + "]}")).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
