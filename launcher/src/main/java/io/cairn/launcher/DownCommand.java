package io.cairn.launcher;

import io.cairn.launcher.node.NodeHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the node that `cairn up` started.")
final class DownCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = NodeHome.DEFAULT_DIR, description = "node home (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "how long to wait before killing it (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        return StopCommand.stop(new NodeHome(dir), timeout, spec.commandLine().getOut());
    }
}
