package io.cairn.launcher;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Archiving cold blocks (docs/operations.md): each form runs the running node's {@code cairn:archive} over SSH, so
 * the node moves its own blocks while it goes on committing.
 */
@Command(name = "archive", mixinStandardHelpOptions = true,
        description = {"Moves the bodies and receipts of the blocks below --below (those not archived yet) out of the "
                + "running node's hot store into compressed archive files in --to, then serves them from there; "
                + "headers, hashes and the transaction index stay, so the chain still verifies (docs/operations.md, "
                + "Archiving cold blocks). Runs the node's cairn:archive create through its shell.",
                "Exit status: that of the shell command (1 when it was refused or failed)."})
final class ArchiveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Option(names = "--below", paramLabel = "H", description = "archive the blocks before block H")
    Long below;

    @Option(names = "--to", paramLabel = "DIR", description = "a new or empty directory for the archive files")
    Path to;

    @Override
    public Integer call() throws Exception {
        if (below == null || to == null) {
            throw new ParameterException(spec.commandLine(), "archive needs --below H and --to DIR (or one of "
                    + "its commands: restore, list)");
        }
        return ShellCommand.run(spec, home, "cairn:archive create " + below + " " + to.toAbsolutePath());
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"write archived blocks back into the running node's hot store (cairn:archive restore), "
                    + "each checked against its header: --from A --to B, or every archived block"})
    int restore(@Mixin HomeOption home,
            @Option(names = "--from", paramLabel = "A", description = "first block to restore") Long from,
            @Option(names = "--to", paramLabel = "B", description = "last block to restore") Long to) throws Exception {
        if ((from == null) != (to == null)) {
            throw new ParameterException(spec.commandLine().getSubcommands().get("restore"),
                    "archive restore takes --from A and --to B together, or neither (every archived block)");
        }
        return ShellCommand.run(spec, home, "cairn:archive restore" + (from == null ? "" : " " + from + " " + to));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "the archived block ranges, their files and whether each reads (cairn:archive list)")
    int list(@Mixin HomeOption home) throws Exception {
        return ShellCommand.run(spec, home, "cairn:archive list");
    }
}
