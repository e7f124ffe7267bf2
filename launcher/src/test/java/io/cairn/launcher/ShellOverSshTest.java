package io.cairn.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.launcher.CliTest.Run;
import io.cairn.launcher.client.FakeSshNode;
import io.cairn.launcher.client.OperatorSshKey;
import io.cairn.launcher.node.NodeHome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ShellOverSshTest {
    @TempDir
    Path tmp;

    private String home() {
        return tmp.resolve("n0").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An initialized home whose SSH port is the fake node's. */
    private void init(int sshPort) {
        Run r = CliTest.cairn("init", "--dir", home(), "--ssh-port", Integer.toString(sshPort));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("SSH shell  127.0.0.1:" + sshPort), r.out());
    }

    /** The fake picks its port before the home exists, so point the home's config at it afterwards. */
    private void pointAt(int port) throws IOException {
        Path cfg = new NodeHome(tmp.resolve("n0")).config("io.cairn.ssh");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("(?m)^port=.*$", "port=" + port));
    }

    @Test
    void execRunsOneCommandAsOperatorAndExitsWithItsStatus() throws Exception {
        init(freePort());
        try (FakeSshNode node = new FakeSshNode(tmp.resolve("n0"))) {
            pointAt(node.port());
            Run ok = CliTest.cairn("shell", "--home", home(), "-c", "cairn:status");
            assertEquals(new Run(0, "ran: cairn:status\ngrüße\n", ""), ok);
            Run failed = CliTest.cairn("shell", "--home", home(), "-c", "fail");
            assertEquals(new Run(1, "", "Error: it failed\n"), failed);
            assertEquals(List.of("cairn:status", "fail"), node.commands);
            assertTrue(node.users.stream().allMatch("operator"::equals), node.users.toString());
        }
    }

    @Test
    void planSubcommandsRunTheNodesShellCommands() throws Exception {
        init(freePort());
        try (FakeSshNode node = new FakeSshNode(tmp.resolve("n0"))) {
            pointAt(node.port());
            Path jar = tmp.resolve("r2.jar");
            assertEquals(0, CliTest.cairn("plan", "list", "--home", home()).code());
            assertEquals(0, CliTest.cairn("plan", "propose", "--home", home(), "ledger-model", jar.toString(),
                    "--at-height", "40").code());
            assertEquals(0, CliTest.cairn("plan", "vote", "--home", home(), "0xab").code());
            assertEquals(0, CliTest.cairn("plan", "cancel", "--home", home(), "0xab").code());
            assertEquals(0, CliTest.cairn("plan", "stage", "--home", home(), jar.toString()).code());
            assertEquals(List.of("cairn:plans", "cairn:propose-upgrade ledger-model " + jar.toAbsolutePath()
                    + " --at-height 40", "cairn:vote 0xab", "cairn:cancel-upgrade 0xab", "cairn:stage "
                    + jar.toAbsolutePath()), node.commands);
            Run missing = CliTest.cairn("plan", "propose", "--home", home(), "ledger-model", jar.toString());
            assertEquals(2, missing.code());
            assertTrue(missing.err().contains("Missing required option: '--at-height=H'"), missing.err());
        }
    }

    @Test
    void snapshotSubcommandsRunTheNodesShellCommands() throws Exception {
        init(freePort());
        try (FakeSshNode node = new FakeSshNode(tmp.resolve("n0"))) {
            pointAt(node.port());
            Path out = tmp.resolve("snap");
            assertEquals(0, CliTest.cairn("snapshot", "export", "--home", home()).code());
            assertEquals(0, CliTest.cairn("snapshot", "export", "--home", home(), "--out", out.toString()).code());
            assertEquals(0, CliTest.cairn("snapshot", "verify", "--home", home(), out.toString()).code());
            assertEquals(0, CliTest.cairn("snapshot", "list", "--home", home()).code());
            assertEquals(List.of("cairn:snapshot create", "cairn:snapshot create " + out.toAbsolutePath(),
                    "cairn:snapshot verify " + out.toAbsolutePath(), "cairn:snapshots"), node.commands);
            Run missing = CliTest.cairn("snapshot", "verify", "--home", home());
            assertEquals(2, missing.code());
            assertTrue(missing.err().contains("Missing required parameter: 'DIR'"), missing.err());
        }
    }

    @Test
    void withoutCommandLinesGoToTheNodeUntilEndOfInput() throws Exception {
        init(freePort());
        try (FakeSshNode node = new FakeSshNode(tmp.resolve("n0"))) {
            pointAt(node.port());
            ShellCommand loop = new ShellCommand();
            loop.in = new ByteArrayInputStream("lb\nscr:list\n".getBytes(StandardCharsets.UTF_8));
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(loop);
            cl.setOut(new PrintWriter(out, true));
            assertEquals(0, cl.execute("--home", home()));
            assertEquals("ran: lb\ngrüße\nran: scr:list\ngrüße\n", out.toString());
        }
    }

    @Test
    void noNodeOnThePortSaysConnectionRefused() throws Exception {
        int port = freePort();
        init(port);
        Run r = CliTest.cairn("shell", "--home", home(), "-c", "lb");
        assertEquals(1, r.code());
        assertEquals("error: cannot reach the node's SSH shell at 127.0.0.1:" + port + ": connection refused (is the node running?)\n",
                r.err());
    }

    @Test
    void aKeyTheNodeDoesNotAuthorizeIsRefusedByName() throws Exception {
        init(freePort());
        Path keys = tmp.resolve("n0/keys");
        // Another key authorized, ours not.
        Files.delete(keys.resolve("authorized_keys"));
        OperatorSshKey.create(tmp.resolve("other"), "someone-else");
        Files.copy(tmp.resolve("other/authorized_keys"), keys.resolve("authorized_keys"));
        try (FakeSshNode node = new FakeSshNode(tmp.resolve("n0"))) {
            pointAt(node.port());
            Run r = CliTest.cairn("shell", "--home", home(), "-c", "lb");
            assertEquals(1, r.code());
            assertEquals("error: authentication refused: the key keys/operator_ssh is not in the node's authorized_keys\n", r.err());
        }
    }

    @Test
    void anotherNodesServerOnThePortIsNotTrusted() throws Exception {
        init(freePort());
        // The other node has its own host key; our home keeps the one it made.
        Path other = tmp.resolve("other");
        Files.createDirectories(other.resolve("keys"));
        Files.copy(tmp.resolve("n0/keys/authorized_keys"), other.resolve("keys/authorized_keys"));
        try (FakeSshNode mine = new FakeSshNode(tmp.resolve("n0")); FakeSshNode theirs = new FakeSshNode(other)) {
            pointAt(theirs.port());
            Run r = CliTest.cairn("shell", "--home", home(), "-c", "lb");
            assertEquals(1, r.code());
            assertTrue(r.err().contains("is not this node: its host key differs from"), r.err());
            assertEquals(List.of(), theirs.commands);
        }
    }
}
