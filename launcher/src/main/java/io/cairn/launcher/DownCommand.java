package io.cairn.launcher;

import io.cairn.launcher.node.ChainInit;
import io.cairn.launcher.node.NodeHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop what `cairn up` started: a node, or every node of a chain directory (--nodes).")
final class DownCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "node home or chain directory (default: " + NodeHome.DEFAULT_DIR + ", or " + InitCommand.CHAIN_DIR
                    + " when only that exists)")
    Path dir;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "how long to wait before killing it (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        Path d = dir != null ? dir
                : !new NodeHome(Path.of(NodeHome.DEFAULT_DIR)).isInitialized() && ChainInit.isChain(Path.of(InitCommand.CHAIN_DIR))
                        ? Path.of(InitCommand.CHAIN_DIR) : Path.of(NodeHome.DEFAULT_DIR);
        if (!ChainInit.isChain(d)) {
            return StopCommand.stop(new NodeHome(d), timeout, spec.commandLine().getOut());
        }
        int status = 0;
        for (NodeHome h : ChainInit.homes(d)) {
            status = Math.max(status, StopCommand.stop(h, timeout, spec.commandLine().getOut()));
        }
        return status;
    }
}
