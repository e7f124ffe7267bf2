package io.cairn.ssh.internal;

import io.cairn.api.testing.Await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshShellTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path home;

    private final FakeProcessor processor = new FakeProcessor();
    private final AtomicReference<PublicKey> serverKey = new AtomicReference<>();
    private SshClient client;
    private SshShell shell;
    private KeyPair operator;

    static final class Cfg implements SshShell.Config {
        String host = "127.0.0.1";
        int port = 0;
        boolean allowRemote;
        boolean passwordLogin;
        String passwordSha256 = "";

        @Override public String host() { return host; }
        @Override public int port() { return port; }
        @Override public boolean allowRemote() { return allowRemote; }
        @Override public String authorizedKeys() { return "keys/authorized_keys"; }
        @Override public String hostKey() { return "data/ssh/host.key"; }
        @Override public boolean passwordLogin() { return passwordLogin; }
        @Override public String passwordSha256() { return passwordSha256; }
        @Override public Class<? extends Annotation> annotationType() { return SshShell.Config.class; }
    }

    @BeforeEach
    void setUp() throws Exception {
        operator = newKey();
        authorize(operator);
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, address, key) -> {
            serverKey.set(key);
            return true;
        });
        client.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        client.stop();
        if (shell != null) {
            shell.deactivate();
        }
    }

    private static KeyPair newKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private void authorize(KeyPair key) throws IOException {
        Path file = home.resolve("keys/authorized_keys");
        Files.createDirectories(file.getParent());
        Files.writeString(file, PublicKeyEntry.toString(key.getPublic()) + " operator@test\n", StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private SshShell start(Cfg cfg) throws IOException {
        shell = new SshShell(cfg, home, processor);
        return shell;
    }

    private ClientSession login(KeyPair key) throws IOException {
        ClientSession s = client.connect("operator", "127.0.0.1", shell.port()).verify(TIMEOUT).getSession();
        s.addPublicKeyIdentity(key);
        s.auth().verify(TIMEOUT);
        return s;
    }

    record Result(int status, String out, String err) {}

    private static Result exec(ClientSession s, String command) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec ch = s.createExecChannel(command)) {
            ch.setOut(out);
            ch.setErr(err);
            ch.open().verify(TIMEOUT);
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            return new Result(ch.getExitStatus(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(what, TIMEOUT, condition);
    }

    @Test
    void execRunsOneCommandLineAndReturnsItsOutputAndStatus() throws Exception {
        start(new Cfg());
        try (ClientSession s = login(operator)) {
            assertEquals(new Result(0, "height 5\n", ""), exec(s, "status"));
            assertEquals(new Result(0, "5\n", ""), exec(s, "sum 2 3"));
            Result failed = exec(s, "boom");
            assertEquals(1, failed.status());
            assertEquals("Error: boom broke\n", failed.err());
        }
        await(() -> processor.open.get() == 0, "Gogo sessions to close");
    }

    @Test
    void shellChannelWithoutTerminalRunsLinesInOneSessionUntilExit() throws Exception {
        start(new Cfg());
        try (ClientSession s = login(operator); ChannelShell ch = s.createShellChannel()) {
            ch.setUsePty(false);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ch.setOut(out);
            ch.setErr(out);
            ch.open().verify(TIMEOUT);
            OutputStream in = ch.getInvertedIn();
            in.write("put 7\nget\nboom\nexit\nstatus\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            assertEquals(0, ch.getExitStatus());
            // Nothing after exit runs; no echo without a terminal.
            assertEquals("g! g! 7\ng! Error: boom broke\ng! ", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shellChannelWithTerminalEchoesAndUsesCrLf() throws Exception {
        start(new Cfg());
        try (ClientSession s = login(operator); ChannelShell ch = s.createShellChannel()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ch.setOut(out);
            ch.setErr(out);
            ch.open().verify(TIMEOUT);
            OutputStream in = ch.getInvertedIn();
            in.write("sux\u007fm 1 2\r".getBytes(StandardCharsets.UTF_8));
            in.flush();
            await(() -> out.toString(StandardCharsets.UTF_8).endsWith("3\r\ng! "), "the answer; got " + out);
            in.write(0x04);
            in.flush();
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            assertEquals("g! sux\b \bm 1 2\r\n3\r\ng! \r\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aKeyNotInAuthorizedKeysIsRefusedUntilItIsAdded() throws Exception {
        start(new Cfg());
        KeyPair stranger = newKey();
        assertThrows(IOException.class, () -> login(stranger).close());
        // Operators add keys without a restart: the file is re-read when it changes.
        authorize(stranger);
        try (ClientSession s = login(stranger)) {
            assertEquals(0, exec(s, "status").status());
        }
    }

    @Test
    void passwordLoginIsRefusedUnlessConfigured() throws Exception {
        start(new Cfg());
        ClientSession s = client.connect("operator", "127.0.0.1", shell.port()).verify(TIMEOUT).getSession();
        try (s) {
            s.addPasswordIdentity("secret");
            assertThrows(IOException.class, () -> s.auth().verify(TIMEOUT));
        }
    }

    @Test
    void passwordLoginWorksWithTheConfiguredHash() throws Exception {
        Cfg cfg = new Cfg();
        cfg.passwordLogin = true;
        cfg.passwordSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("secret".getBytes(StandardCharsets.UTF_8)));
        start(cfg);
        for (String password : new String[] {"wrong", "secret"}) {
            ClientSession s = client.connect("operator", "127.0.0.1", shell.port()).verify(TIMEOUT).getSession();
            try (s) {
                s.addPasswordIdentity(password);
                if (password.equals("wrong")) {
                    assertThrows(IOException.class, () -> s.auth().verify(TIMEOUT));
                } else {
                    s.auth().verify(TIMEOUT);
                    assertEquals("height 5\n", exec(s, "status").out());
                }
            }
        }
    }

    @Test
    void passwordLoginWithoutAHashIsAConfigurationError() {
        Cfg cfg = new Cfg();
        cfg.passwordLogin = true;
        var e = assertThrows(IllegalArgumentException.class, () -> start(cfg));
        assertTrue(e.getMessage().contains("passwordSha256"), e.getMessage());
    }

    @Test
    void nonLoopbackHostIsRefusedUnlessAllowed() {
        for (String host : new String[] {"0.0.0.0", "192.0.2.1"}) {
            Cfg cfg = new Cfg();
            cfg.host = host;
            var e = assertThrows(IllegalArgumentException.class, () -> start(cfg));
            assertTrue(e.getMessage().contains("allowRemote=true"), e.getMessage());
            assertTrue(e.getMessage().contains(host), e.getMessage());
        }
        Cfg allowed = new Cfg();
        allowed.host = "0.0.0.0";
        allowed.allowRemote = true;
        assertEquals("0.0.0.0", SshShell.bindAddress(allowed).getHostAddress());
        Cfg local = new Cfg();
        local.host = "::1";
        assertTrue(SshShell.bindAddress(local).isLoopbackAddress());
    }

    @Test
    void hostKeyIsCreatedOwnerOnlyAndKeptAcrossRestarts() throws Exception {
        start(new Cfg());
        login(operator).close();
        PublicKey first = serverKey.get();
        Path key = home.resolve("data/ssh/host.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        shell.deactivate();
        start(new Cfg());
        login(operator).close();
        assertEquals(first, serverKey.get());
    }

    @Test
    void aTakenPortFailsActivationWithAClearMessage() throws Exception {
        start(new Cfg());
        Cfg same = new Cfg();
        same.port = shell.port();
        var e = assertThrows(IOException.class, () -> new SshShell(same, home, processor));
        assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + same.port), e.getMessage());
    }

    @Test
    void deactivateClosesThePortSessionsAndThreads() throws Exception {
        start(new Cfg());
        int port = shell.port();
        ClientSession s = login(operator);
        ChannelShell ch = s.createShellChannel();
        ch.setUsePty(false);
        ch.setOut(OutputStream.nullOutputStream());
        ch.open().verify(TIMEOUT);
        await(() -> processor.open.get() == 1, "the shell's Gogo session");

        shell.deactivate();
        shell = null;
        ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
        assertEquals(0, processor.open.get());
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        await(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("cairn-ssh-")
                || (t.getName().contains("SshServer") && t.isAlive())), "the server's threads to end");
        assertFalse(ch.isOpen());
        s.close();
    }
    @Test
    void aCommandThatStopsTheShellItselfCompletesUninterrupted() throws Exception {
        // Felix `update` of this bundle from one of its own sessions: deactivation runs on the
        // session's thread, so it must neither wait for itself nor interrupt the update.
        start(new Cfg());
        SshShell running = shell;
        long[] took = new long[1];
        processor.hook = () -> {
            long t0 = System.nanoTime();
            running.deactivate();
            took[0] = System.nanoTime() - t0;
        };
        ClientSession s = login(operator);
        shell = null; // the hook deactivates it
        try (s; ChannelExec ch = s.createExecChannel("hook")) {
            ch.setOut(OutputStream.nullOutputStream());
            ch.open().verify(TIMEOUT);
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
        }
        await(() -> processor.interruptedInHook != null, "the hook to finish");
        assertFalse(processor.interruptedInHook, "the command's thread was interrupted");
        assertTrue(took[0] < Duration.ofSeconds(2).toNanos(), "deactivate waited " + took[0] / 1_000_000 + " ms for itself");
        await(() -> processor.open.get() == 0, "the command's Gogo session to close");
    }

    @Test
    void aClientLeavingDoesNotInterruptItsRunningCommand() throws Exception {
        start(new Cfg());
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        processor.hook = () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ClientSession s = login(operator);
        ChannelExec ch = s.createExecChannel("hook");
        ch.setOut(OutputStream.nullOutputStream());
        ch.open().verify(TIMEOUT);
        assertTrue(started.await(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
        s.close(true);
        await(() -> !s.isOpen(), "the client to leave");
        release.countDown();
        await(() -> processor.interruptedInHook != null, "the command to finish");
        assertFalse(processor.interruptedInHook, "the command was interrupted when its client left");
    }
    @Test
    void sessionThreadsDoNotInheritTheActivatingThreadsGogoStreams() throws Exception {
        // Gogo routes System.out/err through an InheritableThreadLocal; when a shell command
        // reactivates this component, its threads must not keep writing into that dead session.
        InheritableThreadLocal<String> gogoStreams = new InheritableThreadLocal<>();
        gogoStreams.set("the session that ran `update`");
        String[] seen = {"not run"};
        processor.hook = () -> seen[0] = gogoStreams.get();
        try {
            start(new Cfg());
        } finally {
            gogoStreams.remove();
        }
        try (ClientSession s = login(operator)) {
            assertEquals("hook done\n", exec(s, "hook").out());
        }
        assertEquals(null, seen[0]);
    }
}
