package io.cairn.itests;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A chain of node processes as a user makes one: {@code cairn init --nodes N} in a fresh work directory, on loopback
 * ports of its own, then one detached {@code cairn start} per node. Holds a launcher (a folder of its own for each
 * node's CLI runs), a JSON-RPC client and the home of every node, and stops them all.
 */
final class LocalChain {
    final Path work;
    /** The folder {@code init} made: {@code node0} .. {@code node<N-1>}. */
    final Path dir;
    final int rpcPort;
    final int p2pPort;
    final int sshPort;
    final List<CrashRecoveryIT.Launcher> launchers = new ArrayList<>();
    final List<RpcClient> rpcs = new ArrayList<>();
    final List<Path> homes = new ArrayList<>();
    /** The last pid of each node's process (-1 before it first started). */
    final long[] pids;

    private LocalChain(Path work, int nodes) {
        this.work = work;
        this.dir = work.resolve("chain");
        this.rpcPort = ChainIT.freeRange(nodes);
        this.p2pPort = ChainIT.freeRange(nodes);
        this.sshPort = ChainIT.freeRange(nodes);
        this.pids = new long[nodes];
        java.util.Arrays.fill(pids, -1);
    }

    /**
     * Runs {@code cairn init --nodes nodes --dir ... --rpc-port ... --p2p-port ... --ssh-port ...} followed by
     * {@code initArgs} (for example {@code --accounts a,b} or {@code --ledger dag}) in a new work directory named
     * after {@code name}. Starts nothing.
     */
    static LocalChain init(String name, int nodes, String... initArgs) throws IOException, InterruptedException {
        return init(name, nodes, 0, initArgs);
    }

    /** As {@link #init(String, int, String...)}, with {@code observers} more nodes that follow without voting. */
    static LocalChain init(String name, int nodes, int observers, String... initArgs)
            throws IOException, InterruptedException {
        int all = nodes + observers;
        LocalChain c = new LocalChain(ChainTestSupport.newWorkDirectory(name), all);
        List<String> args = new ArrayList<>(List.of("init", "--nodes", String.valueOf(nodes), "--dir", c.dir.toString(),
                "--rpc-port", String.valueOf(c.rpcPort), "--p2p-port", String.valueOf(c.p2pPort), "--ssh-port",
                String.valueOf(c.sshPort)));
        if (observers > 0) {
            args.addAll(List.of("--observers", String.valueOf(observers)));
        }
        args.addAll(List.of(initArgs));
        new CrashRecoveryIT.Launcher(Files.createDirectories(c.work.resolve("cli-init")), c.dir.resolve("node0"))
                .run(args.toArray(String[]::new));
        for (int i = 0; i < all; i++) {
            c.homes.add(c.dir.resolve("node" + i));
            c.launchers.add(new CrashRecoveryIT.Launcher(Files.createDirectories(c.work.resolve("cli-node" + i)),
                    c.homes.get(i)));
            c.rpcs.add(new RpcClient(c.rpcPort + i));
        }
        return c;
    }

    int size() {
        return homes.size();
    }

    /** Starts (or restarts) node {@code n} detached and waits for it to answer; returns its pid. */
    long start(int n) throws IOException, InterruptedException {
        pids[n] = launchers.get(n).startDetached(pids[n]);
        return pids[n];
    }

    /** As {@link #start(int)}, allowing the node {@code startup} to come up (a machine the chain's load saturates). */
    long start(int n, Duration startup) throws IOException, InterruptedException {
        pids[n] = launchers.get(n).startDetached(pids[n], startup);
        return pids[n];
    }

    /**
     * Starts node {@code n} with {@code start --join} (it joins the chain by state sync first), allowing it
     * {@code startup} for the join and the start; returns what start printed.
     */
    String startJoining(int n, Duration startup) throws IOException, InterruptedException {
        pids[n] = launchers.get(n).startDetached(pids[n], startup, "--join");
        return launchers.get(n).output();
    }

    /**
     * Starts every node at once, each process on a thread of its own (a PBFT node waits for a quorum of its
     * peers, so one at a time is slower), and waits for all within {@code timeout}, which each node is given to come
     * up (several JVMs starting at once on two cores take longer than one alone).
     */
    void startTogether(Duration timeout) throws Exception {
        startTogether(timeout, size());
    }

    /** As {@link #startTogether(Duration)}, for nodes 0 to {@code count - 1} only. */
    void startTogether(Duration timeout, int count) throws Exception {
        ExecutorService starting = Executors.newFixedThreadPool(count);
        try {
            List<Future<Long>> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                started.add(starting.submit(() -> start(n, timeout)));
            }
            // each start is given the launcher's own limit (timeout + 30 s) and more, so that a node that does not
            // come up fails with the launcher's account of it (which engines are not ready) rather than a bare timeout
            for (Future<Long> f : started) {
                f.get(timeout.toMillis() + 60_000, TimeUnit.MILLISECONDS);
            }
        } finally {
            starting.shutdownNow();
        }
    }

    /**
     * Continuous transfers to {@code sink}: sender {@code i} of {@code senders} through node {@code i}, each on a
     * thread of {@code pool} until {@code stop} ({@link UpgradeIT#send}); returns their futures.
     */
    List<Future<?>> load(ExecutorService pool, List<String> senders, io.cairn.api.chain.Address sink,
            Map<String, Boolean> accepted, java.util.concurrent.atomic.AtomicLong retries,
            java.util.concurrent.atomic.AtomicBoolean stop) throws IOException {
        CryptoSuite suite = suite();
        long chainId = chainId();
        List<Future<?>> sending = new ArrayList<>();
        for (int i = 0; i < senders.size(); i++) {
            Account from = account(senders.get(i), suite);
            RpcClient via = rpcs.get(i);
            sending.add(pool.submit(() -> {
                UpgradeIT.send(via, suite, chainId, from, sink, accepted, retries, stop);
                return null;
            }));
        }
        return sending;
    }

    /** The chain's crypto suite, as node0 names it. */
    CryptoSuite suite() {
        return Suites.byName((String) ((Map<?, ?>) rpcs.get(0).call("getNodeInfo")).get("suite"));
    }

    long chainId() {
        return ChainTestSupport.asLong(((Map<?, ?>) rpcs.get(0).call("getNodeInfo")).get("chainId"));
    }

    /** An account whose key {@code init --accounts} wrote. */
    Account account(String name, CryptoSuite suite) throws IOException {
        return Account.of(name, KeyFiles.read(homes.get(0).resolve("keys/accounts/" + name + ".key")), suite);
    }

    /** Runs one Gogo command in node {@code n}'s shell; fails unless it succeeds. */
    String shell(int n, String command) throws Exception {
        return UpgradeIT.shell(launchers.get(n), homes.get(n), command);
    }

    /** Runs one Gogo command in node {@code n}'s shell and returns its output whatever it says (a refusal). */
    String attemptShell(int n, String command) throws IOException, InterruptedException {
        return launchers.get(n).attempt("shell", "--home", homes.get(n).toString(), "-c", command);
    }

    /**
     * A copy of {@code jar} in {@code jars/node<n>} with a signature by node {@code n}'s operator key beside it
     * (each node trusts its own operator), in the suite node0 names; the bytes, so the hash, stay the same.
     */
    Path signedCopy(Path jar, Path jars, int n) throws IOException {
        Path copy = Files.createDirectories(jars.resolve("node" + n)).resolve(jar.getFileName());
        Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        UpgradeIT.sign(copy, suite(), KeyFiles.read(homes.get(n).resolve("keys/operator.key")));
        return copy;
    }

    /** Kills node {@code n}'s process at once (no shutdown) and waits for it to be gone. */
    void kill(int n) {
        ProcessHandle.of(pids[n]).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
    }

    /** Stops every node; when the test did not pass, first prints what each node's launcher saw. */
    void stop(boolean passed) {
        if (!passed) {
            for (CrashRecoveryIT.Launcher l : launchers) {
                System.out.println(l.diagnostics());
            }
        }
        for (CrashRecoveryIT.Launcher l : launchers) {
            try {
                l.stop();
            } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
                System.out.println("stopping a node: " + e);
            }
        }
    }
}
