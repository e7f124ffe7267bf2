package io.cairn.launcher.client;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One Gogo command on a running node, over the Unix domain socket the cairn-shell bundle serves:
 * send the command line and "\n", half-close, and copy the answer until the node closes.
 */
public final class ShellClient {
    private final Path socket;

    public ShellClient(Path socket) {
        this.socket = socket;
    }

    /** Copies the answer to {@code out} as it arrives, so long listings show while they are written. */
    public void run(String commandLine, Writer out) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = ByteBuffer.wrap((commandLine + "\n").getBytes(StandardCharsets.UTF_8));
            while (request.hasRemaining()) {
                ch.write(request);
            }
            ch.shutdownOutput();
            Reader answer = Channels.newReader(ch, StandardCharsets.UTF_8);
            char[] buf = new char[8192];
            for (int n; (n = answer.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        }
    }
}
