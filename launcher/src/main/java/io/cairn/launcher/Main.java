package io.cairn.launcher;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the {@code cairn} command. Exit codes: 0 ok, 1 failure, 2 usage error. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // Exit explicitly: bundles of a node that ran in this JVM may leave non-daemon threads behind.
        System.exit(commandLine().execute(args));
    }

    /** For tests: runs one command line with the given streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new CairnCommand());
        cl.registerConverter(java.time.Duration.class, new DurationConverter());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("error: " + ex.getMessage());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            cmd.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof CommandFailure) {
                cmd.getErr().println("error: " + ex.getMessage());
            } else {
                // Unexpected: keep the stack trace, it is a bug report.
                cmd.getErr().println("error: " + ex);
                ex.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }
}
