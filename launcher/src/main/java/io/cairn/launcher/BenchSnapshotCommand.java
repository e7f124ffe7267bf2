package io.cairn.launcher;

import io.cairn.launcher.bench.SnapshotBench;
import io.cairn.launcher.node.ChainInit;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-snapshot", mixinStandardHelpOptions = true,
        description = {"Measure snapshots on a chain of this machine: a one-sealer PBFT chain with two observers "
                + "(RocksDB, in --dir) commits --transactions transfers, each to a new account (or, with --no-new-accounts, "
                + "to another sender); then node0 exports a "
                + "snapshot at its head (export rate), observer node1 joins by state sync and follows to the head "
                + "(fetch, proof and write rates, time to join), and observer node2 replays the chain from genesis by "
                + "block sync (time to replay). Writes bench-snapshot.json and bench-snapshot.md with the verdict "
                + "against the target (join at least 10x faster than replay).",
                "Every node it starts is stopped at the end."})
final class BenchSnapshotCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".cairn/bench-snapshot",
            description = "the chain's directory, made anew (default: ${DEFAULT-VALUE}; an earlier one is wiped)")
    Path dir;

    @Option(names = "--transactions", paramLabel = "N", defaultValue = "1000000",
            description = "transfers to commit, each to a new account (default: ${DEFAULT-VALUE})")
    long transactions;

    @Option(names = "--senders", paramLabel = "N", defaultValue = "2000",
            description = "sending accounts (default: ${DEFAULT-VALUE})")
    int senders;

    @Option(names = "--new-accounts", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "send each transfer to a new account, so that the state grows with the chain (default); "
                    + "--no-new-accounts sends each to another sender, so that the state stays small")
    boolean newAccounts;

    @Option(names = "--out", paramLabel = "DIR", description = "report directory (default: DIR/bench)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (transactions < 1 || senders < 1) {
            throw new CommandFailure("--transactions and --senders must be at least 1");
        }
        Path chain = dir.toAbsolutePath();
        int[] ports = freePorts(9);
        run("init", "--nodes", "1", "--observers", "2", "--dir", chain.toString(), "--force",
                "--rpc-port", Integer.toString(ports[0]), "--p2p-port", Integer.toString(ports[3]),
                "--ssh-port", Integer.toString(ports[6]), "--accounts", "funder");
        List<NodeHome> homes = ChainInit.homes(chain);
        List<Path> paths = new ArrayList<>();
        List<URI> rpcs = new ArrayList<>();
        for (NodeHome h : homes) {
            paths.add(h.dir());
            rpcs.add(URI.create(h.rpcEndpoint()));
        }
        byte[] funder = Accounts.privateKey("funder", homes.get(0), "--from");
        SnapshotBench bench = new SnapshotBench(new SnapshotBench.Settings(chain, transactions, senders, newAccounts,
                out != null ? out : chain.resolve("bench")), this::run, System.out);
        bench.run(paths, rpcs, funder);
        return 0;
    }

    /** Runs a cairn command line in this process; its output is echoed, and answered. */
    private String run(String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        System.out.print(out);
        if (code != 0) {
            throw new IOException("cairn " + String.join(" ", args) + " exited " + code + ": " + err + out);
        }
        return out.toString();
    }

    /** {@code n} consecutive free loopback ports, as init gives consecutive ports to its nodes. */
    private static int[] freePorts(int n) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket s = new ServerSocket(0)) {
                base = s.getLocalPort();
            }
            if (base + n > 65_000) {
                continue;
            }
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = base + i;
                }
                return out;
            }
        }
        throw new IOException("no " + n + " consecutive free ports found");
    }
}
