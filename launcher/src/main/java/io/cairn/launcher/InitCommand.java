package io.cairn.launcher;

import io.cairn.api.chain.Address;
import io.cairn.launcher.node.ChainInit;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create a node home: keys, genesis (one sealer: this node), and the engines it runs with their configuration.",
                "With --nodes N: a chain of N consensus nodes (plus --observers) on this machine, sharing one genesis"
                        + " and a chain CA, each in DIR/node<i> with consecutive ports."})
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "node home to create (default: " + NodeHome.DEFAULT_DIR + "; with --nodes: " + CHAIN_DIR + ")")
    Path dir;

    @Mixin
    EngineOptions engines;

    @Option(names = "--nodes", paramLabel = "N", description = "make a chain of N consensus nodes on this machine")
    Integer nodes;

    @Option(names = "--observers", paramLabel = "M", defaultValue = "0",
            description = "with --nodes: M more nodes that follow the chain without voting (default: ${DEFAULT-VALUE})")
    int observers;

    @Option(names = "--p2p-port", paramLabel = "PORT", defaultValue = "30300",
            description = "with --nodes: P2P port of node 0, +1 per node (default: ${DEFAULT-VALUE})")
    int p2pPort;

    static final String CHAIN_DIR = ".cairn/chain";

    @Option(names = "--suite", paramLabel = "SUITE", defaultValue = "secp256k1",
            description = "crypto suite: secp256k1 or sm2 (default: ${DEFAULT-VALUE})")
    String suite;

    @Option(names = "--chain-id", paramLabel = "N", defaultValue = "1", description = "chain id (default: ${DEFAULT-VALUE})")
    long chainId;

    @Option(names = "--accounts", paramLabel = "NAMES", split = ",", defaultValue = "alice,bob,carol",
            description = "accounts to create and fund, comma-separated (default: ${DEFAULT-VALUE}); block 0 holds at "
                    + "most about 1,250 (init says how many fit)")
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
        if (nodes != null) {
            return initChain();
        }
        if (dir == null) {
            dir = Path.of(NodeHome.DEFAULT_DIR);
        }
        String profile = engineSpec(1, false);
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
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IllegalStateException e) {
            throw new CommandFailure(e.getMessage());
        }
        engines.finishHome(r.home(), -1);
        PrintWriter out = spec.commandLine().getOut();
        out.println("initialized node home " + r.home());
        out.println("  chain id   " + r.genesis().chainId() + ", suite " + r.genesis().suite() + ", engines " + profile);
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

    /** What the new home(s) run, or a usage error naming what cannot work. */
    private String engineSpec(int sealers, boolean chain) {
        try {
            return engines.spec(sealers, chain, FeatureSource.bundled());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private int initChain() throws IOException {
        ChainInit.Options o = new ChainInit.Options(dir != null ? dir : Path.of(CHAIN_DIR), nodes, observers,
                engineSpec(nodes, true), suite, chainId, accounts, supply, rpcPort, p2pPort,
                sshPort != null ? sshPort : NodeInit.SSH_PORT, force);
        ChainInit.Result r;
        try {
            r = ChainInit.init(o, FeatureSource.bundled(), System.currentTimeMillis());
        } catch (Feature.FeatureException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IllegalStateException e) {
            throw new CommandFailure(e.getMessage());
        }
        for (int i = 0; i < r.nodes().size(); i++) {
            engines.finishHome(r.nodes().get(i).home(), i);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("initialized a chain of " + r.nodes().size() + " nodes in " + r.dir() + " (" + nodes + " sealers, "
                + observers + " observers; chain id " + r.genesis().chainId() + ", suite " + r.genesis().suite() + ", engines "
                + o.profile() + ")");
        for (int i = 0; i < r.nodes().size(); i++) {
            NodeInit.Result n = r.nodes().get(i);
            out.printf("  node%-3d %s  JSON-RPC %s  P2P 127.0.0.1:%d  SSH 127.0.0.1:%d%n", i, i < nodes ? "sealer  " : "observer",
                    n.rpcEndpoint(), p2pPort + i, n.sshPort());
        }
        out.println("  accounts " + String.join(", ", accounts) + " (keys in every node home)");
        out.println("start it with: cairn up --dir " + r.dir());
        out.flush();
        return 0;
    }
}
