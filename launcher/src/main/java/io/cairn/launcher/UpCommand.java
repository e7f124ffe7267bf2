package io.cairn.launcher;

import io.cairn.launcher.node.ChainInit;
import io.cairn.launcher.node.FeatureSource;
import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.NodeInit;
import io.cairn.launcher.node.PidFile;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Init a one-node chain if needed and start it in the background; print how to use it.",
                "With --nodes N: a local chain of N PBFT nodes on loopback, one process each."})
final class UpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "node home (default: " + NodeHome.DEFAULT_DIR + "; with --nodes: " + InitCommand.CHAIN_DIR + ")")
    Path dir;

    /** What a home created now runs (an existing home keeps what it was created with). */
    @Mixin
    EngineOptions engines;

    @Option(names = "--nodes", paramLabel = "N", description = "a local chain of N consensus nodes (one process each)")
    Integer nodes;

    @Option(names = "--suite", paramLabel = "SUITE", defaultValue = "secp256k1",
            description = "crypto suite when the home is created (default: ${DEFAULT-VALUE})")
    String suite;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", description = "start timeout (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (nodes != null || (dir != null && ChainInit.isChain(dir))) {
            return upChain(out);
        }
        if (dir == null) {
            dir = Path.of(NodeHome.DEFAULT_DIR);
        }
        NodeHome h = new NodeHome(dir);
        if (!h.isInitialized()) {
            startStorageCluster(out);
            String profile = engineSpec(1, false);
            NodeInit.Options o = new NodeInit.Options(dir, profile, suite, 1, List.of("alice", "bob", "carol"),
                    BigInteger.valueOf(1_000_000_000L), 20200, false);
            try {
                o.validate();
                engines.finishHome(NodeInit.init(o, FeatureSource.bundled(), System.currentTimeMillis()).home(),
                        -1);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            out.println("initialized node home " + h + " (engines " + profile + ", suite " + suite + ")");
        }
        Optional<ProcessHandle> running = new PidFile(h.pidFile()).liveProcess();
        if (running.isPresent()) {
            out.println("node already running, pid " + running.get().pid());
        } else {
            StartCommand.startDetached(h, timeout, out);
        }
        String d = h.dir().toString();
        out.println();
        out.println("Cairn is up.");
        out.println("  JSON-RPC   " + h.rpcEndpoint());
        out.println("  node home  " + d);
        out.println("  accounts   " + String.join(", ", h.accounts()) + "   (keys in " + h.accountKeys() + ")");
        out.println();
        out.println("  shell      ./cairn shell --home " + d);
        out.println("             ./cairn shell --home " + d + " -c cairn:status");
        out.println("  transfer   ./cairn tx transfer --home " + d + " --from alice --to bob --amount 5");
        out.println("  query      ./cairn query --home " + d + " height");
        out.println("  stop       ./cairn down" + (dir.equals(Path.of(NodeHome.DEFAULT_DIR)) ? "" : " --dir " + d));
        out.flush();
        return 0;
    }

    /**
     * {@code --storage ignite} without {@code --storage-endpoints}: starts the storage cluster of {@code cairn storage
     * up} (or the servers of it that are not running) and gives the new home(s) its endpoints.
     */
    private void startStorageCluster(PrintWriter out) throws Exception {
        if (!EngineOptions.CLUSTER_ENGINE.equals(engines.storage) || engines.storageEndpoints != null) {
            return;
        }
        io.cairn.launcher.cluster.ClusterLayout layout = StorageCommand.start(Path.of(StorageCommand.DEFAULT_DIR), null,
                null, null, null, Duration.ofSeconds(180), out);
        engines.storageEndpoints = String.join(",", layout.endpoints());
    }

    /** What the new home(s) run, or a usage error naming what cannot work. */
    private String engineSpec(int sealers, boolean chain) {
        try {
            return engines.spec(sealers, chain, FeatureSource.bundled());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private int upChain(PrintWriter out) throws Exception {
        Path d = dir != null ? dir : Path.of(InitCommand.CHAIN_DIR);
        if (!ChainInit.isChain(d)) {
            startStorageCluster(out);
            int n = nodes != null ? nodes : 4;
            ChainInit.Options o = new ChainInit.Options(d, n, 0, engineSpec(n, true), suite, 1,
                    List.of("alice", "bob", "carol"), BigInteger.valueOf(1_000_000_000L), 20200, ChainInit.P2P_PORT,
                    NodeInit.SSH_PORT, false);
            try {
                ChainInit.Result r = ChainInit.init(o, FeatureSource.bundled(), System.currentTimeMillis());
                for (int i = 0; i < r.nodes().size(); i++) {
                    engines.finishHome(r.nodes().get(i).home(), i);
                }
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            out.println("initialized a chain of " + n + " nodes in " + d + " (engines " + o.profile() + ", suite " + suite + ")");
        }
        List<NodeHome> homes = ChainInit.homes(d);
        for (NodeHome h : homes) {
            Optional<ProcessHandle> running = new PidFile(h.pidFile()).liveProcess();
            if (running.isPresent()) {
                out.println(h + ": already running, pid " + running.get().pid());
            } else {
                StartCommand.startDetached(h, timeout, out);
            }
        }
        out.println();
        out.println("A chain of " + homes.size() + " nodes is up in " + d + ".");
        for (int i = 0; i < homes.size(); i++) {
            out.printf("  node%d  JSON-RPC %s   shell: ./cairn shell --home %s%n", i, homes.get(i).rpcEndpoint(), homes.get(i).dir());
        }
        out.println("  transfer   ./cairn tx transfer --home " + homes.get(0).dir() + " --from alice --to bob --amount 5");
        out.println("  peers      ./cairn query --home " + homes.get(1 % homes.size()).dir() + " info");
        out.println("  bench      ./cairn bench --home " + homes.get(0).dir());
        out.println("  stop       ./cairn down --dir " + d);
        out.flush();
        return 0;
    }
}
