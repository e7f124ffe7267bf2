package io.cairn.launcher;

import io.cairn.api.chain.Address;
import io.cairn.launcher.node.Feature;
import io.cairn.launcher.node.FeatureSource;
import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.NodeInit;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a node home: keys, genesis (one sealer: this node) and the profile's configuration.")
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "node home to create (default: ${DEFAULT-VALUE})",
            defaultValue = NodeHome.DEFAULT_DIR)
    Path dir;

    @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "solo-rocksdb",
            description = "feature to run: solo-rocksdb or solo-memory (default: ${DEFAULT-VALUE})")
    String profile;

    @Option(names = "--suite", paramLabel = "SUITE", defaultValue = "secp256k1",
            description = "crypto suite: secp256k1 or sm2 (default: ${DEFAULT-VALUE})")
    String suite;

    @Option(names = "--chain-id", paramLabel = "N", defaultValue = "1", description = "chain id (default: ${DEFAULT-VALUE})")
    long chainId;

    @Option(names = "--accounts", paramLabel = "NAMES", split = ",", defaultValue = "alice,bob,carol",
            description = "accounts to create and fund, comma-separated (default: ${DEFAULT-VALUE})")
    List<String> accounts;

    @Option(names = "--supply", paramLabel = "N", defaultValue = "1000000000",
            description = "genesis balance of each account (default: ${DEFAULT-VALUE})")
    BigInteger supply;

    @Option(names = "--rpc-port", paramLabel = "PORT", defaultValue = "20200", description = "JSON-RPC port (default: ${DEFAULT-VALUE})")
    int rpcPort;

    @Option(names = "--ssh-port", paramLabel = "PORT",
            description = "port of the node's SSH shell on 127.0.0.1 (default: 20600 + node index, the index being"
                    + " the JSON-RPC port's offset to 20200)")
    Integer sshPort;

    @Option(names = "--force", description = "wipe an initialized home (keys, configuration and chain data) and start over")
    boolean force;

    @Override
    public Integer call() throws IOException {
        NodeInit.Options options = new NodeInit.Options(dir, profile, suite, chainId, accounts, supply, rpcPort,
                sshPort != null ? sshPort : NodeInit.defaultSshPort(rpcPort), force);
        try {
            options.validate();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        NodeInit.Result r;
        try {
            r = NodeInit.init(options, FeatureSource.bundled(), System.currentTimeMillis());
        } catch (Feature.FeatureException e) {
            throw new ParameterException(spec.commandLine(), "--profile: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new CommandFailure(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("initialized node home " + r.home());
        out.println("  chain id   " + r.genesis().chainId() + ", suite " + r.genesis().suite() + ", profile " + profile);
        out.println("  node key   " + r.nodePublicKey());
        out.println("  JSON-RPC   " + r.rpcEndpoint());
        out.println("  SSH shell  127.0.0.1:" + r.sshPort() + " (cairn shell --home " + r.home() + "; key keys/operator_ssh)");
        for (Map.Entry<String, Address> a : r.accounts().entrySet()) {
            out.printf("  account    %-8s %s  balance %s%n", a.getKey(), a.getValue().toHex(), supply);
        }
        out.println("start it with: cairn start --home " + r.home() + " [--detach]");
        out.flush();
        return 0;
    }
}
