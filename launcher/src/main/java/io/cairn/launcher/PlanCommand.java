package io.cairn.launcher;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Chain-wide upgrades from the command line (docs/upgrades.md): each subcommand runs the node's shell command of
 * the same meaning over SSH, so the node signs with its own key and the rules are the node's.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Chain-wide upgrades (docs/upgrades.md): list the chain's upgrade plans; as a sealer, propose, "
                + "vote and cancel; stage a plan's jar. Runs the node's cairn:plans, cairn:propose-upgrade, cairn:vote, "
                + "cairn:cancel-upgrade, cairn:stage through its shell.",
                "Exit status: that of the shell command (1 when it failed)."})
final class PlanCommand {
    @Spec
    CommandSpec spec;

    @Command(name = "list", mixinStandardHelpOptions = true, description = "the chain's upgrade plans (cairn:plans)")
    int list(@Mixin HomeOption home) throws Exception {
        return shell(home, "cairn:plans");
    }

    @Command(name = "propose", mixinStandardHelpOptions = true,
            description = "propose that COMPONENT runs JAR's rules from block H on (cairn:propose-upgrade)")
    int propose(@Mixin HomeOption home, @Parameters(index = "0", paramLabel = "COMPONENT") String component,
            @Parameters(index = "1", paramLabel = "JAR", description = "a signed jar (JAR.sig beside it)") Path jar,
            @Option(names = "--at-height", paramLabel = "H", required = true, description = "the activation height")
            long height) throws Exception {
        return shell(home, "cairn:propose-upgrade " + component + " " + jar.toAbsolutePath() + " --at-height "
                + Long.toUnsignedString(height));
    }

    @Command(name = "vote", mixinStandardHelpOptions = true, description = "vote for plan PLAN (cairn:vote)")
    int vote(@Mixin HomeOption home, @Parameters(paramLabel = "PLAN", description = "the plan id (0x hash)") String plan)
            throws Exception {
        return shell(home, "cairn:vote " + plan);
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "vote to cancel plan PLAN before its height (cairn:cancel-upgrade)")
    int cancel(@Mixin HomeOption home, @Parameters(paramLabel = "PLAN", description = "the plan id (0x hash)") String plan)
            throws Exception {
        return shell(home, "cairn:cancel-upgrade " + plan);
    }

    @Command(name = "stage", mixinStandardHelpOptions = true,
            description = "install the jar a plan names beside the running rules; a sealer reports ready (cairn:stage)")
    int stage(@Mixin HomeOption home, @Parameters(paramLabel = "JAR", description = "a signed jar") Path jar)
            throws Exception {
        return shell(home, "cairn:stage " + jar.toAbsolutePath());
    }

    private int shell(HomeOption home, String command) throws Exception {
        return ShellCommand.run(spec, home, command);
    }
}
