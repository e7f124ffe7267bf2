package io.cairn.launcher;

import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.PidFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a running node (SIGTERM: the framework stops every bundle), killing it after the timeout.")
final class StopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "how long to wait before killing it (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws IOException, InterruptedException {
        return stop(home.nodeHome(), timeout, spec.commandLine().getOut());
    }

    /**
     * Stops process {@code p} ({@code what} names it in the warning): SIGTERM, and SIGKILL when it has not exited
     * after {@code timeout}.
     *
     * @throws CommandFailure when it survives SIGKILL
     */
    static void terminate(ProcessHandle p, Duration timeout, String what, PrintWriter out) throws InterruptedException {
        p.destroy();
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            out.println("warning: " + what + " did not stop within " + timeout.toSeconds() + " s; killing it (SIGKILL)");
            out.flush();
            p.destroyForcibly();
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException again) {
                throw new CommandFailure("pid " + p.pid() + " survived SIGKILL");
            }
        } catch (ExecutionException e) {
            throw new CommandFailure("waiting for pid " + p.pid() + ": " + e.getCause());
        }
    }

    static int stop(NodeHome h, Duration timeout, PrintWriter out) throws IOException, InterruptedException {
        PidFile pidFile = new PidFile(h.pidFile());
        if (!Files.exists(pidFile.path())) {
            if (!h.isInitialized()) {
                throw new CommandFailure("no node home at " + h);
            }
            out.println("node " + h + " is not running");
            out.flush();
            return 0;
        }
        Optional<ProcessHandle> live = pidFile.liveProcess();
        if (live.isEmpty()) {
            long stale = pidFile.read().orElse(-1);
            pidFile.delete();
            out.println("node " + h + " is not running; removed stale pid file (pid " + stale + ")");
            out.flush();
            return 0;
        }
        ProcessHandle p = live.get();
        out.println("stopping node " + h + ", pid " + p.pid() + " ...");
        out.flush();
        terminate(p, timeout, "node", out);
        pidFile.delete();
        out.println("node stopped");
        out.flush();
        return 0;
    }
}
