package io.cairn.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.launcher.client.FakeShellServer;
import io.cairn.launcher.node.NodeHome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
    @TempDir
    Path tmp;

    /** One command line: exit code, stdout, stderr. */
    record Run(int code, String out, String err) {}

    static Run cairn(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private String home() {
        return tmp.resolve("n0").toString();
    }

    @Test
    void initThenReinitIsRefusedWithExitCode1() {
        Run first = cairn("init", "--dir", home(), "--accounts", "alice,bob", "--rpc-port", "20299");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("initialized node home"), first.out());
        assertTrue(first.out().contains("http://127.0.0.1:20299"), first.out());
        Run again = cairn("init", "--dir", home());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("node home " + tmp.resolve("n0").toAbsolutePath() + " is already initialized"), again.err());
        assertEquals(0, cairn("init", "--dir", home(), "--force").code());
    }

    @Test
    void usageErrorsExitWith2AndNameTheArgument() {
        assertUsage(cairn("init", "--dir", home(), "--suite", "rsa"), "--suite");
        assertUsage(cairn("init", "--dir", home(), "--chain-id", "abc"), "--chain-id");
        assertUsage(cairn("init", "--dir", home(), "--profile", "solo-nothing"), "solo-nothing");
        assertUsage(cairn("init", "--dir", home(), "--accounts", "a,a"), "--accounts");
        String many = String.join(",", java.util.stream.IntStream.rangeClosed(1, 1300).mapToObj(i -> "a" + i).toList());
        Run tooMany = cairn("init", "--dir", home(), "--accounts", many);
        assertUsage(tooMany, "--accounts: 1300 accounts make a genesis of ");
        assertTrue(tooMany.err().contains("over the 65536 bytes block 0's header holds: at most "), tooMany.err());
        assertUsage(cairn("init", "--nodes", "2", "--dir", home(), "--accounts", many), "--accounts: 1300 accounts");
        assertUsage(cairn("init", "--bogus"), "--bogus");
        assertFalse(Files.exists(tmp.resolve("n0")), "a rejected init writes nothing");
        assertUsage(cairn("frobnicate"), "frobnicate");
        assertUsage(cairn(), "missing command");
        assertUsage(cairn("tx", "transfer", "--to", "bob", "--amount", "1"), "--from");
        assertUsage(cairn("tx", "transfer", "--rpc", "http://127.0.0.1:1", "--from", "a", "--to", "b", "--amount", "-1"), "--amount");
        assertUsage(cairn("start", "--home", home(), "--timeout", "soon"), "soon");
        assertUsage(cairn("query", "--rpc", "not a url", "height"), "--rpc");
        assertUsage(cairn("query", "--rpc", "http://127.0.0.1:1", "receipt", "0x12"), "HASH");
        assertUsage(cairn("query", "--rpc", "http://127.0.0.1:1", "block", "twelve"), "twelve");
        assertUsage(cairn("archive", "--home", home(), "--to", "x"), "archive needs --below H and --to DIR");
        assertUsage(cairn("archive", "--home", home(), "--below", "ten", "--to", "x"), "--below");
        assertUsage(cairn("archive", "restore", "--home", home(), "--from", "3"), "--from A and --to B together");
    }

    @Test
    void archiveHasCreateRestoreAndList() {
        for (String[] cmd : new String[][] {{"archive", "--help"}, {"archive", "restore", "--help"},
                {"archive", "list", "--help"}}) {
            Run r = cairn(cmd);
            assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r.err());
            assertTrue(r.out().contains("Usage:"), r.out());
        }
        assertTrue(cairn("--help").out().contains("archive"));
    }

    private static void assertUsage(Run r, String named) {
        assertEquals(2, r.code(), "exit code; stderr: " + r.err());
        assertTrue(r.err().contains(named), "message should name " + named + ": " + r.err());
    }

    @Test
    void helpWorksForEveryCommand() {
        for (String[] cmd : new String[][] {{"--help"}, {"init", "--help"}, {"start", "--help"}, {"stop", "--help"},
                {"up", "--help"}, {"down", "--help"}, {"shell", "--help"}, {"tx", "transfer", "--help"},
                {"query", "--help"}, {"query", "block", "--help"}, {"bench", "--help"}}) {
            Run r = cairn(cmd);
            assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r.err());
            assertTrue(r.out().contains("Usage:"), r.out());
        }
    }

    @Test
    void failuresExitWith1() {
        Run notAHome = cairn("start", "--home", home());
        assertEquals(1, notAHome.code());
        assertTrue(notAHome.err().contains("is not a node home"), notAHome.err());
        Run unreachable = cairn("query", "--rpc", "http://127.0.0.1:1", "height");
        assertEquals(1, unreachable.code());
        assertTrue(unreachable.err().contains("cannot reach"), unreachable.err());
    }

    @Test
    void startRefusesAHomeWhosePidIsAlive() throws IOException {
        assertEquals(0, cairn("init", "--dir", home()).code());
        // This test JVM is a live java process: exactly what a running node looks like.
        Files.writeString(new NodeHome(Path.of(home())).pidFile(), ProcessHandle.current().pid() + "\n");
        Run r = cairn("start", "--home", home(), "--detach");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("node already running, pid " + ProcessHandle.current().pid()), r.err());
    }

    @Test
    void aHomeUnderConstructionIsNotStartedAndARunningNodeIsNotImportedInto() throws IOException {
        assertEquals(0, cairn("init", "--dir", home()).code());
        NodeHome h = new NodeHome(Path.of(home()));
        Files.createDirectories(h.data());
        Files.writeString(io.cairn.launcher.node.FelixNode.importMarker(h), "/snapshots/42\n");
        Run r = cairn("start", "--home", home(), "--detach");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("home " + h + " is under construction: the import of snapshot /snapshots/42 did "
                + "not finish; run ./cairn snapshot import again, or start from a new home"), r.err());
        Files.writeString(io.cairn.launcher.node.FelixNode.importMarker(h),
                io.cairn.launcher.node.JoinAtStart.directory(h) + "\n");
        Run joining = cairn("start", "--home", home(), "--detach");
        assertEquals(1, joining.code());
        assertTrue(joining.err().contains("home " + h + " is under construction: a join by state sync did not finish; run "
                + "./cairn start --join (or ./cairn snapshot join) again, or start from a new home"), joining.err());

        Files.writeString(h.pidFile(), ProcessHandle.current().pid() + "\n");
        Run running = cairn("snapshot", "import", "--home", home(), "--from", "/snapshots/42");
        assertEquals(1, running.code());
        assertTrue(running.err().contains("node running, pid " + ProcessHandle.current().pid()), running.err());
    }

    @Test
    void stopCleansAStalePidFile() throws Exception {
        assertEquals(0, cairn("init", "--dir", home()).code());
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path pidFile = new NodeHome(Path.of(home())).pidFile();
        Files.writeString(pidFile, dead.pid() + "\n");
        Run r = cairn("stop", "--home", home());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("stale pid file (pid " + dead.pid() + ")"), r.out());
        assertFalse(Files.exists(pidFile));
        Run again = cairn("stop", "--home", home());
        assertTrue(again.out().contains("is not running"), again.out());
    }

    @Test
    void stopTerminatesTheProcessOfThePidFile() throws Exception {
        assertEquals(0, cairn("init", "--dir", home()).code());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // A java process that only ends when signalled, standing in for a node.
        Process node = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Sleeper.class.getName()).start();
        try {
            Path pidFile = new NodeHome(Path.of(home())).pidFile();
            Files.writeString(pidFile, node.pid() + "\n");
            Run r = cairn("stop", "--home", home(), "--timeout", "20s");
            assertEquals(0, r.code(), r.err());
            assertFalse(node.isAlive());
            assertFalse(Files.exists(pidFile));
        } finally {
            node.destroyForcibly();
        }
    }

    /** Main of the stand-in node process. */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(Duration.ofMinutes(5).toMillis());
        }
    }

    @Test
    void shellWithoutSocketSaysNoNode() {
        // A home without keys/operator_ssh (made before the SSH shell) uses the socket.
        Run r = cairn("shell", "--home", home(), "-c", "lb");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no node running at " + tmp.resolve("n0").toAbsolutePath() + " (no shell socket)"), r.err());
    }

    @Test
    void shellRunsOneCommandOrALoopOfThem() throws Exception {
        NodeHome h = new NodeHome(tmp.resolve("n0"));
        Files.createDirectories(h.data());
        try (FakeShellServer server = new FakeShellServer(h.shellSocket())) {
            Run one = cairn("shell", "--home", home(), "-c", "cairn:status");
            assertEquals(0, one.code(), one.err());
            assertEquals("ran: cairn:status\ngrüße\n", one.out());

            ShellCommand loop = new ShellCommand();
            loop.in = new ByteArrayInputStream("lb\n\nscr:list\nexit\nnever\n".getBytes(StandardCharsets.UTF_8));
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(loop);
            cl.setOut(new PrintWriter(out, true));
            assertEquals(0, cl.execute("--home", home()));
            assertEquals("g! ran: lb\ngrüße\ng! g! ran: scr:list\ngrüße\ng! ", out.toString());
            assertEquals(java.util.List.of("cairn:status\n", "lb\n", "scr:list\n"), server.requests);
        }
    }

    @Test
    void durations() {
        DurationConverter c = new DurationConverter();
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofSeconds(30), c.convert("30s"));
        assertEquals(Duration.ofSeconds(30), c.convert("30"));
        assertEquals(Duration.ofMinutes(2), c.convert("2m"));
    }
}
