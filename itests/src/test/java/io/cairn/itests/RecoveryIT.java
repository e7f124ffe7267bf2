package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.LedgerState;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * A one-node chain (RocksDB, a real node process started by the launcher) with committed transfers and a local
 * snapshot, stopped, then damaged in the ways docs/operations.md lists; each start either runs correctly or is
 * refused with a message naming the damage and {@code cairn recover}, never one that serves wrong data:
 * <ol>
 * <li>(a) its write-ahead logs cut in half: it runs with every block it committed, or it is refused;
 * <li>(b) its MANIFEST deleted: start refuses, naming the damage and the fix;
 * <li>(c) its state accumulator changed behind its back: start refuses, naming block H's state root;
 * <li>(e) {@code cairn recover} killed in the middle of its import (the damaged store moved aside, the snapshot's
 * state half written) leaves a home that start refuses;
 * <li>(f) the node killed in the middle of an export leaves a directory that is never listed, and runs on;
 * <li>(g) an import into a new home killed in the middle leaves a home start refuses until an import finishes;
 * <li>(d) recover again finishes: the damaged store is kept aside, the node is rebuilt from the snapshot, serves its
 * state, keeps its keys, and goes on committing.
 * </ol>
 */
public class RecoveryIT {
    static final Duration STARTUP = Duration.ofSeconds(30);
    static final Duration COMMIT = Duration.ofSeconds(30);
    static final Duration LAUNCHER = Duration.ofSeconds(90);
    private static final Pattern WRITTEN = Pattern.compile("snapshot of block (\\d+) \\(");
    private static final String FIX_TAIL = ", which moves it aside and rebuilds the node from a snapshot";

    @Test
    public void aDamagedNodeIsRefusedAndRecoverRebuildsItFromItsSnapshot() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("recover");
        Path home = work.resolve("node").toAbsolutePath();
        int port = ChainTestSupport.freeLoopbackPort();
        int ssh = ChainTestSupport.freeLoopbackPort();
        Cairn cairn = new Cairn(work, home);
        cairn.ok("init", "--dir", home.toString(), "--rpc-port", String.valueOf(port), "--ssh-port", String.valueOf(ssh));
        Path store = home.resolve("data/chain");
        boolean passed = false;
        try {
            RpcClient rpc = new RpcClient(port);
            cairn.start();
            Genesis genesis;
            try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
                genesis = Genesis.read(in);
            }
            CryptoSuite suite = Suites.byName(genesis.suite());
            Account alice = Account.of("alice", KeyFiles.read(home.resolve("keys/accounts/alice.key")), suite);
            Address sink = Account.generate("sink", suite).address();
            byte[] nodeKey = Files.readAllBytes(home.resolve("keys/node.key"));

            // ---- committed transfers, a local snapshot, more committed transfers
            Map<String, Long> first = transfers(rpc, suite, genesis.chainId(), alice, sink, 0, 8);
            String out = cairn.ok("snapshot", "export", "--home", home.toString());
            Matcher m = WRITTEN.matcher(out);
            assertTrue(out, m.find());
            long snap = Long.parseLong(m.group(1));
            BigInteger sinkAtSnap = rpc.balance(sink);
            BigInteger aliceAtSnap = rpc.balance(alice.address());
            assertEquals(BigInteger.valueOf(8 * 10), sinkAtSnap);
            Map<String, Long> second = transfers(rpc, suite, genesis.chainId(), alice, sink, 8, 8);
            long head = rpc.blockNumber();
            assertTrue("blocks after the snapshot's " + snap + ": head " + head, head > snap);
            List<String> hashes = new ArrayList<>();
            for (long n = 0; n <= head; n++) {
                hashes.add(blockHash(rpc, n));
            }
            cairn.stop();
            Path pristine = work.resolve("pristine-chain");
            copyTree(store, pristine);
            log(t0, "chain at block " + head + ", snapshot of block " + snap + ", node stopped");

            // ---- (f) the node killed in the middle of an export: what it wrote never passes for a snapshot, and the
            // node runs on with every block
            Path jvmOptions = home.resolve("etc/jvm.options");
            Files.writeString(jvmOptions, "-Dcairn.test.snapshot.export.haltAfterFirstChunk=true\n");
            cairn.start();
            long exporting = cairn.pid();
            Cairn.Result cut = cairn.attempt(List.of(), "snapshot", "export", "--home", home.toString());
            assertTrue(cut.output(), cut.exit() != 0);
            await("the node killed in its export", STARTUP,
                    () -> ProcessHandle.of(exporting).map(ProcessHandle::isAlive).orElse(false) ? null : Boolean.TRUE);
            Path partial;
            try (Stream<Path> dirs = Files.list(home.resolve("snapshots"))) {
                partial = dirs.filter(d -> d.getFileName().toString().startsWith(".creating-")).findFirst()
                        .orElseThrow(() -> new AssertionError("the export's temporary directory: " + cut.output()));
            }
            assertTrue("a chunk was written", Files.exists(partial.resolve("chunk-00000.zst")));
            assertFalse("no manifest", Files.exists(partial.resolve("manifest.json")));
            Files.delete(jvmOptions);
            cairn.start();
            assertEquals("every committed block", head, rpc.blockNumber());
            String listed = cairn.ok("snapshot", "list", "--home", home.toString());
            assertFalse(listed, listed.contains(".creating"));
            assertEquals(listed, 1, listed.strip().lines().count());
            assertTrue(listed, listed.contains("block " + String.format("%8d", snap)));
            cairn.stop();
            log(t0, "(f) node killed in the middle of an export: " + partial.getFileName() + " is never listed; the "
                    + "node runs at block " + head);

            // ---- (g) an import into a new home of the chain killed in the middle: start refuses the home until an
            // import finishes
            Path home2 = work.resolve("node2").toAbsolutePath();
            int port2 = ChainTestSupport.freeLoopbackPort();
            Cairn cairn2 = new Cairn(Files.createDirectories(work.resolve("second")), home2);
            cairn2.ok("init", "--dir", home2.toString(), "--rpc-port", String.valueOf(port2), "--ssh-port",
                    String.valueOf(ChainTestSupport.freeLoopbackPort()));
            // the same chain (its genesis) and, as this one-node chain has no other sealer, the same sealer key
            for (String f : List.of("etc/genesis.properties", "keys/node.key", "keys/node.pub")) {
                Files.copy(home.resolve(f), home2.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Path snapshotDir = home.resolve("snapshots").resolve(String.valueOf(snap));
            Cairn.Result halted = cairn2.attempt(List.of("-Dcairn.test.snapshot.import.haltAfterFirstChunk=true"),
                    "snapshot", "import", "--home", home2.toString(), "--from", snapshotDir.toString());
            assertEquals(halted.output(), 137, halted.exit());
            Cairn.Result underConstruction = cairn2.startAttempt();
            assertEquals(underConstruction.output(), 1, underConstruction.exit());
            assertTrue(underConstruction.output(), underConstruction.output().contains("home " + home2 + " is under "
                    + "construction: the import of snapshot " + snapshotDir + " did not finish; run ./cairn snapshot "
                    + "import again, or start from a new home"));
            String imported = cairn2.ok("snapshot", "import", "--home", home2.toString(), "--from", snapshotDir.toString());
            assertTrue(imported, imported.contains("imported snapshot of block " + snap + " ("));
            try {
                cairn2.start();
                RpcClient rpc2 = new RpcClient(port2);
                assertEquals(snap, rpc2.blockNumber());
                assertEquals(sinkAtSnap, rpc2.balance(sink));
                assertEquals(aliceAtSnap, rpc2.balance(alice.address()));
            } finally {
                cairn2.stop();
            }
            log(t0, "(g) import killed in the middle: refused until imported again; then it serves block " + snap);

            // ---- (a) the write-ahead logs cut in half after the clean stop: every committed block, or refused
            try (Stream<Path> files = Files.list(store)) {
                for (Path wal : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                    try (RandomAccessFile f = new RandomAccessFile(wal.toFile(), "rw")) {
                        f.setLength(f.length() / 2);
                    }
                }
            }
            Cairn.Result a = cairn.startAttempt();
            if (a.exit() == 0) {
                long h = rpc.blockNumber();
                assertTrue("every committed block is there: height " + h + ", was " + head, h >= head);
                for (long n = 0; n <= head; n++) {
                    assertEquals("block " + n + " is the one the node committed", hashes.get((int) n), blockHash(rpc, n));
                }
                Map<String, Long> all = new LinkedHashMap<>(first);
                all.putAll(second);
                for (Map.Entry<String, Long> e : all.entrySet()) {
                    Map<String, Object> receipt = rpc.receipt(e.getKey());
                    assertNotNull("receipt of " + e.getKey() + " in block " + e.getValue(), receipt);
                    assertEquals((long) e.getValue(), asLong(receipt.get("blockNumber")));
                }
                assertEquals(sinkAtSnap.add(BigInteger.valueOf(8 * 10)), rpc.balance(sink));
                log(t0, "(a) write-ahead logs cut in half: the node runs with every committed block");
                cairn.stop();
            } else {
                assertRefusedFor(a, "RocksDB at " + store + " is damaged: ", home);
                log(t0, "(a) write-ahead logs cut in half: refused");
            }

            // ---- (b) the MANIFEST deleted: refused, naming the damage and the fix
            restore(pristine, store);
            try (Stream<Path> files = Files.list(store)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-")).toList()) {
                    Files.delete(f);
                }
            }
            assertRefusedFor(cairn.startAttempt(), "RocksDB at " + store + " is damaged: ", home);
            log(t0, "(b) MANIFEST deleted: refused");

            // ---- (c) the state accumulator changed while the node was down: refused, naming the head's state root
            restore(pristine, store);
            try (org.rocksdb.Options o = new org.rocksdb.Options();
                    org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(o, store.toString())) {
                byte[] acc = db.get(LedgerState.LTHASH_KEY);
                assertNotNull("the stored accumulator", acc);
                acc[100] ^= 0x01;
                db.put(LedgerState.LTHASH_KEY, acc);
            }
            Cairn.Result c = cairn.startAttempt();
            assertRefusedFor(c, "the state in the rocksdb store of home " + home + " does not match block " + head
                    + "'s state root: it gives 0x", home);
            assertTrue(c.output(), c.output().contains(", the header of block " + head + " (" + hashes.get((int) head)
                    + ") has 0x"));
            log(t0, "(c) state accumulator changed: refused");

            // ---- (e) a recover killed in the middle of its import: the home is refused until recover runs again
            Cairn.Result killed = cairn.attempt(List.of("-Dcairn.test.snapshot.import.haltAfterFirstChunk=true"),
                    "recover", "--home", home.toString());
            assertEquals(killed.output(), 137, killed.exit());
            assertTrue(killed.output(), killed.output().contains("importing snapshot " + home.resolve("snapshots")
                    .resolve(String.valueOf(snap))));
            Path aside;
            try (Stream<Path> dirs = Files.list(store.getParent())) {
                aside = dirs.filter(d -> d.getFileName().toString().startsWith("chain.damaged-")).findFirst()
                        .orElseThrow(() -> new AssertionError("the damaged store is kept: " + killed.output()));
            }
            assertTrue(killed.output(), killed.output().contains("moved the damaged store " + store + " aside to "
                    + aside));
            assertTrue("under construction", Files.exists(home.resolve("data/recover.pending")));
            Cairn.Result refused = cairn.startAttempt();
            assertEquals(refused.output(), 1, refused.exit());
            assertTrue(refused.output(), refused.output().contains("error: home " + home + " is under construction: "
                    + "./cairn recover did not finish (the damaged store is kept at " + aside + "); run ./cairn recover "
                    + "--home " + home + " again"));
            log(t0, "(e) recover killed in the middle of its import: start refuses the home");

            // ---- (d) recover again: it finishes, the node serves the snapshot's state, keeps its keys, goes on
            String recovered = cairn.ok("recover", "--home", home.toString());
            assertTrue(recovered, recovered.contains("deleted the unfinished store of an earlier recover at " + store));
            assertTrue(recovered, recovered.contains("imported snapshot of block " + snap + " ("));
            assertTrue(recovered, recovered.contains("recovered home " + home + " from snapshot "
                    + home.resolve("snapshots").resolve(String.valueOf(snap)) + "; the damaged store is kept at " + aside
                    + " (delete it once the node runs)"));
            assertTrue(recovered, recovered.contains("it syncs the blocks after the snapshot's from its peers"));
            assertFalse(Files.exists(home.resolve("data/recover.pending")));
            assertTrue("the damaged store is kept", Files.isDirectory(aside));
            assertArrayEquals("the node keeps its key", nodeKey, Files.readAllBytes(home.resolve("keys/node.key")));
            cairn.start();
            assertServesTheSnapshotAndGoesOn(rpc, suite, genesis.chainId(), alice, sink, snap, sinkAtSnap, aliceAtSnap,
                    first, second);
            log(t0, "(d) recovered from the snapshot of block " + snap + "; committing again");
            passed = true;
        } finally {
            cairn.stop();
            if (!passed) {
                System.out.println(cairn.diagnostics());
            }
        }
    }

    /** The recovered node: the snapshot's block and balances, and new transfers commit after it. */
    private static void assertServesTheSnapshotAndGoesOn(RpcClient rpc, CryptoSuite suite, long chainId, Account alice,
            Address sink, long snap, BigInteger sinkAtSnap, BigInteger aliceAtSnap, Map<String, Long> first,
            Map<String, Long> second) {
        assertEquals("a one-node chain has no peer to sync from: it is at the snapshot's block", snap, rpc.blockNumber());
        assertEquals(sinkAtSnap, rpc.balance(sink));
        assertEquals(aliceAtSnap, rpc.balance(alice.address()));
        for (String tx : second.keySet()) {
            assertNull("a transfer of the blocks after the snapshot is not served", rpc.receipt(tx));
        }
        assertEquals("alice's nonce is the snapshot's", first.size(), rpc.nonce(alice.address()));
        Map<String, Long> more = transfers(rpc, suite, chainId, alice, sink, first.size(), 2);
        for (long block : more.values()) {
            assertTrue("committed after the snapshot's block", block > snap);
        }
        assertEquals(sinkAtSnap.add(BigInteger.valueOf(20)), rpc.balance(sink));
    }

    /** {@code count} transfers of 10 from alice, nonces from {@code nonce}; their blocks once all have receipts. */
    private static Map<String, Long> transfers(RpcClient rpc, CryptoSuite suite, long chainId, Account from, Address to,
            long nonce, int count) {
        List<SignedTransfer> txs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SignedTransfer tx = ChainTestSupport.transfer(suite, chainId, from, nonce + i, to, BigInteger.TEN);
            rpc.send(tx);
            txs.add(tx);
        }
        Map<String, Long> blocks = new LinkedHashMap<>();
        for (SignedTransfer tx : txs) {
            Map<String, Object> r = await("receipt of " + tx.hash(), COMMIT, () -> rpc.receipt(tx.hash()));
            assertEquals("status of " + tx.hash(), 0L, asLong(r.get("status")));
            blocks.put(tx.hash(), asLong(r.get("blockNumber")));
        }
        return blocks;
    }

    private static String blockHash(RpcClient rpc, long n) {
        Map<?, ?> b = (Map<?, ?>) rpc.call("getBlockByNumber", n, false);
        assertNotNull("block " + n, b);
        return String.valueOf(b.get("hash"));
    }

    /** A start that must be refused with {@code start} and the fix, quickly and without leaving a node behind. */
    private static void assertRefusedFor(Cairn.Result r, String start, Path home) {
        assertEquals(r.output(), 1, r.exit());
        String prefix = "error: the node refused to start: ";
        int at = r.output().indexOf(prefix);
        assertTrue(r.output(), at >= 0);
        String message = r.output().substring(at + prefix.length()).lines().findFirst().orElseThrow();
        assertTrue(message, message.startsWith(start));
        assertTrue(message, message.endsWith(". The node does not run on it: run ./cairn recover --home " + home
                + FIX_TAIL));
        assertFalse("no node left running", Files.exists(home.resolve("cairn.pid"))
                && pidAlive(home.resolve("cairn.pid")));
    }

    private static boolean pidAlive(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static Path newest(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .max(Comparator.comparing(f -> f.getFileName().toString()))
                    .orElseThrow(() -> new AssertionError("no " + suffix + " file in " + dir));
        }
    }

    private static void restore(Path pristine, Path store) throws IOException {
        deleteTree(store);
        copyTree(pristine, store);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The {@code cairn} command (launcher jar) run as a child process against one node home. */
    static final class Cairn {
        record Result(int exit, String output) {}

        private final Path work;
        private final Path home;
        private final Path jar;
        private final Path runtime;
        private final Set<Long> nodePids = new LinkedHashSet<>();
        private final List<Path> outputs = new ArrayList<>();

        Cairn(Path work, Path home) {
            this.work = work;
            this.home = home;
            this.jar = ChainTestSupport.repositoryRoot().resolve("launcher/target/cairn-launcher.jar");
            this.runtime = ChainTestSupport.runtimeDirectory();
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("no launcher jar at " + jar + ": build the launcher module first");
            }
        }

        String ok(String... args) throws IOException, InterruptedException {
            Result r = attempt(List.of(), args);
            if (r.exit() != 0) {
                fail("cairn " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.output());
            }
            return r.output();
        }

        Result attempt(List<String> jvm, String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm);
            command.add("-jar");
            command.add(jar.toString());
            command.addAll(List.of(args));
            Path output = work.resolve("cairn-" + (outputs.size() + 1) + "-" + args[0] + ".out");
            outputs.add(output);
            ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("CAIRN_RUNTIME", runtime.toString());
            Process p = pb.start();
            if (!p.waitFor(LAUNCHER.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail("cairn " + String.join(" ", args) + " did not finish within " + LAUNCHER.toSeconds() + " s:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        }

        /** start --detach, whatever it answers; the node it started is remembered, to be stopped. */
        Result startAttempt() throws IOException, InterruptedException {
            Result r = attempt(List.of(), "start", "--home", home.toString(), "--detach", "--timeout",
                    STARTUP.toSeconds() + "s");
            readPid().ifPresent(nodePids::add);
            return r;
        }

        void start() throws IOException, InterruptedException {
            Result r = startAttempt();
            if (r.exit() != 0) {
                fail("cairn start exited " + r.exit() + ":\n" + r.output());
            }
        }

        /** The pid of the node started last. */
        long pid() {
            return readPid().orElseThrow(() -> new AssertionError("no cairn.pid in " + home));
        }

        private Optional<Long> readPid() {
            try {
                return Optional.of(Long.parseLong(Files.readString(home.resolve("cairn.pid"),
                        StandardCharsets.US_ASCII).strip()));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** stop --home; whatever node process still lives afterwards is killed, so none outlives the test. */
        void stop() throws IOException, InterruptedException {
            if (readPid().map(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).orElse(false)) {
                Result r = attempt(List.of(), "stop", "--home", home.toString());
                if (r.exit() != 0) {
                    System.out.println("cairn stop exited " + r.exit() + ":\n" + r.output());
                }
            }
            CrashRecoveryIT.Launcher.awaitExitOrKill(nodePids);
        }

        String diagnostics() {
            StringBuilder b = new StringBuilder("---- diagnostics (" + work + ")\n");
            try {
                for (Path f : outputs) {
                    b.append("== ").append(f.getFileName()).append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
                }
                for (String log : List.of("logs/node.log", "logs/recover.log")) {
                    Path p = home.resolve(log);
                    if (Files.exists(p)) {
                        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
                        b.append("== ").append(log).append(" (last 80 lines)\n");
                        lines.subList(Math.max(0, lines.size() - 80), lines.size()).forEach(l -> b.append(l).append('\n'));
                    }
                }
            } catch (IOException | RuntimeException e) {
                b.append("(diagnostics incomplete: ").append(e).append(")\n");
            }
            return b.toString();
        }
    }
}
