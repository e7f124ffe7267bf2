package io.cairn.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

class ShellSocketTest {
    @TempDir
    Path home;

    /** A command processor whose sessions answer "ran: LINE" and fail on "boom". */
    private static CommandProcessor processor() {
        return (CommandProcessor) Proxy.newProxyInstance(ShellSocketTest.class.getClassLoader(),
                new Class<?>[] {CommandProcessor.class}, (p, m, args) -> {
                    if (!m.getName().equals("createSession")) {
                        return null;
                    }
                    return Proxy.newProxyInstance(ShellSocketTest.class.getClassLoader(),
                            new Class<?>[] {CommandSession.class}, (s, sm, sargs) -> switch (sm.getName()) {
                                case "execute" -> {
                                    if (sargs[0].equals("boom")) {
                                        throw new IllegalArgumentException("no such command: boom");
                                    }
                                    yield "ran: " + sargs[0];
                                }
                                case "format" -> sargs[0].toString();
                                default -> null;
                            });
                });
    }

    private static BundleContext context(Path home) {
        return (BundleContext) Proxy.newProxyInstance(ShellSocketTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class},
                (p, m, args) -> m.getName().equals("getProperty") && "cairn.home".equals(args[0]) ? home.toString() : null);
    }

    private static ShellSocket.Config config() {
        return new ShellSocket.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ShellSocket.Config.class;
            }

            @Override
            public String socket() {
                return "data/shell.sock";
            }
        };
    }

    private static String send(Path socket, String text) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1024);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void runsCommandsAndReportsErrorsWithoutDying() throws Exception {
        ShellSocket shell = new ShellSocket(config(), context(home), processor());
        Path socket = home.resolve("data/shell.sock");
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("ran: cairn:status\n", send(socket, "cairn:status\n"));
            assertEquals("Error: no such command: boom\nran: lb\n", send(socket, "boom\nlb\n"));
        } finally {
            shell.deactivate();
        }
        assertFalse(Files.exists(socket), "the socket file is removed on deactivate");
    }

    @Test
    void replacesASocketFileLeftByAKilledNode() throws Exception {
        Files.createDirectories(home.resolve("data"));
        Files.writeString(home.resolve("data/shell.sock"), "stale");
        ShellSocket shell = new ShellSocket(config(), context(home), processor());
        try {
            assertTrue(send(home.resolve("data/shell.sock"), "x\n").startsWith("ran: x"));
        } finally {
            shell.deactivate();
        }
    }

}
