package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.RpcError;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * A real node process upgrades every engine in place while transfers flow: every accepted transfer gets a
 * receipt, blocks stay consecutive (each extends the one before), and each upgrade reports its pause.
 * Broken jars roll back on their own (a component that fails to activate, one that never becomes ready),
 * or are refused before anything changes (an import that cannot resolve, no signature). A node killed with
 * SIGKILL in the middle of an upgrade restarts on one version of the engine and says which.
 */
public class UpgradeIT {
    static final List<String> ACCOUNTS = List.of("alice", "bob", "carol");
    static final Duration COMMIT = Duration.ofSeconds(30);
    /** component -> engine artifact, in the order upgraded. */
    static final Map<String, String> ENGINES = new LinkedHashMap<>();

    static {
        ENGINES.put("txpool", "cairn-txpool");
        ENGINES.put("executor", "cairn-executor");
        ENGINES.put("block-format", "cairn-block-format");
        ENGINES.put("consensus", "cairn-consensus-solo");
        ENGINES.put("rpc", "cairn-rpc-jsonrpc");
        ENGINES.put("storage", "cairn-storage-rocksdb");
        ENGINES.put("ledger", "cairn-ledger");
        ENGINES.put("ledger-model", "cairn-ledger-account");
        ENGINES.put("crypto", "cairn-crypto");
    }

    private static final Pattern PAUSE = Pattern.compile("COMMITTED \\(([^)]*)\\): block production paused (\\d+) ms, \\S+ absent (-?\\d+) ms");

    @Test
    public void enginesUpgradeUnderLoadAndBrokenOnesRollBack() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("upgrade");
        Path home = work.resolve("node");
        Path jars = Files.createDirectories(work.resolve("jars"));
        int port = ChainTestSupport.freeLoopbackPort();
        CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, home);
        cairn.run("init", "--dir", home.toString(), "--rpc-port", String.valueOf(port));
        // Short readiness timeout: the never-ready jar below must not hold the test for the 15 s default.
        Files.writeString(home.resolve("etc/io.cairn.admin.cfg"), "readyTimeoutMs=3000\n");
        boolean passed = false;
        try {
            long pid = cairn.startDetached(-1);
            RpcClient rpc = new RpcClient(port);
            await("the chain", COMMIT, () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);

            Genesis genesis;
            try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
                genesis = Genesis.read(in);
            }
            CryptoSuite suite = Suites.byName(genesis.suite());
            byte[] operator = KeyFiles.read(home.resolve("keys/operator.key"));
            Path system = ChainTestSupport.runtimeDirectory().resolve("system");

            Map<String, Path> upgrades = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : ENGINES.entrySet()) {
                Path jar = rewrite(system.resolve(e.getValue() + ".jar"), jars.resolve(e.getValue() + "-1.0.1.jar"), "1.0.1",
                        m -> m, (name, bytes) -> bytes);
                upgrades.put(e.getKey(), jar);
                if (!e.getKey().equals("txpool")) {
                    sign(jar, suite, operator);
                }
            }
            // one through the command an operator uses
            cairn.run("sign", "--home", home.toString(), upgrades.get("txpool").toString());
            log(t0, "made and signed " + upgrades.size() + " engine jars at 1.0.1");

            // ---- load: one thread per sender, each waiting for its batch's receipts before the next
            List<Account> senders = new ArrayList<>();
            for (String name : ACCOUNTS) {
                senders.add(Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite));
            }
            Address sink = Account.generate("sink", suite).address();
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            AtomicLong retries = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService threads = Executors.newFixedThreadPool(senders.size());
            List<Future<?>> sending = new ArrayList<>();
            for (Account a : senders) {
                sending.add(threads.submit(() -> {
                    send(rpc, suite, genesis.chainId(), a, sink, accepted, retries, stop);
                    return null;
                }));
            }
            await("transfers flowing", COMMIT, () -> accepted.size() >= 100 ? Boolean.TRUE : null);

            // ---- every engine upgraded in place under load
            Map<String, String> pauses = new LinkedHashMap<>();
            for (Map.Entry<String, Path> e : upgrades.entrySet()) {
                String dry = shell(cairn, home, "cairn:upgrade " + e.getKey() + " " + e.getValue() + " --dry-run");
                assertTrue(dry, dry.contains("result: would upgrade; nothing was changed"));
                assertTrue(dry, dry.contains("signature  signed by a trusted key"));
                long before = accepted.size();
                String out = shell(cairn, home, "cairn:upgrade " + e.getKey() + " " + e.getValue());
                Matcher m = PAUSE.matcher(out);
                assertTrue("upgrade of " + e.getKey() + " committed:\n" + out, m.find());
                pauses.put(e.getKey(), m.group(2) + " ms (" + m.group(1) + ", absent " + m.group(3) + " ms)");
                log(t0, "upgraded " + e.getKey() + ": pause " + pauses.get(e.getKey()));
                await("transfers accepted after upgrading " + e.getKey(), COMMIT,
                        () -> accepted.size() >= before + 30 ? Boolean.TRUE : null);
            }
            String components = shell(cairn, home, "cairn:components");
            for (String bsn : ENGINES.values()) {
                assertTrue(components, Pattern.compile(bsn + "\\s+1\\.0\\.1\\s").matcher(components).find());
            }

            // ---- the node's metrics outlive the engines that record them
            long acceptedNow = accepted.size();
            String metrics = metrics(port);
            for (String component : upgrades.keySet()) {
                assertEquals("the pause of upgrading " + component + " is in the metrics:\n" + metrics, 1.0,
                        metric(metrics, "cairn_upgrade_pause_seconds_count{component=\"" + component + "\"}"), 0);
                assertEquals(metrics, 1.0,
                        metric(metrics, "cairn_upgrades_total{component=\"" + component + "\",outcome=\"committed\"}"), 0);
            }
            // every transfer accepted so far was admitted by one txpool version or the other (and answered through one
            // rpc version or the other): a counter that restarted with the new engine would count only the last part
            double admitted = metric(metrics, "cairn_txpool_admitted_total{source=\"client\"}");
            assertTrue("client admissions counted across the txpool upgrade: " + admitted + " >= " + acceptedNow,
                    admitted >= acceptedNow);
            log(t0, "metrics after the upgrades: " + (long) admitted + " client admissions, upgrade pauses recorded");

            // ---- broken jars: the node stays on 1.0.1 and keeps making blocks
            Path throwing = rewrite(system.resolve("cairn-executor.jar"), jars.resolve("cairn-executor-1.0.2-throws.jar"),
                    "1.0.2", m -> m, (name, bytes) -> name.startsWith("OSGI-INF/") && name.endsWith(".xml")
                            ? new String(bytes, StandardCharsets.UTF_8).replaceAll("implementation class=\"[^\"]+\"",
                                    "implementation class=\"io.cairn.executor.internal.Missing\"").getBytes(StandardCharsets.UTF_8)
                            : bytes);
            sign(throwing, suite, operator);
            String out = shell(cairn, home, "cairn:upgrade executor " + throwing);
            assertTrue(out, out.contains("ROLLED BACK") && out.contains("failed to activate") && out.contains("restored cairn-executor 1.0.1"));
            log(t0, "executor that fails to activate: " + lastLine(out));

            Path neverReady = rewrite(system.resolve("cairn-txpool.jar"), jars.resolve("cairn-txpool-1.0.2-never.jar"), "1.0.2",
                    m -> m, (name, bytes) -> name.startsWith("OSGI-INF/") && name.endsWith(".xml")
                            ? new String(bytes, StandardCharsets.UTF_8).replaceFirst("(<implementation )",
                                    "<reference name=\"never\" interface=\"io.cairn.api.node.Consensus\" target=\"(cairn.engine=never)\"/>$1")
                                    .getBytes(StandardCharsets.UTF_8)
                            : bytes);
            sign(neverReady, suite, operator);
            out = shell(cairn, home, "cairn:upgrade txpool " + neverReady);
            assertTrue(out, out.contains("ROLLED BACK") && out.contains("did not become ready in 3000 ms")
                    && out.contains("restored cairn-txpool 1.0.1"));
            log(t0, "txpool that never becomes ready: " + lastLine(out));

            Path badImport = rewrite(system.resolve("cairn-ledger-account.jar"), jars.resolve("cairn-ledger-account-1.0.2.jar"),
                    "1.0.2", m -> {
                        Attributes a = m.getMainAttributes();
                        a.putValue("Import-Package", a.getValue("Import-Package") + ",com.example.nowhere;version=\"[1.0,2)\"");
                        return m;
                    }, (name, bytes) -> bytes);
            sign(badImport, suite, operator);
            out = shell(cairn, home, "cairn:upgrade ledger-model " + badImport + " --dry-run");
            assertTrue(out, out.contains("unresolved: com.example.nowhere [1.0.0,2.0.0)"));
            out = shell(cairn, home, "cairn:upgrade ledger-model " + badImport);
            assertTrue(out, out.contains("REFUSED: import cannot be resolved: com.example.nowhere"));

            Path unsigned = rewrite(system.resolve("cairn-rpc-jsonrpc.jar"), jars.resolve("cairn-rpc-jsonrpc-1.0.2.jar"), "1.0.2",
                    m -> m, (name, bytes) -> bytes);
            out = shell(cairn, home, "cairn:upgrade rpc " + unsigned);
            assertTrue(out, out.contains("REFUSED: no signature file " + unsigned + ".sig"));
            log(t0, "unresolvable import and unsigned jar refused");
            metrics = metrics(port);
            assertEquals(metrics, 1.0, metric(metrics, "cairn_upgrades_total{component=\"executor\",outcome=\"rolled_back\"}"), 0);
            assertEquals(metrics, 1.0, metric(metrics, "cairn_upgrades_total{component=\"rpc\",outcome=\"refused\"}"), 0);

            // ---- what was accepted is committed, and the chain has no gap or repeat
            long more = accepted.size();
            await("transfers accepted after the broken jars", COMMIT, () -> accepted.size() >= more + 30 ? Boolean.TRUE : null);
            stop.set(true);
            threads.shutdown();
            assertTrue(threads.awaitTermination(COMMIT.toSeconds(), TimeUnit.SECONDS));
            for (Future<?> f : sending) {
                f.get();
            }
            for (String hash : accepted.keySet()) {
                Map<String, Object> receipt = await("receipt of " + hash, COMMIT, () -> rpc.receipt(hash));
                assertEquals("status of " + hash, 0L, asLong(receipt.get("status")));
            }
            long height = rpc.blockNumber();
            String parent = null;
            for (long n = 0; n <= height; n++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> block = (Map<String, Object>) rpc.call("getBlockByNumber", n, false);
                assertEquals(n, asLong(block.get("number")));
                if (parent != null) {
                    assertEquals("block " + n + " extends block " + (n - 1), parent, block.get("parentHash"));
                }
                parent = String.valueOf(block.get("hash"));
            }
            log(t0, accepted.size() + " accepted transfers all committed in blocks 1.." + height + ", " + retries.get()
                    + " sends retried; pauses " + pauses);
            // ---- the same transactions replayed from genesis with no upgrade give the roots the node committed
            String verified = shell(cairn, home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("verified blocks 0.." + height + ": every state root matches"));
            log(t0, verified.strip());
            String history = shell(cairn, home, "cairn:upgrades");
            assertEquals(history, ENGINES.size(), count(history, " COMMIT "));
            assertEquals(history, 2, count(history, " ROLLBACK "));
            assertEquals(history, 2, count(history, " REFUSED "));

            // ---- SIGKILL in the middle of an upgrade (waiting for a txpool that never becomes ready)
            Path journal = home.resolve("data/upgrades/journal");
            Path neverReady2 = rewrite(neverReady, jars.resolve("cairn-txpool-1.0.3-never.jar"), "1.0.3", m -> m, (n, b) -> b);
            sign(neverReady2, suite, operator);
            Process upgrading = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    ChainTestSupport.repositoryRoot().resolve("launcher/target/cairn-launcher.jar").toString(), "shell", "--home",
                    home.toString(), "-c", "cairn:upgrade txpool " + neverReady2)
                    .redirectErrorStream(true).redirectOutput(work.resolve("killed-upgrade.out").toFile()).start();
            await("the upgrade switching", COMMIT, () -> {
                try {
                    String j = Files.readString(journal);
                    return j.contains("toVersion=1.0.3\t") && j.lines().reduce((a, b) -> b).orElse("").contains("step=SWITCHING")
                            ? Boolean.TRUE : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            ProcessHandle node = ProcessHandle.of(pid).orElseThrow();
            node.destroyForcibly();
            node.onExit().get(20, TimeUnit.SECONDS);
            upgrading.waitFor(20, TimeUnit.SECONDS);
            log(t0, "killed the node mid-upgrade");
            cairn.startDetached(pid);
            String recovered = await("a RECOVERED line in the journal", COMMIT, () -> {
                try {
                    return Files.readString(journal).lines().filter(l -> l.contains("step=RECOVERED")).findFirst().orElse(null);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertTrue(recovered, recovered.contains("outcome=restarted on cairn-txpool 1.0.1"));
            await("ready after the restart", COMMIT, () -> rpc.blockNumber() >= height ? Boolean.TRUE : null);
            String engines = shell(cairn, home, "cairn:engines");
            assertEquals(engines, 1, count(engines, "installed  cairn-txpool "));
            components = shell(cairn, home, "cairn:components");
            for (String bsn : ENGINES.values()) {
                assertTrue("after the restart " + bsn + " is still 1.0.1:\n" + components,
                        Pattern.compile(bsn + "\\s+1\\.0\\.1\\s").matcher(components).find());
            }
            Account alice = senders.get(0);
            SignedTransfer last = ChainTestSupport.transfer(suite, genesis.chainId(), alice, rpc.nonce(alice.address()), sink,
                    BigInteger.ONE);
            rpc.send(last);
            await("a transfer after recovery", COMMIT, () -> rpc.receipt(last.hash()));
            log(t0, "recovered: " + recovered.replaceAll(".*outcome=([^\t]*).*", "$1"));
            passed = true;
        } finally {
            if (!passed) {
                System.out.println(cairn.diagnostics());
            }
            cairn.stop();
        }
    }

    static void send(RpcClient rpc, CryptoSuite suite, long chainId, Account from, Address to,
            Map<String, Boolean> accepted, AtomicLong retries, AtomicBoolean stop) {
        long nonce = await("nonce of " + from.name(), COMMIT, () -> rpc.nonce(from.address()));
        while (!stop.get()) {
            String lastHash = null;
            for (int i = 0; i < 20; i++) {
                SignedTransfer tx = ChainTestSupport.transfer(suite, chainId, from, nonce++, to, BigInteger.ONE);
                await("sending " + tx.hash(), COMMIT, () -> {
                    try {
                        rpc.send(tx);
                        return Boolean.TRUE;
                    } catch (RpcError e) {
                        if (e.code == RpcClient.DUPLICATE
                                || e.code == RpcClient.NONCE_REPLAYED && rpc.receipt(tx.hash()) != null) {
                            return Boolean.TRUE; // accepted before its answer was lost
                        }
                        retries.incrementAndGet();
                        throw e;
                    } catch (UncheckedIOException e) {
                        retries.incrementAndGet(); // rpc being swapped: the port is closed for a moment
                        throw e;
                    }
                });
                accepted.put(tx.hash(), Boolean.TRUE);
                lastHash = tx.hash();
            }
            String h = lastHash;
            await("receipt of " + h, COMMIT, () -> rpc.receipt(h));
        }
    }

    /** The node's answer to one shell command. */
    static String shell(CrashRecoveryIT.Launcher cairn, Path home, String command) throws Exception {
        return cairn.run("shell", "--home", home.toString(), "-c", command);
    }

    interface EntryRewrite {
        byte[] apply(String name, byte[] bytes);
    }

    /** A copy of a bundle jar with another Bundle-Version, its manifest and entries rewritten. */
    static Path rewrite(Path from, Path to, String version, UnaryOperator<Manifest> manifest, EntryRewrite entries)
            throws IOException {
        try (InputStream raw = Files.newInputStream(from); JarInputStream in = new JarInputStream(raw)) {
            Manifest m = new Manifest(in.getManifest());
            m.getMainAttributes().putValue("Bundle-Version", version);
            m = manifest.apply(m);
            try (OutputStream rawOut = Files.newOutputStream(to); JarOutputStream out = new JarOutputStream(rawOut, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    in.transferTo(b);
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(e.isDirectory() ? new byte[0] : entries.apply(e.getName(), b.toByteArray()));
                    out.closeEntry();
                }
            }
        }
        return to;
    }

    /** The {@code .sig} that {@code cairn sign} writes. */
    static void sign(Path jar, CryptoSuite suite, byte[] key) throws IOException {
        byte[] bytes = Files.readAllBytes(jar);
        Files.writeString(jar.resolveSibling(jar.getFileName() + ".sig"), "suite=" + suite.name() + "\npublicKey="
                + Bytes.toHex(suite.publicKey(key)) + "\nsignature=" + Bytes.toHex(suite.sign(suite.hash(bytes), key)) + "\n",
                StandardCharsets.US_ASCII);
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static String lastLine(String out) {
        String s = out.strip();
        return s.substring(s.lastIndexOf('\n') + 1);
    }

    static void log(long t0, String what) {
        System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, what);
        System.out.flush();
    }

    /** The node's Prometheus text, from GET /metrics on its JSON-RPC port. */
    static String metrics(int port) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(java.time.Duration.ofSeconds(10)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals("GET /metrics", 200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse(""), r.headers().firstValue("content-type").orElse("")
                .startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    /** The value of one series (its name with labels, as written), or NaN. */
    static double metric(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        return Double.NaN;
    }
}
