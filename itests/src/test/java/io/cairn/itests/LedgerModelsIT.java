package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.shell;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.RpcError;
import io.cairn.launcher.client.DagTransfers;
import io.cairn.launcher.client.UtxoTransfers;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * A chain of each ledger model other than accounts, as a user makes one: {@code cairn init --ledger <model>},
 * {@code cairn tx transfer} (the CLI picks the coins or parents), the receipt, balances, the model's own
 * JSON-RPC methods and errors, and {@code cairn:verify-chain} replaying the chain.
 */
public class LedgerModelsIT {
    static final Duration COMMIT = Duration.ofSeconds(30);
    private static final Pattern TX = Pattern.compile("transaction (0x[0-9a-f]{64})");

    @Test
    public void aUtxoChainTransfersSpendsChainsAndRefusesDoubleSpends() throws Exception {
        try (Node node = Node.start("utxo")) {
            RpcClient rpc = node.rpc;
            Account alice = node.account("alice");
            Account bob = node.account("bob");
            Account dave = Account.generate("dave", node.suite);
            Path daveKey = node.home.resolveSibling("dave.key");
            KeyFiles.write(daveKey, dave.privateKey());
            Address sink = Account.generate("sink", node.suite).address();
            BigInteger genesis = rpc.balance(alice.address());
            assertTrue("alice is funded", genesis.signum() > 0);
            assertEquals("utxo", ((Map<?, ?>) rpc.call("getNodeInfo")).get("ledger"));

            // The CLI picks alice's genesis coin and sends the change back to her.
            String out = node.cairn.run("tx", "transfer", "--home", node.home.toString(), "--from", "alice", "--to",
                    dave.address().toHex(), "--amount", "1000", "--explain");
            assertTrue(out, out.contains("status SUCCESS"));
            assertTrue(out, out.contains("input  0x" + "00".repeat(32) + ":"));
            assertTrue(out, out.contains("(change)"));
            String first = txHash(out);
            Map<?, ?> tx = (Map<?, ?>) rpc.call("getTransaction", first);
            assertEquals("utxo", tx.get("ledger"));
            assertEquals(2, ((List<?>) tx.get("outputs")).size());
            // dave spends the coin he was just given, his only one
            out = node.cairn.run("tx", "transfer", "--home", node.home.toString(), "--from", daveKey.toString(), "--to",
                    sink.toHex(), "--amount", "400", "--explain");
            assertTrue(out, out.contains("status SUCCESS"));
            assertTrue(out, out.contains("input  " + first + ":0"));

            assertEquals(genesis.subtract(BigInteger.valueOf(1000)), rpc.balance(alice.address()));
            assertEquals(BigInteger.valueOf(600), rpc.balance(dave.address()));
            assertEquals(BigInteger.valueOf(400), rpc.balance(sink));

            // Two spends of one coin: the first seen wins, the second is refused and changes nothing.
            Map<?, ?> coin = ((List<?>) rpc.call("getUtxos", alice.address().toHex())).stream().map(c -> (Map<?, ?>) c)
                    .filter(c -> c.get("spentBy") == null).findFirst().orElseThrow();
            UtxoTransfers.Coin spend = new UtxoTransfers.Coin(Hash.fromHex((String) coin.get("txHash")),
                    (int) asLong(coin.get("index")), new BigInteger((String) coin.get("amount")));
            String a = node.utxo(alice, List.of(spend), sink, BigInteger.ONE);
            String b = node.utxo(alice, List.of(spend), bob.address(), BigInteger.TWO);
            String winner = (String) rpc.call("sendTransaction", a);
            RpcError refused = refused(rpc, b);
            assertTrue(refused.toString(), refused.code == -32024 || refused.code == -32023);
            assertTrue(refused.toString(), refused.getMessage().contains(spend.txHash().toHex() + ":" + spend.index()));
            await("the first spend committed", COMMIT, () -> rpc.receipt(winner));
            assertEquals(BigInteger.valueOf(401), rpc.balance(sink));

            // A coin spent by someone who does not own it: its owner has not signed.
            RpcError notOwner = refused(rpc, node.utxo(bob, List.of(spend(rpc, dave.address(), node)), bob.address(),
                    BigInteger.ONE));
            assertEquals(notOwner.toString(), -32022, notOwner.code);
            assertEquals(BigInteger.valueOf(600), rpc.balance(dave.address()));

            String verified = shell(node.cairn, node.home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));
            assertTrue(shell(node.cairn, node.home, "cairn:status"), shell(node.cairn, node.home, "cairn:status").contains("utxo"));
        }
    }

    @Test
    public void theUtxoModelIsUpgradedLiveUnderLoadLosingNothing() throws Exception {
        try (Node node = Node.start("utxo")) {
            Address sink = Account.generate("sink", node.suite).address();
            Map<String, Address> accepted = upgradeUnderLoad(node, "cairn-ledger-utxo",
                    (from, sent, stop) -> node.spendChain(from, sink, sent, stop));
            assertEquals("one coin of 1 for the sink per accepted spend", BigInteger.valueOf(accepted.size()),
                    node.rpc.balance(sink));
        }
    }

    /** A sender's loop: transactions from {@code from} until {@code stop}, each accepted one put in {@code accepted}. */
    interface SenderLoop {
        void run(Account from, Map<String, Address> accepted, java.util.concurrent.atomic.AtomicBoolean stop);
    }

    /**
     * Upgrades {@code artifact} (the node's ledger model) to 1.0.1 with {@code cairn:upgrade ledger-model} while alice,
     * bob and carol each run {@code loop}: the upgrade commits, transactions are accepted before and after it, every
     * accepted one commits successfully, the new version runs, and verify-chain replays the chain. Returns the
     * accepted transactions and their senders.
     */
    static Map<String, Address> upgradeUnderLoad(Node node, String artifact, SenderLoop loop) throws Exception {
        Path system = ChainTestSupport.runtimeDirectory().resolve("system");
        Path jars = Files.createDirectories(node.home.resolveSibling("jars"));
        Path jar = UpgradeIT.rewrite(system.resolve(artifact + ".jar"), jars.resolve(artifact + "-1.0.1.jar"), "1.0.1",
                m -> m, (name, bytes) -> bytes);
        node.cairn.run("sign", "--home", node.home.toString(), jar.toString());
        Map<String, Address> accepted = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        List<java.util.concurrent.Future<?>> sending = new java.util.ArrayList<>();
        for (String name : List.of("alice", "bob", "carol")) {
            Account from = node.account(name);
            sending.add(threads.submit(() -> {
                loop.run(from, accepted, stop);
                return null;
            }));
        }
        await("transactions flowing", COMMIT, () -> accepted.size() >= 60 ? Boolean.TRUE : null);
        String out = shell(node.cairn, node.home, "cairn:upgrade ledger-model " + jar);
        assertTrue(artifact + " upgraded under load:\n" + out, out.contains("COMMITTED"));
        long upgradedAt = accepted.size();
        await("transactions accepted by the new model", COMMIT,
                () -> accepted.size() >= upgradedAt + 60 ? Boolean.TRUE : null);
        stop.set(true);
        threads.shutdown();
        assertTrue(threads.awaitTermination(COMMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
        for (java.util.concurrent.Future<?> f : sending) {
            f.get();
        }
        for (String hash : accepted.keySet()) {
            Map<String, Object> receipt = await("receipt of " + hash, COMMIT, () -> node.rpc.receipt(hash));
            assertEquals("status of " + hash, 0L, asLong(receipt.get("status")));
        }
        String components = shell(node.cairn, node.home, "cairn:components");
        assertTrue(components, Pattern.compile(artifact + "\\s+1\\.0\\.1\\s").matcher(components).find());
        String verified = shell(node.cairn, node.home, "cairn:verify-chain");
        assertTrue(verified, verified.contains("every state root matches"));
        snapshotVerifiedBy(node.cairn, node.home, node.cairn, node.home, node.home.resolveSibling("snapshot"), 1);
        return accepted;
    }

    /**
     * A snapshot exported by one node ({@code ./cairn snapshot export}) is verified by another (or the same), and a
     * copy whose header keeps fewer seals than the quorum ({@code quorum}) is refused (docs/snapshots.md).
     */
    /** A copy of {@code snapshot} in {@code forged} whose header keeps only its first {@code keep} seals. */
    static Path keepingSeals(Path snapshot, Path forged, int keep) throws IOException {
        Files.createDirectories(forged);
        try (var files = Files.list(snapshot)) {
            for (Path f : files.toList()) {
                Files.copy(f, forged.resolve(f.getFileName()));
            }
        }
        String manifest = Files.readString(forged.resolve("manifest.json"));
        Matcher sealList = Pattern.compile("\"seals\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(manifest);
        assertTrue(manifest, sealList.find());
        List<String> seals = new java.util.ArrayList<>();
        Matcher seal = Pattern.compile("\"0x[0-9a-f]+\"").matcher(sealList.group(1));
        while (seal.find()) {
            seals.add(seal.group());
        }
        assertTrue(manifest, seals.size() > keep);
        Files.writeString(forged.resolve("manifest.json"), manifest.substring(0, sealList.start()) + "\"seals\": ["
                + String.join(", ", seals.subList(0, keep)) + "]" + manifest.substring(sealList.end()));
        return forged;
    }

    static void snapshotVerifiedBy(CrashRecoveryIT.Launcher exporter, Path exporterHome, CrashRecoveryIT.Launcher verifier,
            Path verifierHome, Path out, int quorum) throws Exception {
        String written = exporter.run("snapshot", "export", "--home", exporterHome.toString(), "--out", out.toString());
        assertTrue(written, written.contains("written to " + out));
        String verified = verifier.run("snapshot", "verify", "--home", verifierHome.toString(), out.toString());
        assertTrue(verified, verified.contains("verified snapshot " + out) && verified.contains("the state root match"));
        Path forged = keepingSeals(out, out.resolveSibling(out.getFileName() + "-forged"), quorum - 1);
        String refused = verifier.attempt("snapshot", "verify", "--home", verifierHome.toString(), forged.toString());
        assertTrue(refused, refused.contains("snapshot " + forged + " REFUSED: the seals of block ")
                && refused.contains("are valid for " + (quorum - 1) + " sealers of the genesis list; the quorum is "
                        + quorum));
    }

    @Test
    public void aDagChainSendsReceivesAndRefusesForks() throws Exception {
        try (Node node = Node.start("dag")) {
            RpcClient rpc = node.rpc;
            Account alice = node.account("alice");
            Account bob = node.account("bob");
            BigInteger genesis = rpc.balance(alice.address());
            assertEquals("dag", ((Map<?, ?>) rpc.call("getNodeInfo")).get("ledger"));

            // The CLI names alice's head as the send's parent, and makes bob's receive (his key is in the home).
            String out = node.cairn.run("tx", "transfer", "--home", node.home.toString(), "--from", "alice", "--to", "bob",
                    "--amount", "1000", "--explain");
            assertTrue(out, out.contains("previous 0x" + "00".repeat(32)));
            assertTrue(out, out.contains("status SUCCESS"));
            assertTrue(out, out.contains("receives it"));
            assertTrue(out, out.contains("received in block"));
            String send = txHash(out);
            assertEquals(genesis.subtract(BigInteger.valueOf(1000)), rpc.balance(alice.address()));
            assertEquals(genesis.add(BigInteger.valueOf(1000)), rpc.balance(bob.address()));
            List<?> chain = (List<?>) rpc.call("getAccountChain", alice.address().toHex(), 10);
            assertEquals(1, chain.size());
            assertEquals(send, ((Map<?, ?>) chain.get(0)).get("txHash"));
            Map<?, ?> tx = (Map<?, ?>) rpc.call("getTransaction", send);
            assertEquals("dag", tx.get("ledger"));
            assertEquals("send", tx.get("kind"));

            // Two transactions following one head: the first seen wins, the other is a fork.
            Hash head = Hash.fromHex(send);
            String one = node.dag(DagTransfers.send(node.suite, node.genesis.chainId(), head, bob.address(),
                    BigInteger.ONE, alice.privateKey(), alice.publicKey()));
            String fork = node.dag(DagTransfers.send(node.suite, node.genesis.chainId(), head, bob.address(),
                    BigInteger.TWO, alice.privateKey(), alice.publicKey()));
            String winner = (String) rpc.call("sendTransaction", one);
            RpcError forked = refused(rpc, fork);
            assertTrue(forked.toString(), forked.code == -32028);
            await("the first send committed", COMMIT, () -> rpc.receipt(winner));
            // A parent that does not exist, and a send received twice.
            RpcError unknown = refused(rpc, node.dag(DagTransfers.send(node.suite, node.genesis.chainId(),
                    Hash.fromHex("0x" + "ab".repeat(32)), bob.address(),
                    BigInteger.ONE, alice.privateKey(), alice.publicKey())));
            assertEquals(unknown.toString(), -32026, unknown.code);
            Hash bobHead = Hash.fromHex((String) ((Map<?, ?>) rpc.call("getAccountInfo", bob.address().toHex())).get("pendingHead"));
            RpcError twice = refused(rpc, node.dag(DagTransfers.receive(node.suite, node.genesis.chainId(), bobHead,
                    Hash.fromHex(send), bob.privateKey(), bob.publicKey())));
            assertEquals(twice.toString(), -32029, twice.code);
            assertEquals(genesis.subtract(BigInteger.valueOf(1001)), rpc.balance(alice.address()));

            String verified = shell(node.cairn, node.home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));
        }
    }

    @Test
    public void theDagModelIsUpgradedLiveUnderLoadLosingNothing() throws Exception {
        try (Node node = Node.start("dag")) {
            Address sink = Account.generate("sink", node.suite).address();
            Map<Address, BigInteger> before = new java.util.HashMap<>();
            for (String name : List.of("alice", "bob", "carol")) {
                Account a = node.account(name);
                before.put(a.address(), node.rpc.balance(a.address()));
            }
            Map<String, Address> accepted = upgradeUnderLoad(node, "cairn-ledger-dag",
                    (from, sent, stop) -> node.sendChain(from, sink, sent, stop));
            for (Map.Entry<Address, BigInteger> a : before.entrySet()) {
                long sent = accepted.values().stream().filter(a.getKey()::equals).count();
                assertEquals("every accepted send of " + a.getKey() + " left its balance",
                        a.getValue().subtract(BigInteger.valueOf(sent)), node.rpc.balance(a.getKey()));
                assertEquals("its chain holds every send", sent, asLong(((Map<?, ?>) node.rpc.call("getAccountInfo",
                        a.getKey().toHex())).get("height")));
            }
        }
    }

    @Test
    public void fourPbftNodesAgreeOnADagChain() throws Exception {
        pbftChain("dag");
    }

    @Test
    public void fourPbftNodesAgreeOnAUtxoChain() throws Exception {
        pbftChain("utxo");
    }

    /**
     * A four-node PBFT chain of {@code ledger}: transfers sent through two nodes by the CLI commit on all four with
     * the same blocks and balances, and a node replays the chain.
     */
    static void pbftChain(String ledger, String... initArgs) throws Exception {
        int nodes = 4;
        List<String> args = new java.util.ArrayList<>(List.of("--ledger", ledger, "--storage", "memory"));
        args.addAll(List.of(initArgs));
        LocalChain chain = LocalChain.init("pbft-" + ledger, nodes, args.toArray(String[]::new));
        Path dir = chain.dir;
        List<CrashRecoveryIT.Launcher> launchers = chain.launchers;
        List<RpcClient> rpcs = chain.rpcs;
        boolean passed = false;
        try {
            for (int i = 0; i < nodes; i++) {
                chain.start(i);
            }
            for (RpcClient rpc : rpcs) {
                await("every node answering", COMMIT, () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
                assertEquals(ledger, ((Map<?, ?>) rpc.call("getNodeInfo")).get("ledger"));
            }
            String first = txHash(launchers.get(0).run("tx", "transfer", "--home", dir.resolve("node0").toString(), "--from",
                    "alice", "--to", "bob", "--amount", "7", "--timeout", "45s"));
            String second = txHash(launchers.get(2).run("tx", "transfer", "--home", dir.resolve("node2").toString(), "--from",
                    "bob", "--to", "carol", "--amount", "3", "--timeout", "45s"));
            long height = 0;
            for (String h : List.of(first, second)) {
                for (RpcClient rpc : rpcs) {
                    Map<String, Object> receipt = await("receipt of " + h + " on every node", COMMIT, () -> rpc.receipt(h));
                    assertEquals(0L, asLong(receipt.get("status")));
                    height = Math.max(height, asLong(receipt.get("blockNumber")));
                }
            }
            long top = height;
            Account bob = Account.of("bob", KeyFiles.read(dir.resolve("node0/keys/accounts/bob.key")),
                    Suites.byName((String) ((Map<?, ?>) rpcs.get(0).call("getNodeInfo")).get("suite")));
            Object hash = ((Map<?, ?>) rpcs.get(0).call("getBlockByNumber", top, false)).get("hash");
            // bob's balance, or on a private chain (balances hidden) his coins, the same on every node
            java.util.function.Function<RpcClient, Object> holding = "private".equals(ledger)
                    ? rpc -> rpc.call("getPrivateCoins", bob.address().toHex())
                    : rpc -> rpc.balance(bob.address());
            Object held = holding.apply(rpcs.get(0));
            for (RpcClient rpc : rpcs) {
                await("block " + top, COMMIT, () -> rpc.blockNumber() >= top ? Boolean.TRUE : null);
                assertEquals("block " + top + " is the same on every node", hash,
                        ((Map<?, ?>) rpc.call("getBlockByNumber", top, false)).get("hash"));
                assertEquals("what bob holds is the same on every node", held, holding.apply(rpc));
            }
            String verified = shell(launchers.get(3), dir.resolve("node3"), "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));
            // node0's snapshot of its state, checked by node3 against the chain it holds
            snapshotVerifiedBy(launchers.get(0), dir.resolve("node0"), launchers.get(3), dir.resolve("node3"),
                    dir.resolve("snapshot"), 3);
            passed = true;
        } finally {
            chain.stop(passed);
        }
    }

    private static UtxoTransfers.Coin spend(RpcClient rpc, Address owner, Node node) {
        Map<?, ?> c = (Map<?, ?>) ((List<?>) rpc.call("getUtxos", owner.toHex())).get(0);
        return new UtxoTransfers.Coin(Hash.fromHex((String) c.get("txHash")), (int) asLong(c.get("index")),
                new BigInteger((String) c.get("amount")));
    }

    static RpcError refused(RpcClient rpc, String hex) {
        try {
            rpc.call("sendTransaction", hex);
        } catch (RpcError e) {
            return e;
        }
        throw new AssertionError("the node accepted " + hex);
    }

    static String txHash(String out) {
        Matcher m = TX.matcher(out);
        assertTrue(out, m.find());
        return m.group(1);
    }

    /** A node made and started by the launcher, with the accounts of its home. */
    static final class Node implements AutoCloseable {
        final Path home;
        final CrashRecoveryIT.Launcher cairn;
        final RpcClient rpc;
        final Genesis genesis;
        final CryptoSuite suite;

        private Node(Path home, CrashRecoveryIT.Launcher cairn, RpcClient rpc, Genesis genesis) {
            this.home = home;
            this.cairn = cairn;
            this.rpc = rpc;
            this.genesis = genesis;
            this.suite = Suites.byName(genesis.suite());
        }

        static Node start(String ledger, String... initArgs) throws Exception {
            Path work = ChainTestSupport.newWorkDirectory("ledger-" + ledger);
            Path home = work.resolve("node");
            int port = ChainTestSupport.freeLoopbackPort();
            CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, home);
            List<String> init = new java.util.ArrayList<>(List.of("init", "--dir", home.toString(), "--rpc-port",
                    String.valueOf(port), "--ledger", ledger, "--storage", "memory"));
            init.addAll(List.of(initArgs));
            cairn.run(init.toArray(String[]::new));
            cairn.startDetached(-1);
            RpcClient rpc = new RpcClient(port);
            try {
                await("the chain", COMMIT, () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
                Genesis genesis;
                try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
                    genesis = Genesis.read(in);
                }
                assertEquals(ledger, genesis.ledger());
                return new Node(home, cairn, rpc, genesis);
            } catch (Exception | AssertionError e) {
                System.out.println(cairn.diagnostics());
                cairn.stop();
                throw e;
            }
        }

        Account account(String name) throws Exception {
            return Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite);
        }

        /** A dag transaction as hex. */
        String dag(Envelope e) {
            return Bytes.toHex(e.encoded());
        }

        /** A UTXO transfer spending {@code coins} of {@code from}, as hex. */
        String utxo(Account from, List<UtxoTransfers.Coin> coins, Address to, BigInteger amount) {
            Envelope e = UtxoTransfers.sign(suite, genesis.chainId(), coins,
                    UtxoTransfers.outputs(coins, from.address(), to, amount), from.privateKey(), from.publicKey());
            assertNotNull(e);
            return Bytes.toHex(e.encoded());
        }

        /**
         * Spends {@code from}'s coin chain until {@code stop}: each spend pays 1 to {@code to} and its change is what
         * the next one spends (an unconfirmed coin). A spend the node cannot take now (an engine being swapped) is
         * sent again, the same bytes, until accepted.
         */
        void spendChain(Account from, Address to, Map<String, Address> accepted,
                java.util.concurrent.atomic.AtomicBoolean stop) {
            Map<?, ?> c = await("a coin of " + from.name(), COMMIT, () -> ((List<?>) rpc.call("getUtxos",
                    from.address().toHex())).stream().map(x -> (Map<?, ?>) x).filter(x -> x.get("spentBy") == null)
                    .findFirst().orElse(null));
            UtxoTransfers.Coin coin = new UtxoTransfers.Coin(Hash.fromHex((String) c.get("txHash")),
                    (int) asLong(c.get("index")), new BigInteger((String) c.get("amount")));
            while (!stop.get()) {
                List<UtxoTransfers.Output> outputs = UtxoTransfers.outputs(List.of(coin), from.address(), to, BigInteger.ONE);
                Envelope e = UtxoTransfers.sign(suite, genesis.chainId(), List.of(coin), outputs, from.privateKey(),
                        from.publicKey());
                String hash = sendUntilAccepted(e);
                accepted.put(hash, from.address());
                coin = new UtxoTransfers.Coin(Hash.fromHex(hash), 1, coin.amount().subtract(BigInteger.ONE));
            }
        }

        /**
         * Sends 1 from {@code from} to {@code to} again and again until {@code stop}, each send following the one
         * before on {@code from}'s chain; a send the node cannot take now is sent again, the same bytes.
         */
        void sendChain(Account from, Address to, Map<String, Address> accepted,
                java.util.concurrent.atomic.AtomicBoolean stop) {
            Hash previous = Hash.fromHex((String) ((Map<?, ?>) rpc.call("getAccountInfo", from.address().toHex()))
                    .get("pendingHead"));
            while (!stop.get()) {
                Envelope e = DagTransfers.send(suite, genesis.chainId(), previous, to, BigInteger.ONE, from.privateKey(),
                        from.publicKey());
                String hash = sendUntilAccepted(e);
                accepted.put(hash, from.address());
                previous = Hash.fromHex(hash);
            }
        }

        /**
         * Sends {@code e} until the node takes it (a duplicate answer means an earlier attempt was taken);
         * returns its hash. While the model is being swapped the node answers -32018 and the same bytes go again.
         */
        String sendUntilAccepted(Envelope e) {
            String hash = Bytes.toHex(suite.hash(e.payload()));
            String hex = Bytes.toHex(e.encoded());
            await("sending " + hash, COMMIT, () -> {
                try {
                    rpc.call("sendTransaction", hex);
                } catch (RpcError x) {
                    if (x.code != RpcClient.DUPLICATE) {
                        throw x;
                    }
                }
                return Boolean.TRUE;
            });
            return hash;
        }

        @Override
        public void close() throws Exception {
            cairn.stop();
        }
    }
}
