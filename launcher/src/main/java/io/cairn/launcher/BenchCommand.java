package io.cairn.launcher;

import io.cairn.launcher.bench.Bench;
import io.cairn.launcher.bench.Profile;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Load-test a running node: fund fresh accounts, sign every transfer before the clock starts, "
                + "send them in JSON-RPC batches for the given time, and report committed TPS, latency p50/p99, "
                + "rejections and node memory beside this machine's signature-verification bound (bench.json, bench.md)."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EndpointOptions endpoint;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "30s", converter = DurationConverter.class,
            description = "how long to send (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "TIME", converter = DurationConverter.class,
            description = "send for this long first without measuring, so the nodes' JIT has compiled (default: 10s; with --chain 60s: "
                    + "nodes sharing the cores take about a minute of load to compile; 0s: none)")
    Duration warmup;

    @Option(names = "--accounts", defaultValue = "1000", description = "sending accounts (default: ${DEFAULT-VALUE})")
    int accounts;

    @Option(names = "--batch", defaultValue = "250", description = "transactions per JSON-RPC request (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--connections", defaultValue = "4", description = "concurrent requests (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--from", paramLabel = "NAME|KEYFILE",
            description = "account that funds the bench accounts (default: the home's first account)")
    String from;

    @Option(names = "--verify-seconds", defaultValue = "5", description = "how long to measure the verification bound")
    int verifySeconds;

    @Option(names = "--out", paramLabel = "DIR", description = "report directory (default: HOME/bench or ./bench)")
    Path out;

    @Option(names = "--chain", paramLabel = "DIR",
            description = "a chain directory (cairn init --nodes): load every node, funded from node0's first account")
    Path chain;

    @Option(names = "--profile",
            description = "add where the time went to the report: CPU by thread group of every node on this machine and "
                    + "of the bench itself over the measured window, and each group's hottest methods from a JFR recording")
    boolean profile;

    @Override
    public Integer call() throws Exception {
        if (warmup == null) {
            // Four JVMs sharing two cores take about a minute of load before their JIT settles (a fresh chain:
            // ~2,400-2,900 tx/s measured after 10 s, ~3,400 after 60 s); a single node is warm within seconds.
            warmup = chain != null ? Duration.ofSeconds(60) : Duration.ofSeconds(10);
        }
        if (warmup.isNegative()) {
            throw new ParameterException(spec.commandLine(), "--warmup must not be negative, got " + warmup);
        }
        if (accounts < 1 || batch < 1 || connections < 1 || duration.isZero() || duration.isNegative()
                || verifySeconds < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--accounts, --batch, --connections, --duration and --verify-seconds must be positive");
        }
        List<java.net.URI> targets = new java.util.ArrayList<>();
        List<Profile.Target> profiled = new java.util.ArrayList<>();
        if (chain != null) {
            if (!io.cairn.launcher.node.ChainInit.isChain(chain)) {
                throw new ParameterException(spec.commandLine(), "--chain: " + chain + " is not a chain directory (no "
                        + io.cairn.launcher.node.ChainInit.CHAIN_FILE + ")");
            }
            for (NodeHome h : io.cairn.launcher.node.ChainInit.homes(chain)) {
                targets.add(RpcClient.of(h.rpcEndpoint()).endpoint());
                localNode(h, h.dir().getFileName().toString(), profiled);
            }
            endpoint.home = chain.resolve("node0");
        }
        RpcClient client = endpoint.client(spec);
        NodeHome home = endpoint.nodeHome();
        if (targets.isEmpty()) {
            targets.add(client.endpoint());
            if (home.isInitialized()) {
                localNode(home, "node", profiled);
            }
        }
        if (profile) {
            if (profiled.isEmpty()) {
                System.out.println("bench: --profile: no node of this run is running on this machine (no live cairn.pid): "
                        + "profiling the bench alone");
            }
            profiled.add(new Profile.Target("bench", ProcessHandle.current().pid()));
        } else {
            profiled.clear();
        }
        String funder = from;
        if (funder == null) {
            List<String> names = home.isInitialized() ? home.accounts() : List.of();
            if (names.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "give --from NAME|KEYFILE: no accounts in " + home);
            }
            funder = names.get(0);
        }
        byte[] key;
        try {
            key = Accounts.privateKey(funder, home, "--from");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path dir = out != null ? out : chain != null ? chain.resolve("bench")
                : home.isInitialized() ? home.dir().resolve("bench") : Path.of("bench");
        Bench bench = new Bench(new Bench.Settings(client.endpoint(), key, accounts, batch, connections, warmup, duration,
                Duration.ofSeconds(verifySeconds), dir, targets, profiled), System.out);
        try {
            bench.run();
        } catch (IOException e) {
            throw new CommandFailure("bench: " + Bench.why(e));
        }
        return 0;
    }

    /** The node of {@code home} when it runs here (its cairn.pid names a live process). */
    private static void localNode(NodeHome home, String name, List<Profile.Target> into) {
        new io.cairn.launcher.node.PidFile(home.pidFile()).liveProcess()
                .ifPresent(p -> into.add(new Profile.Target(name, p.pid())));
    }
}
