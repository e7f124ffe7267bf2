package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.RpcError;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/**
 * A real node process, started by the launcher, is killed with SIGKILL while transfers flow, then
 * started again: nothing that was committed (had a receipt) is lost, the height never goes back, no
 * value is created or destroyed, and the remaining transfers commit on the recovered chain.
 */
public class CrashRecoveryIT {
    static final int TRANSFERS = 1000;
    static final int KILL_AFTER_RECEIPTS = TRANSFERS / 2;
    /** Transfers a sender sends before waiting for their receipts, so blocks keep coming while the node dies. */
    static final int BATCH = 25;
    static final List<String> ACCOUNTS = List.of("alice", "bob", "carol");
    static final Duration LAUNCHER = Duration.ofSeconds(60);
    /** Shorter than {@link #LAUNCHER}, so that the launcher reports a node that does not come up, not the test. */
    static final Duration STARTUP = Duration.ofSeconds(30);
    static final Duration COMMIT = Duration.ofSeconds(30);

    @Test
    public void committedTransfersSurviveSigkill() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("crash");
        Path home = work.resolve("node");
        int port = ChainTestSupport.freeLoopbackPort();
        Launcher cairn = new Launcher(work, home);
        cairn.run("init", "--dir", home.toString(), "--rpc-port", String.valueOf(port));
        try {
            long firstPid = cairn.startDetached(-1);
            RpcClient rpc = new RpcClient(port);
            awaitChain(rpc);
            log(t0, "node started (pid " + firstPid + ")");

            Genesis genesis;
            try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
                genesis = Genesis.read(in);
            }
            CryptoSuite suite = Suites.byName(genesis.suite());
            List<Account> senders = new ArrayList<>();
            for (String name : ACCOUNTS) {
                Account a = Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite);
                assertTrue(name + " is funded in genesis", genesis.alloc().containsKey(a.address()));
                senders.add(a);
            }
            List<Address> recipients = new ArrayList<>();
            senders.forEach(a -> recipients.add(a.address()));
            for (int i = 0; i < 4; i++) {
                recipients.add(Account.generate("recipient" + i, suite).address());
            }
            Set<Address> watched = new LinkedHashSet<>(genesis.alloc().keySet());
            watched.addAll(recipients);
            assertEquals("supply at the start", genesis.totalSupply(), supply(rpc, watched));

            Map<Account, List<SignedTransfer>> plan = plan(rpc, suite, genesis.chainId(), senders, recipients);

            // ---- phase 1: transfers flow from one thread per sender; the node is killed midway
            Map<String, Long> receiptedBeforeKill = new ConcurrentHashMap<>();
            AtomicLong highestSeen = new AtomicLong(-1);
            AtomicBoolean killed = new AtomicBoolean();
            ExecutorService senderThreads = Executors.newFixedThreadPool(senders.size());
            List<Future<?>> sending = new ArrayList<>();
            for (Account sender : senders) {
                sending.add(senderThreads.submit(() -> sendUntilKilled(rpc, plan.get(sender), receiptedBeforeKill, highestSeen, killed)));
            }
            try {
                await(KILL_AFTER_RECEIPTS + " receipts before the kill", COMMIT, () -> {
                    firstFailure(sending);
                    return receiptedBeforeKill.size() >= KILL_AFTER_RECEIPTS ? Boolean.TRUE : null;
                });
                highestSeen.accumulateAndGet(rpc.blockNumber(), Math::max);
                killed.set(true);
                ProcessHandle node = ProcessHandle.of(firstPid).orElseThrow(() -> new AssertionError("node " + firstPid + " is gone before the kill"));
                node.destroyForcibly();
                node.onExit().get(20, TimeUnit.SECONDS);
            } finally {
                killed.set(true);
                senderThreads.shutdown();
                assertTrue("sender threads stop after the kill", senderThreads.awaitTermination(COMMIT.toSeconds(), TimeUnit.SECONDS));
            }
            firstFailure(sending);
            Map<String, Long> committed = Map.copyOf(receiptedBeforeKill);
            log(t0, "killed node " + firstPid + " with " + committed.size() + " receipted transfers, highest block seen " + highestSeen.get());
            assertTrue("the kill came midway, not after everything was committed", committed.size() < TRANSFERS);

            // ---- restart on the same home
            long secondPid = cairn.startDetached(firstPid);
            assertNotEquals("a new node process", firstPid, secondPid);
            awaitChain(rpc);
            log(t0, "node restarted (pid " + secondPid + ")");

            long heightAfterRestart = rpc.blockNumber();
            assertTrue("height after restart " + heightAfterRestart + " >= highest seen before the kill " + highestSeen.get(),
                    heightAfterRestart >= highestSeen.get());
            for (Map.Entry<String, Long> e : committed.entrySet()) {
                Map<String, Object> receipt = rpc.receipt(e.getKey());
                assertNotNull("receipt of " + e.getKey() + " (block " + e.getValue() + ") survived the crash", receipt);
                assertEquals("block of " + e.getKey(), (long) e.getValue(), asLong(receipt.get("blockNumber")));
                assertEquals("status of " + e.getKey(), 0L, asLong(receipt.get("status")));
            }
            assertEquals("supply after the crash", genesis.totalSupply(), supply(rpc, watched));

            // ---- phase 2: what has no receipt yet is sent again (a pool that kept it answers "duplicate")
            for (Account sender : senders) {
                resend(rpc, plan.get(sender));
            }
            Map<String, Long> all = new HashMap<>();
            for (List<SignedTransfer> txs : plan.values()) {
                for (SignedTransfer tx : txs) {
                    Map<String, Object> receipt = await("receipt of " + tx.hash() + " after the restart", COMMIT, () -> rpc.receipt(tx.hash()));
                    assertEquals("status of " + tx.hash() + ": " + receipt, 0L, asLong(receipt.get("status")));
                    all.put(tx.hash(), asLong(receipt.get("blockNumber")));
                }
            }
            assertEquals(TRANSFERS, all.size());
            committed.forEach((hash, block) -> assertEquals("block of " + hash + " unchanged", block, all.get(hash)));
            assertTrue("height never goes back", rpc.blockNumber() >= heightAfterRestart);

            Map<Address, BigInteger> expected = new HashMap<>();
            watched.forEach(a -> expected.put(a, genesis.alloc().getOrDefault(a, BigInteger.ZERO)));
            plan.values().forEach(txs -> txs.forEach(tx -> {
                expected.merge(tx.from().address(), tx.value().negate(), BigInteger::add);
                expected.merge(tx.to(), tx.value(), BigInteger::add);
            }));
            for (Address a : watched) {
                assertEquals("balance of " + a, expected.get(a), rpc.balance(a));
            }
            for (Account sender : senders) {
                assertEquals("nonce of " + sender.name(), plan.get(sender).size(), rpc.nonce(sender.address()));
            }
            assertEquals("supply at the end", genesis.totalSupply(), supply(rpc, watched));
            log(t0, "all " + TRANSFERS + " transfers committed, height " + rpc.blockNumber());
        } catch (Throwable failure) {
            System.out.println(cairn.diagnostics());
            throw failure;
        } finally {
            cairn.stop();
        }
        log(t0, "CrashRecoveryIT done");
    }

    /** Each sender's transfers, nonces from the chain, a third of {@link #TRANSFERS} each. */
    private static Map<Account, List<SignedTransfer>> plan(RpcClient rpc, CryptoSuite suite, long chainId, List<Account> senders,
            List<Address> recipients) {
        Random random = new Random(42);
        Map<Account, List<SignedTransfer>> plan = new HashMap<>();
        for (int s = 0; s < senders.size(); s++) {
            Account sender = senders.get(s);
            long nonce = rpc.nonce(sender.address());
            int count = TRANSFERS / senders.size() + (s < TRANSFERS % senders.size() ? 1 : 0);
            List<SignedTransfer> txs = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Address to = recipients.get(random.nextInt(recipients.size()));
                txs.add(ChainTestSupport.transfer(suite, chainId, sender, nonce + i, to, BigInteger.valueOf(1 + random.nextInt(1000))));
            }
            plan.put(sender, txs);
        }
        return plan;
    }

    /**
     * Sends a sender's transfers in batches and records each receipt it sees, until done or the node is
     * killed; errors after the kill are expected and end the loop.
     */
    private static void sendUntilKilled(RpcClient rpc, List<SignedTransfer> txs, Map<String, Long> receipted, AtomicLong highestSeen,
            AtomicBoolean killed) {
        try {
            for (int from = 0; from < txs.size() && !killed.get(); from += BATCH) {
                List<SignedTransfer> batch = txs.subList(from, Math.min(txs.size(), from + BATCH));
                for (SignedTransfer tx : batch) {
                    if (killed.get()) {
                        return;
                    }
                    assertEquals("hash answered by sendTransaction", tx.hash(), rpc.send(tx));
                }
                for (SignedTransfer tx : batch) {
                    Optional<Map<String, Object>> receipt = await("receipt of " + tx.hash(), COMMIT, () -> {
                        if (killed.get()) {
                            return Optional.empty();
                        }
                        Map<String, Object> r = rpc.receipt(tx.hash());
                        return r == null ? null : Optional.of(r);
                    });
                    if (receipt.isEmpty()) {
                        return;
                    }
                    long block = asLong(receipt.get().get("blockNumber"));
                    receipted.put(tx.hash(), block);
                    highestSeen.accumulateAndGet(block, Math::max);
                }
            }
        } catch (RuntimeException | AssertionError e) {
            if (!killed.get()) {
                throw e;
            }
        }
    }

    /** Sends again, in nonce order, every transfer that has no receipt. */
    private static void resend(RpcClient rpc, List<SignedTransfer> txs) {
        for (SignedTransfer tx : txs) {
            if (rpc.receipt(tx.hash()) != null) {
                continue;
            }
            try {
                assertEquals("hash answered by sendTransaction", tx.hash(), rpc.send(tx));
            } catch (RpcError e) {
                // still pending from before the crash, or committed since the receipt check
                if (e.code != RpcClient.DUPLICATE && e.code != RpcClient.NONCE_REPLAYED) {
                    throw e;
                }
            }
        }
    }

    private static BigInteger supply(RpcClient rpc, Set<Address> addresses) {
        BigInteger sum = BigInteger.ZERO;
        for (Address a : addresses) {
            sum = sum.add(rpc.balance(a));
        }
        return sum;
    }

    private static void awaitChain(RpcClient rpc) {
        await("the node's JSON-RPC answering getBlockNumber", STARTUP, () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
    }

    private static void firstFailure(List<Future<?>> tasks) {
        for (Future<?> f : tasks) {
            if (f.isDone()) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("a sender failed before the kill: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    private static void log(long t0, String what) {
        System.out.printf("[%6d ms] %s%n", (System.nanoTime() - t0) / 1_000_000, what);
    }

    /** The {@code cairn} command (launcher jar) run as a child process against one node home. */
    static final class Launcher {
        private final Path work;
        private final Path home;
        private final Path jar;
        private final Path runtime;
        private final Set<Long> nodePids = new LinkedHashSet<>();
        private int runs;

        Launcher(Path work, Path home) {
            this.work = work;
            this.home = home;
            this.jar = ChainTestSupport.repositoryRoot().resolve("launcher/target/cairn-launcher.jar");
            this.runtime = ChainTestSupport.runtimeDirectory();
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("no launcher jar at " + jar + ": build the launcher module first");
            }
        }

        /** Runs one command to completion; fails with its output unless it exits 0. */
        String run(String... args) throws IOException, InterruptedException {
            int exit = runForExit(args);
            String output = output();
            if (exit != 0) {
                fail("cairn " + String.join(" ", args) + " exited " + exit + ":\n" + output);
            }
            return output;
        }

        /** Runs one command to completion and returns its output whatever its exit code (a refusal the test reads). */
        String attempt(String... args) throws IOException, InterruptedException {
            runForExit(args);
            return output();
        }

        private Path lastOutput;

        private int runForExit(String... args) throws IOException, InterruptedException {
            return runForExit(LAUNCHER, args);
        }

        /** Runs one command, killing it when it takes longer than {@code limit}. */
        private int runForExit(Duration limit, String... args) throws IOException, InterruptedException {
            if (args[0].equals("shell")) {
                return runInThisJvm(limit, args);
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-jar");
            command.add(jar.toString());
            command.addAll(List.of(args));
            lastOutput = work.resolve("cairn-" + (++runs) + "-" + args[0] + ".out");
            ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(lastOutput.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
            pb.environment().put("CAIRN_RUNTIME", runtime.toString());
            Process p = pb.start();
            if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("cairn " + String.join(" ", args) + " did not finish within " + limit.toSeconds() + " s:\n" + output());
            }
            return p.exitValue();
        }

        /**
         * {@code cairn shell}, the command tests run most (dozens of times in a chain test), run by the launcher jar's
         * own classes loaded once into this JVM: a JVM started for each took seconds of two busy cores. Output and
         * exit code are the same ({@code Main.run}); the output goes to the same file as a child process's.
         */
        private int runInThisJvm(Duration limit, String... args) throws IOException, InterruptedException {
            lastOutput = work.resolve("cairn-" + (++runs) + "-" + args[0] + ".out");
            java.io.StringWriter text = new java.io.StringWriter();
            java.io.PrintWriter writer = new java.io.PrintWriter(text, true);
            java.lang.reflect.Method main = launcherMain(jar);
            java.util.concurrent.FutureTask<Integer> task = new java.util.concurrent.FutureTask<>(
                    () -> (Integer) main.invoke(null, writer, writer, args));
            Thread thread = new Thread(task, "cairn " + String.join(" ", args));
            thread.setDaemon(true);
            // sshd loads its security registrars through the context class loader: the launcher's, not the tests'
            // (the tests' classpath has sshd classes of its own, and a registrar of the wrong loader broke sshd's
            // static setup for the rest of the JVM)
            thread.setContextClassLoader(main.getDeclaringClass().getClassLoader());
            thread.start();
            try {
                return task.get(limit.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                thread.interrupt();
                writer.flush();
                Files.writeString(lastOutput, text.toString(), StandardCharsets.UTF_8);
                fail("cairn " + String.join(" ", args) + " did not finish within " + limit.toSeconds() + " s:\n" + output());
                return -1;
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause() instanceof java.lang.reflect.InvocationTargetException i ? i.getCause()
                        : e.getCause();
                throw new AssertionError("cairn " + String.join(" ", args) + " threw " + cause, cause);
            } finally {
                writer.flush();
                Files.writeString(lastOutput, text.toString(), StandardCharsets.UTF_8);
            }
        }

        private static java.lang.reflect.Method launcherMain;

        /** {@code io.cairn.launcher.Main.run(out, err, args)} from the jar and its Class-Path, apart from the tests'. */
        private static synchronized java.lang.reflect.Method launcherMain(Path jar) throws IOException {
            if (launcherMain == null) {
                try {
                    ClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()},
                            ClassLoader.getPlatformClassLoader());
                    launcherMain = Class.forName("io.cairn.launcher.Main", true, loader).getMethod("run",
                            java.io.PrintWriter.class, java.io.PrintWriter.class, String[].class);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("no io.cairn.launcher.Main.run in " + jar, e);
                }
            }
            return launcherMain;
        }

        private static java.io.File nullDevice() {
            return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
        }

        /** What the last command printed. */
        String output() throws IOException {
            return lastOutput == null || !Files.exists(lastOutput) ? "" : Files.readString(lastOutput, StandardCharsets.UTF_8);
        }

        /** start --detach, then the pid of the new node from cairn.pid (it must differ from {@code previousPid}). */
        long startDetached(long previousPid) throws IOException, InterruptedException {
            return startDetached(previousPid, STARTUP);
        }

        /**
         * As {@link #startDetached(long)}, allowing the node {@code startup} to come up, with {@code options} after
         * the start command's own (such as {@code --join}); {@link #output} is then what start printed.
         */
        long startDetached(long previousPid, Duration startup, String... options) throws IOException,
                InterruptedException {
            List<String> args = new ArrayList<>(List.of("start", "--home", home.toString(), "--detach", "--timeout",
                    startup.toSeconds() + "s"));
            args.addAll(List.of(options));
            // the launcher reports a node that does not come up within startup; this limit is for a launcher that hangs
            Duration limit = startup.plusSeconds(30).compareTo(LAUNCHER) > 0 ? startup.plusSeconds(30) : LAUNCHER;
            if (runForExit(limit, args.toArray(String[]::new)) != 0) {
                fail("cairn " + String.join(" ", args) + " exited non-zero:\n" + output());
            }
            long pid = await("a live node pid in " + home.resolve("cairn.pid"), startup, () -> {
                try {
                    long p = Long.parseLong(Files.readString(home.resolve("cairn.pid"), StandardCharsets.US_ASCII).strip());
                    return p != previousPid && ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false) ? p : null;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            nodePids.add(pid);
            return pid;
        }

        /** stop --home; whatever node process still lives afterwards is killed, so none outlives the test. */
        void stop() throws IOException, InterruptedException {
            try {
                int exit = runForExit("stop", "--home", home.toString());
                if (exit != 0) {
                    System.out.println("cairn stop exited " + exit + ":\n" + output());
                }
            } finally {
                awaitExitOrKill(nodePids);
            }
        }

        /** Waits up to 20 s for each node process that still lives to exit after a stop, and kills it if it does not. */
        static void awaitExitOrKill(Iterable<Long> pids) throws InterruptedException {
            for (long pid : pids) {
                Optional<ProcessHandle> p = ProcessHandle.of(pid);
                if (p.isPresent() && p.get().isAlive()) {
                    try {
                        p.get().onExit().get(20, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                        System.out.println("node " + pid + " still alive after stop: killing it");
                        p.get().destroyForcibly();
                    }
                }
            }
        }

        /** The launcher outputs and the node log, for a failure report; never throws, so it cannot hide the failure. */
        String diagnostics() {
            try {
                return collectDiagnostics();
            } catch (IOException | RuntimeException e) {
                return "---- no diagnostics from " + work + ": " + e;
            }
        }

        private String collectDiagnostics() throws IOException {
            StringBuilder b = new StringBuilder("---- diagnostics (" + work + ")\n");
            try (var files = Files.list(work)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".out")).sorted().toList()) {
                    b.append("== ").append(f.getFileName()).append('\n').append(tail(f, 40));
                }
            }
            Path logs = home.resolve("logs");
            if (Files.isDirectory(logs)) {
                try (var files = Files.list(logs)) {
                    for (Path f : files.sorted().toList()) {
                        b.append("== ").append(f).append('\n').append(tail(f, 80));
                    }
                }
            }
            return b.toString();
        }

        private static String tail(Path file, int lines) throws IOException {
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        }
    }
}
