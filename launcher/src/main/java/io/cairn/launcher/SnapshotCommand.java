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
            description = "snapshot the state at the node's head (cairn:snapshot create)")
    int export(@Mixin HomeOption home, @Option(names = "--out", paramLabel = "DIR",
            description = "where to write it (default: <home>/snapshots/<height>); must not hold a snapshot") Path out)
            throws Exception {
        return shell(home, "cairn:snapshot create" + (out == null ? "" : " " + out.toAbsolutePath()));
    }

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

    private int shell(HomeOption home, String command) throws Exception {
        return ShellCommand.run(spec, home, command);
    }
}
