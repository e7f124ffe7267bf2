package io.cairn.network.netty.internal;

import io.cairn.api.network.MessageHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TLS connection with a peer: the handshake and the peer's node id, the hello, inbound frames to
 * the topic handlers (on this channel's event loop, so in order per peer), and the outbound queue.
 *
 * <p>Outbound: {@link #enqueue} may be called from any thread and never blocks. Frames wait in a
 * lock-free queue whose byte count is the peer's back-pressure measure; one task per event-loop tick
 * moves them into the channel while it is writable and flushes once, so many small messages cost one
 * TLS record batch and one syscall. When the channel is not writable the queue grows until
 * sendQueueBytes, then {@link #enqueue} refuses.
 */
final class Connection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    enum State { HANDSHAKE, HELLO, ACTIVE, CLOSED }

    private final NettyNetwork net;
    private final boolean outbound;
    private final Dialer.Target target;
    private final Queue<ByteBuf> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private volatile Channel channel;
    private volatile State state = State.HANDSHAKE;
    private volatile String peerId;
    private volatile PeerState peer;
    private volatile int version;
    private ScheduledFuture<?> helloTimeout;

    Connection(NettyNetwork net, boolean outbound, Dialer.Target target) {
        this.net = net;
        this.outbound = outbound;
        this.target = target;
    }

    boolean outbound() {
        return outbound;
    }

    String peerId() {
        return peerId;
    }

    int version() {
        return version;
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    boolean isOpen() {
        Channel c = channel;
        return state != State.CLOSED && c != null && c.isActive();
    }

    String remoteAddress() {
        Channel c = channel;
        SocketAddress a = c == null ? null : c.remoteAddress();
        if (a instanceof InetSocketAddress i) {
            return i.getHostString() + ":" + i.getPort();
        }
        return target != null ? target.address() : String.valueOf(a);
    }

    /** The node id of the node that opened this connection. */
    String dialer() {
        return outbound ? net.self() : peerId;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        net.opened(ctx.channel());
        helloTimeout = ctx.executor().schedule(() -> {
            if (state != State.ACTIVE && state != State.CLOSED) {
                close("no TLS handshake and hello within " + net.helloTimeoutMs() + " ms");
            }
        }, net.helloTimeoutMs(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                close("silent for " + 3 * net.keepaliveMs() + " ms");
            } else if (idle.state() == IdleState.WRITER_IDLE && state == State.ACTIVE) {
                ctx.writeAndFlush(Wire.keepalive(ctx.alloc()), ctx.voidPromise());
            }
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                net.handshakeFailed();
                close("TLS handshake failed: " + rootMessage(done.cause()));
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            String id = TlsIdentity.peerNodeId(ssl.engine().getSession()).orElse(null);
            if (id == null) {
                net.handshakeFailed();
                close("its certificate carries no node id (SubjectAlternativeName URI cairn-node:0x...)");
                return;
            }
            peerId = id;
            if (id.equals(net.self())) {
                if (target != null) {
                    target.markSelf();
                }
                close("it is this node itself");
                return;
            }
            if (target != null) {
                target.knownId(id);
            }
            String refused = net.refusal(id);
            if (refused != null) {
                close(refused);
                return;
            }
            long chainId = net.chainId();
            if (chainId == 0) {
                close("this node does not know its chain id yet (no genesis block and no chainId configured)");
                return;
            }
            state = State.HELLO;
            ctx.writeAndFlush(Wire.hello(ctx.alloc(), chainId, net.minVersion, net.maxVersion),
                    ctx.voidPromise());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf body = (ByteBuf) msg;
        try {
            State s = state;
            if (s == State.ACTIVE) {
                deliver(body);
            } else if (s == State.HELLO) {
                hello(body);
            } else if (s == State.HANDSHAKE) {
                close("sent a frame before the TLS handshake completed");
            }
        } catch (Wire.MalformedFrameException e) {
            net.malformed();
            if (state == State.ACTIVE) {
                // after a negotiated version, a frame that does not decode is no honest node's
                net.penalise(peerId, "malformed frame: " + e.getMessage());
            }
            close("malformed frame: " + e.getMessage());
        } catch (RuntimeException e) {
            net.malformed();
            close("a message handler failed on its message: " + e);
        } finally {
            body.release();
        }
    }

    private void hello(ByteBuf body) {
        String topic = Wire.readTopic(body);
        if (!topic.isEmpty()) {
            throw new Wire.MalformedFrameException("first frame is not a hello (topic '" + topic + "')");
        }
        Wire.Hello h = Wire.readHello(body);
        long ours = net.chainId();
        if (h.chainId() != ours) {
            close("it is on chain " + h.chainId() + ", this node on chain " + ours);
            return;
        }
        int v = h.negotiate(net.minVersion, net.maxVersion);
        if (v < 0) {
            // each side reads the other's hello, so each refuses and says why
            String why = "no common protocol version: it speaks " + h.minVersion() + ".." + h.maxVersion()
                    + ", this node " + net.minVersion + ".." + net.maxVersion;
            net.refusedVersion(peerId == null ? remoteAddress() : TlsIdentity.shortId(peerId) + " at " + remoteAddress(), why);
            close(why);
            return;
        }
        version = v;
        String refused = net.refusal(peerId);
        if (refused != null) {
            close(refused);
            return;
        }
        PeerState p = net.attach(this);
        if (p == null) {
            close("a preferred connection with this peer already exists");
            return;
        }
        peer = p;
        state = State.ACTIVE;
        if (helloTimeout != null) {
            helloTimeout.cancel(false);
        }
        if (target != null) {
            target.connected();
        }
        LOG.log(Level.INFO, () -> "network: connected " + (outbound ? "to " : "from ") + TlsIdentity.shortId(peerId)
                + " at " + remoteAddress() + " (protocol v" + version + ")");
        drain();
    }

    private void deliver(ByteBuf body) {
        String topic = Wire.readTopic(body);
        if (topic.isEmpty()) {
            if (body.isReadable()) {
                throw new Wire.MalformedFrameException("a second hello");
            }
            return; // keepalive
        }
        PeerState p = peer;
        p.messagesIn.increment();
        MessageHandler[] handlers = net.handlers().handlers(topic);
        if (handlers.length == 0) {
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(body);
        for (MessageHandler h : handlers) {
            h.onMessage(peerId, topic, payload);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
            net.malformed();
            close("oversized frame: " + rootMessage(cause));
        } else {
            close(rootMessage(cause));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        boolean wasActive = peer != null;
        state = State.CLOSED;
        if (helloTimeout != null) {
            helloTimeout.cancel(false);
        }
        releaseQueue();
        net.closed(this, ctx.channel(), wasActive);
        if (target != null) {
            target.disconnected(wasActive);
        }
        ctx.fireChannelInactive();
    }

    /**
     * Queues a frame (owned by this call from now on).
     *
     * @return false, releasing the frame, when the connection is gone or the peer's queue is full
     */
    boolean enqueue(ByteBuf frame) {
        int size = frame.readableBytes();
        long after = queuedBytes.addAndGet(size);
        if (after > net.sendQueueBytes() && after != size) {
            queuedBytes.addAndGet(-size);
            frame.release();
            return false;
        }
        queue.add(frame);
        if (state == State.CLOSED) {
            releaseQueue();
            return false;
        }
        scheduleDrain();
        return true;
    }

    /** Takes over what a replaced connection to the same peer had not yet written, in order. */
    void adopt(Connection old) {
        for (ByteBuf f; (f = old.queue.poll()) != null; ) {
            old.queuedBytes.addAndGet(-f.readableBytes());
            queuedBytes.addAndGet(f.readableBytes());
            queue.add(f);
        }
    }

    private void scheduleDrain() {
        Channel c = channel;
        if (c != null && state == State.ACTIVE && drainScheduled.compareAndSet(false, true)) {
            try {
                c.eventLoop().execute(drainTask);
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down with the network: nothing will be sent any more.
                drainScheduled.set(false);
                releaseQueue();
            }
        }
    }

    private void drain() {
        drainScheduled.set(false);
        Channel c = channel;
        if (state != State.ACTIVE || c == null) {
            return;
        }
        boolean wrote = false;
        while (c.isWritable()) {
            ByteBuf f = queue.poll();
            if (f == null) {
                break;
            }
            queuedBytes.addAndGet(-f.readableBytes());
            c.write(f, c.voidPromise());
            wrote = true;
        }
        if (wrote) {
            c.flush();
        }
    }

    private void releaseQueue() {
        for (ByteBuf f; (f = queue.poll()) != null; ) {
            queuedBytes.addAndGet(-f.readableBytes());
            f.release();
        }
    }

    /** Closes this connection only, saying why (with the peer's id) in the log. */
    void close(String reason) {
        Channel c = channel;
        if (state == State.CLOSED && (c == null || !c.isOpen())) {
            return;
        }
        boolean quiet = net.isClosing();
        LOG.log(quiet ? Level.DEBUG : Level.INFO, () -> "network: closing connection " + (outbound ? "to " : "from ")
                + (peerId == null ? remoteAddress() : TlsIdentity.shortId(peerId) + " at " + remoteAddress()) + ": " + reason);
        state = State.CLOSED;
        if (c != null) {
            c.close();
        }
    }

    /** Longest cause text logged: Netty's NotSslRecordException carries the whole received buffer in hex. */
    static final int MAX_REASON = 200;

    /**
     * The root cause, cut to {@link #MAX_REASON} characters: anyone who reaches the port, certificate or not,
     * chooses these bytes, and must not be able to write them into the node's log at will.
     */
    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getClass().getSimpleName() + (r.getMessage() == null ? "" : ": " + r.getMessage());
        return m.length() <= MAX_REASON ? m : m.substring(0, MAX_REASON) + "... (" + m.length() + " characters)";
    }
}
