package io.cairn.launcher;

import io.cairn.launcher.client.ShellClient;
import io.cairn.launcher.node.NodeHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"The node's Gogo shell (lb, scr:list, cairn:status, ...) over <home>/data/shell.sock.",
                "Without -c: reads commands line by line until end of input or 'exit'."})
final class ShellCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Option(names = {"-c", "--command"}, paramLabel = "COMMAND", description = "run one command and exit")
    String command;

    /** Replaced by tests. */
    InputStream in = System.in;

    @Override
    public Integer call() throws IOException {
        NodeHome h = home.nodeHome();
        Path socket = h.shellSocket();
        if (!Files.exists(socket)) {
            throw new CommandFailure("no node running at " + h + " (no shell socket)");
        }
        ShellClient client = new ShellClient(socket);
        if (command != null) {
            send(client, command, h);
            return 0;
        }
        PrintWriter prompt = spec.commandLine().getOut();
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        while (true) {
            prompt.print("g! ");
            prompt.flush();
            String line = lines.readLine();
            if (line == null || line.strip().equals("exit")) {
                return 0;
            }
            if (!line.isBlank()) {
                send(client, line, h);
            }
        }
    }

    private void send(ShellClient client, String line, NodeHome h) {
        try {
            PrintWriter out = spec.commandLine().getOut();
            client.run(line, out);
            out.flush();
        } catch (IOException e) {
            throw new CommandFailure("no node running at " + h + " (shell socket " + h.shellSocket() + ": " + e.getMessage() + ")", e);
        }
    }
}
