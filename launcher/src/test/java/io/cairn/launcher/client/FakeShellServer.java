package io.cairn.launcher.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The node side of the shell protocol: reads a request to EOF, answers "ran: <request>", closes. */
public final class FakeShellServer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Thread thread;
    public final List<String> requests = new CopyOnWriteArrayList<>();

    public FakeShellServer(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "fake-shell");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(1024);
                while (ch.read(buf) >= 0) {
                    request.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                String r = request.toString(StandardCharsets.UTF_8);
                requests.add(r);
                ByteBuffer answer = ByteBuffer.wrap(("ran: " + r + "grüße\n").getBytes(StandardCharsets.UTF_8));
                while (answer.hasRemaining()) {
                    ch.write(answer);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        thread.join(5000);
    }
}
