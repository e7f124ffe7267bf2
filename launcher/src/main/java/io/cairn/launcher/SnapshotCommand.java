package io.cairn.launcher;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Snapshots of the chain's state (docs/snapshots.md): each subcommand runs the node's {@code cairn:snapshot} or
 * {@code cairn:snapshots} over SSH, so the snapshot is written from the running node's own consistent view of its
 * storage, and checked with its own chain's rules.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Snapshots of the chain's state (docs/snapshots.md): write one from the running node at its head "
                + "without pausing it, check one against the node's chain, list those in the node home. Runs the "
                + "node's cairn:snapshot create|verify and cairn:snapshots through its shell.",
                "Exit status: that of the shell command (1 when it failed or the snapshot was refused)."})
final class SnapshotCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "snapshot the chain at the node's head: its state and every block 1..head with its receipts "
                    + "(a full snapshot), or with --state-only the state alone (cairn:snapshot create)")
    int export(@Mixin HomeOption home, @Option(names = "--out", paramLabel = "DIR",
            description = "where to write it (default: <home>/snapshots/<height>); must not hold a snapshot") Path out,
            @Option(names = "--state-only", description = "the state alone, without the blocks (kind state)")
            boolean stateOnly,
            @Option(names = "--at", paramLabel = "H", description = "the snapshot of block H: the head, or a block "
                    + "still to come, taken as it commits (default: the head); a block below the head is refused")
            Long at,
            @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                    description = "how long --at waits for its block to commit (default: 120s)")
            java.time.Duration timeout) throws Exception {
        if (timeout != null && at == null) {
            throw new CommandFailure("--timeout is how long --at waits for its block: give --at H with it");
        }
        if (timeout != null && timeout.isZero()) {
            throw new CommandFailure("--timeout must be more than 0");
        }
        // on a terminal the node's progress lines update one line in place; elsewhere (a pipe, a file) each is a line
        return ShellCommand.run(spec, home, "cairn:snapshot create" + (at == null ? "" : " --at " + at)
                + (timeout == null ? "" : " --timeout " + timeout.toMillis() + "ms") + (stateOnly ? " --state-only" : "")
                + (out == null ? "" : " " + out.toAbsolutePath()), System.console() != null ? EXPORT_PROGRESS : null);
    }

    /** How cairn:snapshot create's progress lines begin. */
    static final String EXPORT_PROGRESS = "export: ";

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "check a snapshot against the node's chain: seals, chunks, keys, state root "
                    + "(cairn:snapshot verify)")
    int verify(@Mixin HomeOption home, @Parameters(paramLabel = "DIR", description = "a snapshot directory") Path dir)
            throws Exception {
        return shell(home, "cairn:snapshot verify " + dir.toAbsolutePath());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "the snapshots in <home>/snapshots "
            + "(cairn:snapshots)")
    int list(@Mixin HomeOption home) throws Exception {
        return shell(home, "cairn:snapshots");
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"take the chain from a snapshot into a new node home (cairn init for the chain, never "
                    + "started, durable storage): proves the snapshot against the chain's genesis, writes its state and "
                    + "makes its block the head; the node then syncs the blocks after it. The node must not be running.",
                    "Exit status: 0 imported; 1 refused (nothing written) or failed (the home stays under construction "
                    + "and no node starts on it until an import succeeds)."})
    int importSnapshot(@Mixin HomeOption home, @Option(names = "--from", paramLabel = "DIR", required = true,
            description = "the snapshot directory") Path from, @Option(names = "--timeout", paramLabel = "DURATION",
            defaultValue = "120s", converter = DurationConverter.class,
            description = "how long the node may take to come up for the import (default: ${DEFAULT-VALUE})")
            java.time.Duration timeout) throws Exception {
        return intoNewHome(home, from.toAbsolutePath().toString(), "import.log",
                (node, h) -> node.importSnapshot(from, timeout));
    }

    @Command(name = "join", mixinStandardHelpOptions = true,
            description = {"join the chain by state sync: take the newest snapshot the node's peers serve (their "
                    + "<home>/snapshots) into a new node home (cairn init for the chain, never started, durable "
                    + "storage), fetching its chunks from several peers at once and proving it exactly as import does; "
                    + "the node then syncs the blocks after it when it starts. The node must not be running. An "
                    + "interrupted join goes on from the chunks it fetched.",
                    "Exit status: 0 joined; 1 refused (nothing written) or failed (the home stays under construction "
                    + "and no node starts on it until an import or join succeeds)."})
    int join(@Mixin HomeOption home, @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s",
            converter = DurationConverter.class,
            description = "how long the node may take to come up for the join (default: ${DEFAULT-VALUE})")
            java.time.Duration timeout) throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        Path into = io.cairn.launcher.node.JoinAtStart.directory(home.nodeHome());
        return intoNewHome(home, into.toAbsolutePath().toString(), "join.log", (node, h) -> {
            String answer = node.joinBySnapshot(into, timeout, line -> {
                out.println(line);
                out.flush();
            });
            // a home that holds blocks: the join in the node's start just starts it; this command has nothing to do
            return answer.startsWith("HELD") ? "REFUSED" + answer.substring("HELD".length()) + ": a snapshot is "
                    + "imported into a new home (cairn init, then import or join before the first start)" : answer;
        });
    }

    /** The snapshots directory of a node home, as the snapshot bundle names it. */
    static final String SNAPSHOTS = "snapshots";

    /** Runs the node of a new home for an import: under construction until it answers {@code imported}. */
    private int intoNewHome(HomeOption home, String source, String logName, Importer importer) throws Exception {
        io.cairn.launcher.node.NodeHome h = home.nodeHome();
        java.io.PrintWriter out = spec.commandLine().getOut();
        h.nodeProperties();
        new io.cairn.launcher.node.PidFile(h.pidFile()).liveProcess().ifPresent(p -> {
            throw new CommandFailure("node running, pid " + p.pid() + " (home " + h + "): stop it first; a snapshot is "
                    + "imported into a new home");
        });
        Path marker = io.cairn.launcher.node.FelixNode.importMarker(h);
        java.nio.file.Files.createDirectories(marker.getParent());
        java.nio.file.Files.writeString(marker, source + "\n");
        String answer;
        try (java.io.PrintStream log = new java.io.PrintStream(java.nio.file.Files.newOutputStream(
                java.nio.file.Files.createDirectories(h.logs()).resolve(logName)), true,
                java.nio.charset.StandardCharsets.UTF_8)) {
            // the node's own log lines (its bundles log to standard error) go to the log too
            java.io.PrintStream err = System.err;
            System.setErr(log);
            try {
                answer = importer.run(new io.cairn.launcher.node.FelixNode(h, io.cairn.launcher.node.RuntimeDir.locate(),
                        log), h);
            } finally {
                System.setErr(err);
            }
        }
        if (answer.contains("imported snapshot")) {
            java.nio.file.Files.delete(marker);
            out.println(answer);
            out.flush();
            return 0;
        }
        if (answer.startsWith("REFUSED")) {
            java.nio.file.Files.delete(marker);
        } else {
            answer += "; home " + h + " stays under construction: no node starts on it until an import succeeds";
        }
        spec.commandLine().getErr().println(answer);
        spec.commandLine().getErr().flush();
        return 1;
    }

    private interface Importer {
        String run(io.cairn.launcher.node.FelixNode node, io.cairn.launcher.node.NodeHome home) throws Exception;
    }

    private int shell(HomeOption home, String command) throws Exception {
        return ShellCommand.run(spec, home, command);
    }
}
