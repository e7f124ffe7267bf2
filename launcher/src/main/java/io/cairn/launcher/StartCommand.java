package io.cairn.launcher;

import io.cairn.launcher.node.DetachedNode;
import io.cairn.launcher.node.FelixNode;
import io.cairn.launcher.node.JoinAtStart;
import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.PidFile;
import io.cairn.launcher.node.RuntimeDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "with --detach: how long to wait for the genesis block and every engine (default: 60s; with "
                    + "--join: 30m, the join included)")
    Duration timeout;

    @Option(names = "--join", description = "join the chain by state sync first (docs/snapshots.md): a new home takes "
            + "the newest snapshot its peers serve, proven as an import is, then the node starts on it and syncs the "
            + "blocks after it, all in this one node; a home that holds blocks already just starts. Goes on from the "
            + "chunks fetched when an earlier join was interrupted.")
    boolean join;

    /** How long a join may take to come up, fetch and import before the node gives up (its peers wait included). */
    static final Duration JOIN_WAIT = Duration.ofMinutes(30);

    @Override
    public Integer call() throws Exception {
        NodeHome h = home.nodeHome();
        if (detach) {
            Duration wait = timeout != null ? timeout : join ? JOIN_WAIT : Duration.ofSeconds(60);
            return startDetached(h, wait, spec.commandLine().getOut(), join);
        }
        return runForeground(h);
    }

    static int startDetached(NodeHome h, Duration timeout, PrintWriter out) throws IOException, InterruptedException {
        return startDetached(h, timeout, out, false);
    }

    static int startDetached(NodeHome h, Duration timeout, PrintWriter out, boolean join) throws IOException,
            InterruptedException {
        RuntimeDir runtime = prepare(h, join);
        out.println("starting node " + h + (join ? ", joining the chain by state sync" : "") + " ...");
        out.flush();
        DetachedNode.Started s;
        try {
            s = DetachedNode.start(h, runtime, timeout, Main.class.getName(), join ? List.of("--join") : List.of(),
                    line -> {
                        out.println(line);
                        out.flush();
                    });
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
        RuntimeDir runtime = prepare(h, join);
        boolean interactive = System.console() != null;
        try {
            JoinAtStart.Options j = join ? new JoinAtStart.Options(timeout != null ? timeout : JOIN_WAIT, line -> {
                System.out.println(line);
                System.out.flush();
            }) : null;
            return new FelixNode(h, runtime, System.out).run(interactive, j);
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }

    /**
     * Checks that the home exists and is free and that a runtime is built. A home under construction by a join
     * starts only with {@code --join}, which goes on with it.
     */
    private static RuntimeDir prepare(NodeHome h, boolean join) {
        try {
            h.nodeProperties();
            new PidFile(h.pidFile()).liveProcess().ifPresent(p -> {
                throw new CommandFailure("node already running, pid " + p.pid() + " (home " + h + ")");
            });
            if (Files.exists(RecoverCommand.marker(h))) {
                throw new CommandFailure(RecoverCommand.underConstruction(h));
            }
            Path pending = FelixNode.importMarker(h);
            if (Files.exists(pending) && !join) {
                String source = Files.readString(pending).strip();
                throw new CommandFailure("home " + h + " is under construction: " + (source.equals(
                        JoinAtStart.directory(h).toString()) ? "a join by state sync did not finish; run ./cairn start "
                        + "--join (or ./cairn snapshot join) again" : "the import of snapshot " + source + " did not "
                        + "finish; run ./cairn snapshot import again") + ", or start from a new home");
            }
            return RuntimeDir.locate();
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
    }
}
