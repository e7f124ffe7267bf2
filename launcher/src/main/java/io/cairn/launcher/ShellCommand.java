package io.cairn.launcher;

import io.cairn.launcher.client.OperatorSshKey;
import io.cairn.launcher.client.ProgressLine;
import io.cairn.launcher.client.ShellClient;
import io.cairn.launcher.client.SshShellClient;
import io.cairn.launcher.client.WriterOutputStream;
import io.cairn.launcher.node.NodeHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"The node's Gogo shell (lb, scr:list, cairn:status, ...) over SSH on 127.0.0.1, as user operator"
                + " with the home's key keys/operator_ssh (port: etc/io.cairn.ssh.cfg).",
                "Without -c: reads commands line by line until end of input or 'exit'.",
                "Homes made before the SSH shell (no keys/operator_ssh) use the local socket data/shell.sock.",
                "Exit status: that of the command (1 when it failed)."})
final class ShellCommand implements Callable<Integer> {
    static final int DEFAULT_SSH_PORT = 20600;
    static final String SSH_PID = "io.cairn.ssh";

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Option(names = {"-c", "--command"}, paramLabel = "COMMAND", description = "run one command and exit")
    String command;

    /** Replaced by tests. */
    InputStream in = System.in;

    /**
     * Lines of the command's output that begin with this update one line in place ({@link ProgressLine}); null: every
     * line is printed as it comes.
     */
    String progressPrefix;

    /** Runs one shell command on the node of {@code home}, for a subcommand of {@code spec}; its exit status. */
    static int run(CommandSpec spec, HomeOption home, String command) throws IOException {
        return run(spec, home, command, null);
    }

    /**
     * As {@link #run(CommandSpec, HomeOption, String)}; with a {@code progressPrefix}, the output's lines that begin
     * with it update one line in place ({@link ProgressLine}): for a terminal.
     */
    static int run(CommandSpec spec, HomeOption home, String command, String progressPrefix) throws IOException {
        ShellCommand s = new ShellCommand();
        s.spec = spec;
        s.home = home;
        s.command = command;
        s.progressPrefix = progressPrefix;
        return s.call();
    }

    @Override
    public Integer call() throws IOException {
        NodeHome h = home.nodeHome();
        Path key = h.keys().resolve(OperatorSshKey.PRIVATE);
        if (!Files.exists(key)) {
            if (Files.exists(h.shellSocket())) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("notice: " + h + " has no SSH key keys/" + OperatorSshKey.PRIVATE
                        + " (a home made before the SSH shell): using the local socket " + h.shellSocket());
                err.flush();
            }
            return overSocket(h);
        }
        Properties ssh = sshConfig(h);
        String host = connectHost(ssh.getProperty("host", "127.0.0.1"));
        int port = sshPort(h, ssh);
        Path hostKey = h.dir().resolve(ssh.getProperty("hostKey", "data/ssh/host.key").strip());
        PrintWriter outWriter = spec.commandLine().getOut();
        PrintWriter errWriter = spec.commandLine().getErr();
        ProgressLine line = progressPrefix == null ? null : new ProgressLine(outWriter, progressPrefix);
        OutputStream out = new WriterOutputStream(line == null ? outWriter : line);
        OutputStream err = new WriterOutputStream(line == null ? errWriter : line.before(errWriter));
        try (SshShellClient client = SshShellClient.connect(host, port, key, "keys/" + OperatorSshKey.PRIVATE, hostKey)) {
            return command != null ? client.exec(command, out, err) : client.shell(in, out, err);
        } catch (SshShellClient.ShellException e) {
            throw new CommandFailure(e.getMessage(), e);
        } finally {
            if (line != null) {
                line.finish();
            }
            outWriter.flush();
            errWriter.flush();
        }
    }

    /** etc/io.cairn.ssh.cfg as the node reads it (the operator may have changed the port there). */
    private static Properties sshConfig(NodeHome h) throws IOException {
        Properties p = new Properties();
        Path cfg = h.config(SSH_PID);
        if (Files.isRegularFile(cfg)) {
            try (Reader r = Files.newBufferedReader(cfg, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        return p;
    }

    /** A wildcard listen address is reached through loopback. */
    static String connectHost(String configured) {
        String h = configured.strip();
        return h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]") ? "127.0.0.1" : h;
    }

    private static int sshPort(NodeHome h, Properties ssh) throws IOException {
        String port = ssh.getProperty("port");
        if (port == null && Files.isRegularFile(h.nodePropertiesFile())) {
            port = h.nodeProperties().getProperty("ssh.port");
        }
        if (port == null) {
            return DEFAULT_SSH_PORT;
        }
        try {
            return Integer.parseInt(port.strip());
        } catch (NumberFormatException e) {
            throw new CommandFailure("bad SSH port '" + port.strip() + "' in " + h.config(SSH_PID));
        }
    }

    /** The shell of homes without an SSH key: the node's Unix socket, one connection per command line. */
    private int overSocket(NodeHome h) throws IOException {
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
