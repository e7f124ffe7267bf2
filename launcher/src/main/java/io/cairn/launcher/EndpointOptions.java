package io.cairn.launcher;

import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Which node a client command talks to: {@code --rpc URL}, or the endpoint recorded in a node home. */
final class EndpointOptions {
    @Option(names = "--home", paramLabel = "DIR", description = "node home whose etc/node.properties names the endpoint "
            + "(default: " + NodeHome.DEFAULT_DIR + ")")
    Path home;

    @Option(names = "--rpc", paramLabel = "URL", description = "JSON-RPC endpoint, e.g. http://127.0.0.1:20200")
    String rpc;

    /** These options, or where they are missing, those given to the parent command. */
    EndpointOptions or(EndpointOptions parent) {
        EndpointOptions o = new EndpointOptions();
        o.home = home != null ? home : parent == null ? null : parent.home;
        o.rpc = rpc != null ? rpc : parent == null ? null : parent.rpc;
        return o;
    }

    NodeHome nodeHome() {
        return new NodeHome(home != null ? home : Path.of(NodeHome.DEFAULT_DIR));
    }

    RpcClient client(CommandSpec spec) {
        if (rpc != null) {
            try {
                return RpcClient.of(rpc);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--rpc: " + e.getMessage());
            }
        }
        NodeHome h = nodeHome();
        if (home == null && !h.isInitialized()) {
            throw new ParameterException(spec.commandLine(), "give --home DIR or --rpc URL (there is no node home at " + h + ")");
        }
        try {
            return RpcClient.of(h.rpcEndpoint());
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}
