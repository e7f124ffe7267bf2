package io.cairn.launcher;

import io.cairn.launcher.node.DetachedNode;
import io.cairn.launcher.node.FelixNode;
import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.PidFile;
import io.cairn.launcher.node.RuntimeDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Run a node: in the foreground with the Gogo console, or in the background with --detach.",
                "Bundles come from the runtime directory: $CAIRN_RUNTIME, or runtime/target/cairn of the repository."})
final class StartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Option(names = "--detach", description = "run in the background (log in <home>/logs/node.log) and return once the chain answers")
    boolean detach;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "with --detach: how long to wait for the genesis block (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        NodeHome h = home.nodeHome();
        return detach ? startDetached(h, timeout, spec.commandLine().getOut()) : runForeground(h);
    }

    static int startDetached(NodeHome h, Duration timeout, PrintWriter out) throws IOException, InterruptedException {
        RuntimeDir runtime = prepare(h);
        out.println("starting node " + h + " ...");
        out.flush();
        DetachedNode.Started s;
        try {
            s = DetachedNode.start(h, runtime, timeout, Main.class.getName());
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
        out.println("node running, pid " + s.pid());
        out.println("  JSON-RPC " + s.endpoint());
        out.println("  log      " + s.log());
        out.flush();
        return 0;
    }

    private int runForeground(NodeHome h) throws IOException, BundleException, InterruptedException {
        RuntimeDir runtime = prepare(h);
        boolean interactive = System.console() != null;
        try {
            return new FelixNode(h, runtime, System.out).run(interactive);
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }

    /** Checks that the home exists and is free and that a runtime is built. */
    private static RuntimeDir prepare(NodeHome h) {
        try {
            h.nodeProperties();
            new PidFile(h.pidFile()).liveProcess().ifPresent(p -> {
                throw new CommandFailure("node already running, pid " + p.pid() + " (home " + h + ")");
            });
            if (Files.exists(RecoverCommand.marker(h))) {
                throw new CommandFailure(RecoverCommand.underConstruction(h));
            }
            Path pending = FelixNode.importMarker(h);
            if (Files.exists(pending)) {
                throw new CommandFailure("home " + h + " is under construction: the import of snapshot "
                        + Files.readString(pending).strip() + " did not finish; run ./cairn snapshot import again, or "
                        + "start from a new home");
            }
            return RuntimeDir.locate();
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }
}
