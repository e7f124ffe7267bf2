package io.cairn.network.netty.internal;

import io.cairn.api.runtime.NodeHome;
import io.cairn.api.chain.Genesis;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The network component on Netty: mutual TLS 1.3 between the chain's nodes (only certificates of the
 * chain's CA are trusted; a peer's id is the node id in its certificate), length-framed messages by
 * topic delivered to {@link MessageHandler} whiteboard services, per-peer send queues with
 * back-pressure, and reconnection with backoff to the configured peers.
 *
 * <p>The listening port is exclusive: an upgrade must deactivate the old instance (which closes the
 * port and stops its threads before returning) before the new one activates.
 */
@Component(immediate = true, service = Network.class, configurationPid = "io.cairn.network",
        property = {"cairn.component=network", "cairn.engine=netty", "cairn.upgrade=stop-first"})
@Designate(ocd = NettyNetwork.Config.class, factory = false)
public final class NettyNetwork implements Network {
    private static final System.Logger LOG = System.getLogger(NettyNetwork.class.getName());
    /**
     * The protocol versions this engine speaks (the hello's range), unless its bundle declares another range with
     * the manifest header {@value #WIRE_HEADER} ({@code MIN-MAX}, or one version).
     */
    static final int MIN_VERSION = 1;
    static final int MAX_VERSION = 1;
    static final String WIRE_HEADER = "Cairn-Wire";
    static final AttributeKey<Dialer.Target> TARGET = AttributeKey.valueOf(NettyNetwork.class, "cairn.dial.target");
    private static final long QUIET_MS = 20;
    private static final long SHUTDOWN_TIMEOUT_MS = 3000;
    private static final int HANDSHAKE_TIMEOUT_MS = 5000;
    private static final int CONNECT_TIMEOUT_MS = 3000;
    /** Netty's own outbound buffer per channel: beyond it frames wait in our queue, where they are counted. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    @ObjectClassDefinition(name = "Cairn network (Netty)", description = "Mutual-TLS peer network (pid io.cairn.network)")
    public @interface Config {
        @AttributeDefinition(description = "Address to listen on")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port (30300 + node index); 0 picks a free port")
        int port() default 30300;

        @AttributeDefinition(description = "Peer addresses (host:port) to dial and keep connected")
        String[] peers() default {};

        @AttributeDefinition(description = "The chain CA's certificate (PEM); the only one trusted")
        String caCert() default "keys/tls/ca.crt";

        @AttributeDefinition(description = "This node's certificate (PEM), issued by the chain CA")
        String nodeCert() default "keys/tls/node.crt";

        @AttributeDefinition(description = "This node's TLS private key (PKCS#8 PEM)")
        String nodeKey() default "keys/tls/node.key";

        @AttributeDefinition(description = "The chain id; 0 takes it from the genesis block")
        long chainId() default 0;

        @AttributeDefinition(description = "Largest frame (topic length, topic and payload) in bytes")
        int maxFrameBytes() default 16 * 1024 * 1024;

        @AttributeDefinition(description = "Bytes that may wait to be sent to one peer before send() refuses")
        long sendQueueBytes() default 64L * 1024 * 1024;

        @AttributeDefinition(description = "First reconnection delay in ms (doubles after each failure)")
        long reconnectMinMs() default 200;

        @AttributeDefinition(description = "Longest reconnection delay in ms")
        long reconnectMaxMs() default 5000;

        @AttributeDefinition(description = "Time in ms a new connection has to complete TLS and hello")
        long helloTimeoutMs() default 10000;

        @AttributeDefinition(description = "A keepalive goes out after this many ms without traffic to a peer; a peer silent for three times as long is disconnected")
        long keepaliveMs() default 10000;

        @AttributeDefinition(description = "Netty event loop threads (they also run the message handlers)")
        int ioThreads() default 2;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    private final Config config;
    private final String host;
    private final TlsIdentity tls;
    private final TopicHandlers handlers = new TopicHandlers();
    private final ServiceTracker<MessageHandler, MessageHandler> tracker;
    private final PeerTable peers;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder refusals = new LongAdder();
    /** The node's record of misbehaving peers: the network refuses whom it bans, and reports wire-format abuse. */
    private final PeerReputation reputation;
    private final EventLoopGroup group;
    private final Channel server;
    private final int port;
    private final Dialer dialer;
    private volatile long chainId;
    private volatile boolean closing;
    final int minVersion;
    final int maxVersion;
    /** The last peer refused for speaking no version this engine speaks, and why: shown in the health. */
    private volatile String versionRefusal;

    /**
     * Loads the TLS identity, binds the port and starts dialing the peers.
     *
     * @param context null outside a framework (tests): no handler tracking, paths relative to the working dir
     * @throws IllegalStateException naming the file or host:port that is wrong
     * @throws IllegalArgumentException naming the configuration property that is wrong
     */
    @Activate
    public NettyNetwork(BundleContext context, Config config, @Reference PeerReputation reputation) {
        this(context, config, reputation, wireRange(context == null ? null
                : context.getBundle().getHeaders("").get(WIRE_HEADER)));
    }

    /** The range of a {@code Cairn-Wire} header (this bundle's manifest); 1..1 without one. */
    static int[] wireRange(String h) {
        return Wire.range(h, MIN_VERSION, MAX_VERSION, WIRE_HEADER);
    }

    /** With the protocol range {@code wire} ({min, max}) given: tests of peers that speak other versions. */
    NettyNetwork(BundleContext context, Config config, PeerReputation reputation, int[] wire) {
        check(config);
        this.minVersion = wire[0];
        this.maxVersion = wire[1];
        this.config = config;
        this.reputation = reputation;
        this.host = config.host();
        this.chainId = config.chainId();
        Path home = NodeHome.of(context);
        this.tls = TlsIdentity.load(home.resolve(config.caCert()), home.resolve(config.nodeCert()), home.resolve(config.nodeKey()));
        this.peers = new PeerTable(tls.nodeId);
        // A .cfg file gives the list as one comma-separated string; typed configuration gives an array.
        List<String> peerAddresses = Arrays.stream(config.peers() == null ? new String[0] : config.peers())
                .filter(s -> s != null).flatMap(s -> Arrays.stream(s.split(","))).filter(s -> !s.isBlank())
                .map(String::trim).distinct().toList();
        peerAddresses.forEach(Dialer::hostPort);
        ThreadFactory base = new DefaultThreadFactory("cairn-network-io", true);
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), r -> {
            Thread t = base.newThread(r);
            threads.add(t);
            return t;
        }, NioIoHandler.newFactory());
        try {
            ServerBootstrap sb = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 128).option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (closing) {
                                ch.close();
                                return;
                            }
                            pipeline(ch.pipeline(), tls.server.newHandler(ch.alloc()), new Connection(NettyNetwork.this, false, null));
                        }
                    });
            this.server = sb.bind(host, config.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            // bind() rethrows the checked BindException undeclared: catch everything and say where.
            shutdownGroup();
            throw new IllegalStateException("network: cannot listen on " + host + ":" + config.port()
                    + " (is another node or an old network engine still on it?): " + e.getMessage(), e);
        }
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
        Bootstrap client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Dialer.Target t = ch.attr(TARGET).get();
                        pipeline(ch.pipeline(), tls.client.newHandler(ch.alloc(), t.host(), t.port()),
                                new Connection(NettyNetwork.this, true, t));
                    }
                });
        this.dialer = new Dialer(peerAddresses, group, client, config.reconnectMinMs(), config.reconnectMaxMs(),
                this::isConnected, this::refusedForMs);
        this.tracker = context == null ? null : handlers.tracker(context);
        if (tracker != null) {
            tracker.open();
        }
        LOG.log(Level.INFO, () -> "network: node " + TlsIdentity.shortId(tls.nodeId) + " listening on " + host + ":" + port
                + ", dialing " + peerAddresses.size() + " peer(s)");
        dialer.start();
    }

    private void pipeline(ChannelPipeline p, SslHandler ssl, Connection connection) {
        ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
        p.addLast("tls", ssl);
        p.addLast("idle", new IdleStateHandler(3 * config.keepaliveMs(), config.keepaliveMs(), 0, TimeUnit.MILLISECONDS));
        p.addLast("frames", new LengthFieldBasedFrameDecoder(config.maxFrameBytes() + Wire.LENGTH_BYTES, 0,
                Wire.LENGTH_BYTES, 0, Wire.LENGTH_BYTES, true));
        p.addLast("peer", connection);
    }

    private static void check(Config c) {
        if (c.port() < 0 || c.port() > 65535) {
            throw new IllegalArgumentException("io.cairn.network: port must be 0-65535, got " + c.port());
        }
        if (c.maxFrameBytes() < 1024 || c.maxFrameBytes() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("io.cairn.network: maxFrameBytes must be at least 1024, got " + c.maxFrameBytes());
        }
        if (c.sendQueueBytes() < c.maxFrameBytes()) {
            throw new IllegalArgumentException("io.cairn.network: sendQueueBytes (" + c.sendQueueBytes()
                    + ") must hold at least one frame of maxFrameBytes (" + c.maxFrameBytes() + ")");
        }
        if (c.reconnectMinMs() < 1 || c.reconnectMaxMs() < c.reconnectMinMs()) {
            throw new IllegalArgumentException("io.cairn.network: need 1 <= reconnectMinMs <= reconnectMaxMs, got "
                    + c.reconnectMinMs() + " and " + c.reconnectMaxMs());
        }
        if (c.helloTimeoutMs() < 100) {
            throw new IllegalArgumentException("io.cairn.network: helloTimeoutMs must be at least 100, got " + c.helloTimeoutMs());
        }
        if (c.keepaliveMs() < 10) {
            throw new IllegalArgumentException("io.cairn.network: keepaliveMs must be at least 10, got " + c.keepaliveMs());
        }
        if (c.ioThreads() < 1) {
            throw new IllegalArgumentException("io.cairn.network: ioThreads must be at least 1, got " + c.ioThreads());
        }
        if (c.chainId() < 0) {
            throw new IllegalArgumentException("io.cairn.network: chainId must not be negative, got " + c.chainId());
        }
    }

    @Deactivate
    public void deactivate() {
        closing = true;
        dialer.stop();
        if (tracker != null) {
            tracker.close();
        }
        server.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        for (Channel c : channels) {
            c.close();
        }
        shutdownGroup();
        LOG.log(Level.INFO, () -> "network: stopped listening on " + host + ":" + port);
    }

    private void shutdownGroup() {
        group.shutdownGracefully(QUIET_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS + 1000);
        // The termination future completes just before each loop thread exits: wait for the exit itself, so
        // that a stopped engine leaves no thread (and no class loader) behind.
        for (Thread t : threads) {
            try {
                t.join(SHUTDOWN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- the Network service

    @Override
    public String self() {
        return tls.nodeId;
    }

    @Override
    public List<Peer> peers() {
        List<Peer> out = new ArrayList<>();
        for (PeerState p : peers.rows()) {
            Connection c = p.active;
            boolean up = c != null && c.isOpen();
            out.add(new Peer(p.id, p.address, up, p.outbound, up ? p.connectedSince : 0, p.messagesIn.sum(),
                    p.messagesOut.sum(), up ? c.queuedBytes() : 0));
        }
        for (Dialer.Target t : dialer.targets()) {
            String id = t.knownId();
            if (!t.isSelf() && (id == null || !peers.knows(id))) {
                out.add(new Peer(id, t.address(), false, true, 0, 0, 0, 0));
            }
        }
        return out;
    }

    @Override
    public boolean send(String peerId, String topic, byte[] payload) {
        byte[] t = Wire.topic(topic);
        checkPayload(payload);
        PeerState p = peers.get(peerId);
        Connection c = p == null ? null : p.active;
        if (c == null || closing) {
            return false;
        }
        if (c.enqueue(Wire.frame(ByteBufAllocator.DEFAULT, t, payload))) {
            p.messagesOut.increment();
            return true;
        }
        return false;
    }

    @Override
    public int broadcast(String topic, byte[] payload) {
        byte[] t = Wire.topic(topic);
        checkPayload(payload);
        if (closing) {
            return 0;
        }
        // Encoded once; each peer's queue holds a retained view of the same bytes.
        ByteBuf frame = Wire.frame(ByteBufAllocator.DEFAULT, t, payload);
        int accepted = 0;
        try {
            for (PeerState p : peers.rows()) {
                Connection c = p.active;
                if (c != null && c.enqueue(frame.retainedDuplicate())) {
                    p.messagesOut.increment();
                    accepted++;
                }
            }
        } finally {
            frame.release();
        }
        return accepted;
    }

    @Override
    public int maxPayload() {
        return config.maxFrameBytes() - 1 - Wire.MAX_TOPIC;
    }

    private void checkPayload(byte[] payload) {
        if (payload == null) {
            throw new IllegalArgumentException("network: payload is missing");
        }
        if (payload.length > maxPayload()) {
            throw new IllegalArgumentException("network: payload of " + payload.length + " bytes exceeds maxPayload "
                    + maxPayload() + " (maxFrameBytes " + config.maxFrameBytes() + ")");
        }
    }

    /** The longest reason logged: a component's words, but they may quote what the peer sent. */
    static final int MAX_BAN_REASON = 300;

    /** Closes every connection with a peer the reputation just banned; the ban keeps it out (see {@link #refusal}). */
    @Override
    public void disconnect(String peerId, String reason) {
        if (peerId == null || peerId.equals(self()) || closing) {
            return;
        }
        String why = reason == null || reason.isBlank() ? "misbehaviour" : reason.strip();
        String cut = why.length() <= MAX_BAN_REASON ? why : why.substring(0, MAX_BAN_REASON) + "...";
        LOG.log(Level.WARNING, () -> "network: disconnecting peer " + TlsIdentity.shortId(peerId) + ": " + cut);
        // Every connection with it: the active one, and any still in its hello (it would attach next).
        for (Channel ch : channels) {
            Connection c = ch.pipeline().get(Connection.class);
            if (c != null && peerId.equals(c.peerId())) {
                c.close("disconnected for misbehaviour: " + cut);
            }
        }
    }

    /** Reports a peer that broke the wire format: no honest node sends what does not decode. */
    void penalise(String peerId, String why) {
        if (peerId != null && !closing) {
            reputation.penalise(peerId, "network", why);
        }
    }

    /** How long the peer is still refused for misbehaviour, in ms; 0 if it is not. */
    long refusedForMs(String peerId) {
        Optional<Ban> b = reputation.ban(peerId);
        return b.isEmpty() ? 0 : Math.max(0, b.get().untilMillis() - System.currentTimeMillis());
    }

    /** Why a connection with the peer must close now, or null if it may connect. */
    String refusal(String peerId) {
        Optional<Ban> b = reputation.ban(peerId);
        if (b.isEmpty()) {
            return null;
        }
        refusals.increment();
        long left = Math.max(0, b.get().untilMillis() - System.currentTimeMillis());
        return "refused for " + (left + 999) / 1000 + " s more, banned for misbehaviour: " + b.get().reason();
    }

    @Override
    public Health health() {
        if (closing || !server.isOpen()) {
            return Health.notReady("not listening");
        }
        List<Peer> table = peers();
        long up = table.stream().filter(Peer::connected).count();
        String detail = "listening on " + host + ":" + port + ", " + up + " of " + table.size() + " peers connected";
        detail += ", protocol " + minVersion + ".." + maxVersion;
        if (chainId() == 0) {
            detail += "; chain id not known yet (no genesis block), peers are refused";
        }
        String v = versionRefusal;
        if (v != null) {
            detail += "; last refused: " + v;
        }
        List<Ban> refused = reputation.bans();
        if (!refused.isEmpty()) {
            long now = System.currentTimeMillis();
            StringBuilder b = new StringBuilder("; refusing ").append(refused.size()).append(" peer(s) for misbehaviour:");
            for (Ban ban : refused) {
                String r = ban.reason().length() <= 120 ? ban.reason() : ban.reason().substring(0, 120) + "...";
                b.append(' ').append(TlsIdentity.shortId(ban.peerId())).append(" for ")
                        .append((ban.untilMillis() - now + 999) / 1000).append(" s more (offence ").append(ban.offences())
                        .append(": ").append(r).append(')');
            }
            detail += b;
        }
        return Health.ready(detail);
    }

    // ---- for the connections

    /** A peer refused for its protocol versions: the reason, for the health. */
    void refusedVersion(String peer, String why) {
        versionRefusal = peer + ": " + why;
    }


    TopicHandlers handlers() {
        return handlers;
    }

    long sendQueueBytes() {
        return config.sendQueueBytes();
    }

    long helloTimeoutMs() {
        return config.helloTimeoutMs();
    }

    long keepaliveMs() {
        return config.keepaliveMs();
    }

    boolean isClosing() {
        return closing;
    }

    /** The chain id from configuration or, once there is one, the genesis block; 0 while unknown. */
    long chainId() {
        long id = chainId;
        if (id != 0) {
            return id;
        }
        BlockStore bs = blockStore;
        if (bs != null) {
            try {
                Optional<Genesis> g = bs.genesis();
                if (g.isPresent()) {
                    chainId = g.get().chainId();
                    return chainId;
                }
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "network: block store cannot read genesis yet: " + e);
            }
        }
        return 0;
    }

    void handshakeFailed() {
        handshakeFailures.increment();
    }

    void malformed() {
        malformed.increment();
    }

    void opened(Channel ch) {
        channels.add(ch);
        if (closing) {
            ch.close();
        }
    }

    /** @return the peer's row, or null if this connection must close (see {@link PeerTable#attach}) */
    PeerState attach(Connection c) {
        return peers.attach(c);
    }

    void closed(Connection c, Channel ch, boolean wasActive) {
        channels.remove(ch);
        PeerState lost = wasActive ? peers.detach(c) : null;
        if (lost != null && !closing) {
            LOG.log(Level.INFO, () -> "network: lost peer " + TlsIdentity.shortId(lost.id));
            dialer.peerLost(lost.id);
        }
    }

    boolean isConnected(String id) {
        return peers.isConnected(id);
    }

    // ---- observability for operators and tests

    /** The bound port (the real one when 0 was configured). */
    public int port() {
        return port;
    }

    /** Messages that arrived for a topic no handler takes. */
    public long droppedMessages() {
        return handlers.dropped();
    }

    /** TLS handshakes that failed or presented no node id (foreign CA, no certificate...). */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** Connections closed for breaking the wire format or making a handler fail. */
    public long malformedFrames() {
        return malformed.sum();
    }

    /** Connections refused (closed after the TLS handshake) because the peer was disconnected for misbehaviour. */
    public long refusedConnections() {
        return refusals.sum();
    }

    /** Channels open now (connected or handshaking). */
    int openChannels() {
        return (int) channels.stream().filter(Channel::isOpen).count();
    }

    List<Thread> threads() {
        return List.copyOf(threads);
    }

    List<Dialer.Target> dialTargets() {
        return dialer.targets();
    }
}
