package io.cairn.launcher;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 1.0.0-SNAPSHOT",
        description = "Cairn: a consortium blockchain node whose every component is a hot-swappable OSGi bundle.",
        subcommands = {UpCommand.class, DownCommand.class, InitCommand.class, StartCommand.class, StopCommand.class,
                ShellCommand.class, TxCommand.class, QueryCommand.class, BenchCommand.class, BenchUpgradesCommand.class,
                SignCommand.class, EnginesCommand.class, PlanCommand.class, SnapshotCommand.class, RecoverCommand.class,
                ArchiveCommand.class, BenchSnapshotCommand.class, StorageCommand.class, BenchProofsCommand.class,
                AuditCommand.class},
        footer = {"", "Quick start: cairn up    (a one-node chain in .cairn/node0)"})
final class CairnCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
