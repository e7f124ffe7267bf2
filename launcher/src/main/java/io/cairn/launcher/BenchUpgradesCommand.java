package io.cairn.launcher;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import io.cairn.launcher.bench.UpgradeBench;
import io.cairn.launcher.client.OperatorSshKey;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.SshShellClient;
import io.cairn.launcher.node.KeyFile;
import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.RuntimeDir;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench-upgrades", mixinStandardHelpOptions = true,
        description = {"Upgrade a running node's engines under transaction load and measure what it costs: "
                + "committed TPS at steady state, then each component upgraded --rounds times in a row through the "
                + "node's SSH shell (new versions made from the runtime's system/<bundle>.jar, signed with the home's "
                + "operator key), with the block-production pause the node reports and the TPS around each upgrade. "
                + "Writes bench-upgrades.json and bench-upgrades.md with the verdict against the targets (median "
                + "pause < 300 ms per component, throughput around upgrades >= 90%% of steady state).",
                "The node keeps the last versions installed (see cairn:upgrades; cairn:rollback undoes one)."})
final class BenchUpgradesCommand implements Callable<Integer> {
    static final List<String> ALL = List.of("txpool", "executor", "block-format", "consensus", "rpc", "storage", "ledger",
            "ledger-model", "crypto", "shell");

    @Spec
    CommandSpec spec;

    @Mixin
    EndpointOptions endpoint;

    @Option(names = "--components", paramLabel = "LIST", split = ",", description = "components to upgrade, in order "
            + "(default: " + "txpool,executor,block-format,consensus,rpc,storage,ledger,ledger-model,crypto,shell)")
    List<String> components;

    @Option(names = "--rounds", defaultValue = "10", description = "upgrades per component (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--steady", paramLabel = "TIME", defaultValue = "20s", converter = DurationConverter.class,
            description = "steady-state measurement before (and again after) the upgrades (default: ${DEFAULT-VALUE})")
    Duration steady;

    @Option(names = "--spacing", paramLabel = "TIME", defaultValue = "3s", converter = DurationConverter.class,
            description = "time between one upgrade's end and the next one's start (default: ${DEFAULT-VALUE})")
    Duration spacing;

    @Option(names = "--rate", paramLabel = "TX/S", defaultValue = "2000",
            description = "offered load, transfers per second (default: ${DEFAULT-VALUE}); keep it below what the node "
                    + "commits (see cairn bench) so that the steady state is the offered load")
    int rate;

    @Option(names = "--accounts", defaultValue = "1000", description = "sending accounts (default: ${DEFAULT-VALUE})")
    int accounts;

    @Option(names = "--batch", defaultValue = "100", description = "transactions per JSON-RPC request (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--connections", defaultValue = "4", description = "concurrent requests (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--from", paramLabel = "NAME|KEYFILE",
            description = "account that funds the bench accounts (default: the home's first account)")
    String from;

    @Option(names = "--upgrade-timeout", paramLabel = "TIME", defaultValue = "120s", converter = DurationConverter.class,
            description = "longest wait for one cairn:upgrade to answer before the run is aborted (default: ${DEFAULT-VALUE})")
    Duration upgradeTimeout;

    @Option(names = "--out", paramLabel = "DIR", description = "report directory (default: HOME/bench-upgrades)")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<String> chosen = components == null || components.isEmpty() ? ALL
                : components.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String c : chosen) {
            if (c.equals("ssh")) {
                throw new ParameterException(spec.commandLine(), "--components: ssh cannot be benchmarked: its upgrade "
                        + "closes the connection that drives the bench");
            }
        }
        if (chosen.isEmpty() || rounds < 1 || rate < 1 || accounts < 1 || batch < 1 || connections < 1
                || !positive(steady) || !positive(spacing) || !positive(upgradeTimeout)) {
            throw new ParameterException(spec.commandLine(), "--components, --rounds, --rate, --accounts, --batch, "
                    + "--connections, --steady, --spacing and --upgrade-timeout must be positive");
        }
        if (accounts < connections) {
            throw new ParameterException(spec.commandLine(), "--accounts must be at least --connections");
        }
        RpcClient client = endpoint.client(spec);
        NodeHome home = endpoint.nodeHome();
        if (!home.isInitialized()) {
            throw new ParameterException(spec.commandLine(), "give --home DIR of the running node: its operator keys "
                    + "sign the new versions and open its shell (no node home at " + home + ")");
        }
        byte[] funderKey = funderKey(home);
        CryptoSuite suite = Suites.byName(home.genesis().suite());
        byte[] operatorKey = KeyFile.readPrivate(home.keys().resolve("operator.key"));
        Path system;
        try {
            system = RuntimeDir.locate().system();
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage());
        }
        Path dir = out != null ? out : home.dir().resolve("bench-upgrades");
        UpgradeBench.Settings settings = new UpgradeBench.Settings(client.endpoint(), funderKey, home.dir(), system, chosen,
                rounds, steady, spacing, rate, accounts, batch, connections, upgradeTimeout, dir);
        try (NodeShell shell = new NodeShell(home)) {
            UpgradeBench bench = new UpgradeBench(settings, shell,
                    jar -> Files.writeString(jar.resolveSibling(jar.getFileName() + ".sig"),
                            SignCommand.signature(suite, Files.readAllBytes(jar), operatorKey), StandardCharsets.US_ASCII),
                    System.out);
            java.util.Map<String, Object> report = bench.run();
            return "PASS".equals(report.get("verdict")) ? 0 : 1;
        } catch (IOException e) {
            throw new CommandFailure("bench-upgrades: " + e.getMessage(), e);
        }
    }

    private byte[] funderKey(NodeHome home) throws IOException {
        String funder = from;
        if (funder == null) {
            List<String> names = home.accounts();
            if (names.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "give --from NAME|KEYFILE: no accounts in " + home);
            }
            funder = names.get(0);
        }
        try {
            return Accounts.privateKey(funder, home, "--from");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static boolean positive(Duration d) {
        return !d.isZero() && !d.isNegative();
    }

    /**
     * The node's shell over SSH, one session kept for the whole run; a session that failed is dropped and
     * the next command opens a new one (never re-running the command: an upgrade must not run twice).
     */
    static final class NodeShell implements UpgradeBench.NodeShell, AutoCloseable {
        private final NodeHome home;
        private SshShellClient session;

        NodeShell(NodeHome home) {
            this.home = home;
        }

        @Override
        public synchronized String run(String commandLine) throws IOException {
            if (session == null) {
                session = connect(home);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                int status = session.exec(commandLine, out, out);
                String text = out.toString(StandardCharsets.UTF_8);
                return status == 0 ? text : text + "\n(exit status " + status + ")";
            } catch (IOException | RuntimeException e) {
                SshShellClient broken = session;
                session = null;
                broken.close();
                throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            }
        }

        @Override
        public synchronized void close() {
            if (session != null) {
                session.close();
                session = null;
            }
        }

        /** As {@code cairn shell} connects: host, port and host key from etc/io.cairn.ssh.cfg, the operator's key. */
        private static SshShellClient connect(NodeHome h) throws IOException {
            Path key = h.keys().resolve(OperatorSshKey.PRIVATE);
            if (!Files.exists(key)) {
                throw new CommandFailure(h + " has no SSH key keys/" + OperatorSshKey.PRIVATE
                        + ": bench-upgrades drives the node through its SSH shell");
            }
            Properties ssh = new Properties();
            Path cfg = h.config(ShellCommand.SSH_PID);
            if (Files.isRegularFile(cfg)) {
                try (Reader r = Files.newBufferedReader(cfg, StandardCharsets.UTF_8)) {
                    ssh.load(r);
                }
            }
            String port = ssh.getProperty("port");
            if (port == null && Files.isRegularFile(h.nodePropertiesFile())) {
                port = h.nodeProperties().getProperty("ssh.port");
            }
            int p;
            try {
                p = port == null ? ShellCommand.DEFAULT_SSH_PORT : Integer.parseInt(port.strip());
            } catch (NumberFormatException e) {
                throw new CommandFailure("bad SSH port '" + port.strip() + "' in " + cfg);
            }
            Path hostKey = h.dir().resolve(ssh.getProperty("hostKey", "data/ssh/host.key").strip());
            return SshShellClient.connect(ShellCommand.connectHost(ssh.getProperty("host", "127.0.0.1")), p, key,
                    "keys/" + OperatorSshKey.PRIVATE, hostKey);
        }
    }
}
