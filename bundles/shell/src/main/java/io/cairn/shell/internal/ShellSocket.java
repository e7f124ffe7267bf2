package io.cairn.shell.internal;

import io.cairn.api.runtime.NodeHome;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's Gogo shell for {@code cairn shell}: a Unix domain socket in the node home, readable only
 * by the node's user (the file system is the authentication). A client writes command lines, shuts
 * its output, and reads the results until the node closes the connection.
 */
@Component(immediate = true, configurationPid = "io.cairn.shell")
@Designate(ocd = ShellSocket.Config.class)
public final class ShellSocket {
    private static final System.Logger LOG = System.getLogger(ShellSocket.class.getName());
    private static final int MAX_INPUT = 64 * 1024;

    @ObjectClassDefinition(name = "Cairn local shell socket")
    public @interface Config {
        @AttributeDefinition(description = "Unix socket path, relative to the node home")
        String socket() default "data/shell.sock";
    }

    private final CommandProcessor processor;
    private final ServerSocketChannel server;
    private final Path path;
    private final Thread acceptor;

    @Activate
    public ShellSocket(Config config, BundleContext context, @Reference CommandProcessor processor)
            throws IOException {
        this.processor = processor;
        this.path = NodeHome.resolve(context, config.socket());
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path); // a socket file left by a killed node
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions apply
            }
        } catch (IOException e) {
            server.close();
            throw new IOException("shell: cannot listen on " + path + ": " + e.getMessage(), e);
        }
        acceptor = new Thread(this::accept, "cairn-shell-socket");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                serve(client);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "shell: connection failed: " + e.getMessage());
            }
        }
    }

    private void serve(SocketChannel client) throws IOException {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (client.read(buf) >= 0) {
            buf.flip();
            input.write(buf.array(), 0, buf.limit());
            buf.clear();
            if (input.size() > MAX_INPUT) {
                client.write(ByteBuffer.wrap(("Error: input over " + MAX_INPUT + " bytes\n").getBytes(StandardCharsets.UTF_8)));
                return;
            }
        }
        client.write(ByteBuffer.wrap(run(input.toString(StandardCharsets.UTF_8))));
    }

    /** Runs each non-empty line in one session; errors are printed, never thrown. */
    byte[] run(String script) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
                CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps)) {
            for (String line : script.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Object result = session.execute(line);
                    if (result != null) {
                        ps.println(session.format(result, Converter.INSPECT));
                    }
                } catch (Exception e) {
                    ps.println("Error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                }
            }
        }
        return out.toByteArray();
    }

    @Deactivate
    void deactivate() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5000);
        Files.deleteIfExists(path);
    }
}
