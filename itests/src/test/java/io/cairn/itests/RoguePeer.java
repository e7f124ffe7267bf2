package io.cairn.itests;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.crypto.CryptoSuite;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A peer run by the test that speaks the nodes' wire format (network-netty's {@code Wire}) over TLS 1.3,
 * or breaks it on purpose: one socket, a reader thread that records every frame the node sends and notices
 * when the node closes the connection, and writes of well-formed or malformed frames.
 *
 * <pre>
 * frame = u32 length | u8 topicLength | topic | payload     hello = topicLength 0, payload
 *         u32 magic 0x4341524E | u64 chainId | u16 minVersion | u16 maxVersion
 * </pre>
 */
final class RoguePeer implements AutoCloseable {
    static final int MAGIC = 0x4341524e;
    /** Frames kept for inspection; beyond it the reader still drains the socket but forgets. */
    private static final int KEEP_FRAMES = 4000;
    /** Larger frames are not the nodes' (16 MiB maxFrameBytes): the reader gives up rather than allocate. */
    private static final int MAX_READ_FRAME = 32 << 20;

    /** A frame the node sent: topic "" is the hello or a keepalive. */
    record Frame(String topic, byte[] payload) {}

    final String label;
    private final Socket socket;
    private final OutputStream out;
    private final Thread reader;
    private final List<Frame> frames = new ArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile String closedBy;
    private volatile boolean closing;

    private RoguePeer(String label, Socket socket) throws IOException {
        this.label = label;
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.reader = new Thread(this::read, "rogue-reader-" + label);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** A TLS 1.3 connection to a node on loopback; the handshake is done when this returns. */
    static RoguePeer tls(String label, SSLContext context, int port) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        try {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 3000);
            s.setSoTimeout(0);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.startHandshake();
            return new RoguePeer(label, s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** A plain TCP connection: for bytes that are not TLS at all. */
    static RoguePeer plain(String label, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 3000);
        return new RoguePeer(label, s);
    }

    // ---------------------------------------------------------------- writing

    void hello(long chainId, int minVersion, int maxVersion) throws IOException {
        raw(ByteBuffer.allocate(4 + 1 + 16).putInt(1 + 16).put((byte) 0).putInt(MAGIC).putLong(chainId)
                .putShort((short) minVersion).putShort((short) maxVersion).array());
    }

    void keepalive() throws IOException {
        raw(new byte[] {0, 0, 0, 1, 0});
    }

    void frame(String topic, byte[] payload) throws IOException {
        byte[] t = topic.getBytes(StandardCharsets.US_ASCII);
        raw(ByteBuffer.allocate(4 + 1 + t.length + payload.length).putInt(1 + t.length + payload.length)
                .put((byte) t.length).put(t).put(payload).array());
    }

    void raw(byte[] bytes) throws IOException {
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    // ---------------------------------------------------------------- reading

    private void read() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            while (true) {
                int length = in.readInt();
                if (length < 1 || length > MAX_READ_FRAME) {
                    closedBy = "the node sent a frame of length " + length;
                    return;
                }
                byte[] body = new byte[length];
                in.readFully(body);
                int topicLength = body[0] & 0xff;
                String topic = new String(body, 1, topicLength, StandardCharsets.US_ASCII);
                byte[] payload = java.util.Arrays.copyOfRange(body, 1 + topicLength, body.length);
                synchronized (frames) {
                    if (frames.size() < KEEP_FRAMES) {
                        frames.add(new Frame(topic, payload));
                    }
                    frames.notifyAll();
                }
            }
        } catch (EOFException e) {
            closedBy = "end of stream";
        } catch (IOException e) {
            closedBy = (closing ? "closed by the test: " : "") + e;
        } finally {
            closed.countDown();
            synchronized (frames) {
                frames.notifyAll();
            }
        }
    }

    /** Whether the node closed the connection (end of stream, reset or TLS alert) within the timeout. */
    boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** How the connection ended, as the reader saw it; null while open. */
    String closedBy() {
        return closedBy;
    }

    /** The first received frame matching, waiting for it until the timeout or the connection's end; null if none. */
    Frame awaitFrame(Predicate<Frame> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (frames) {
            while (true) {
                for (Frame f : frames) {
                    if (match.test(f)) {
                        return f;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || isClosed()) {
                    return null;
                }
                frames.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    List<Frame> frames() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    static boolean isHello(Frame f) {
        return f.topic().isEmpty() && f.payload().length >= 16 && ByteBuffer.wrap(f.payload()).getInt() == MAGIC;
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException e) {
            // already gone: nothing to release
        }
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- PBFT messages (consensus-pbft's PbftMessage)

    static final int PRE_PREPARE = 1;
    static final int PREPARE = 2;
    static final int COMMIT = 3;
    static final int VIEW_CHANGE = 4;
    static final int NEW_VIEW = 5;
    static final int DECIDED = 6;
    static final int FETCH = 7;

    /**
     * A PBFT message: {@code u8 version(1) | u8 type | u64 chainId | u64 height | u64 view | blockHash[32] |
     * sender[64] | bytes body | signature[64]}, the signature over the suite hash of everything before it.
     */
    record Pbft(int version, int type, long chainId, long height, long view, byte[] blockHash, byte[] sender, byte[] body,
            byte[] signature) {

        static Pbft signed(CryptoSuite suite, byte[] privateKey, int type, long chainId, long height, long view,
                byte[] blockHash, byte[] body) {
            byte[] sender = suite.publicKey(privateKey);
            byte[] unsigned = unsigned(1, type, chainId, height, view, blockHash, sender, body);
            return new Pbft(1, type, chainId, height, view, blockHash, sender, body, suite.sign(suite.hash(unsigned), privateKey));
        }

        static byte[] unsigned(int version, int type, long chainId, long height, long view, byte[] blockHash, byte[] sender,
                byte[] body) {
            return new Encoder(150 + body.length).u8(version).u8(type).u64(chainId).u64(height).u64(view).fixed(blockHash)
                    .fixed(sender).bytes(body).toByteArray();
        }

        byte[] encode() {
            return new Encoder(220 + body.length).fixed(unsigned(version, type, chainId, height, view, blockHash, sender, body))
                    .fixed(signature).toByteArray();
        }

        /** The same message with one signature bit flipped: it no longer verifies. */
        Pbft withFlippedSignature() {
            byte[] s = signature.clone();
            s[s.length / 2] ^= 0x01;
            return new Pbft(version, type, chainId, height, view, blockHash, sender, body, s);
        }

        static Pbft decode(byte[] payload) {
            Decoder d = new Decoder(payload, "pbft message");
            Pbft m = new Pbft(d.u8("version"), d.u8("type"), d.u64("chainId"), d.u64("height"), d.u64("view"),
                    d.fixed(32, "blockHash"), d.fixed(64, "sender"), d.bytes(64 << 20, "body"), d.fixed(64, "signature"));
            d.end();
            return m;
        }
    }
}
