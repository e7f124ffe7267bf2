package io.cairn.rpc.jsonrpc.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import io.cairn.api.runtime.Metrics;
import java.io.IOException;

/**
 * JSON-RPC over HTTP/1.1 on Netty: {@code POST} carries a request body, {@code GET /} answers a health
 * summary, {@code GET /metrics} the node's metrics in Prometheus text format. The event loop only moves bytes;
 * parsing, the calls and the scrape run on the worker executor. Requests of
 * one connection are answered one at a time and in order (reads pause meanwhile), which keeps pipelined
 * responses in order and gives a fast client back-pressure.
 */
public final class HttpTransport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpTransport.class.getName());
    private static final String JSON = "application/json";
    /** Short quiet period: an RPC server has no in-flight work worth waiting for once it is closed. */
    private static final long QUIET_MS = 20;
    private static final long SHUTDOWN_TIMEOUT_MS = 3000;

    private final String host;
    private final int maxRequestBytes;
    private final Executor workers;
    private final Handler handler;
    private final EventLoopGroup group;
    private final Channel server;
    private final int port;

    /** What the transport serves. Every method but {@link #error} is called on a worker thread. */
    public interface Handler {
        /** Answers a JSON-RPC body; an empty answer means "no content". */
        CompletableFuture<byte[]> rpc(byte[] body);

        /** The health summary of {@code GET /} (JSON). */
        byte[] health();

        /** The page of {@code GET /metrics}, in {@link Metrics#CONTENT_TYPE}. */
        byte[] metrics() throws IOException;

        /** The JSON-RPC error body of a failure that is not a call's (too large, internal); counted by the caller. */
        byte[] error(int code, String message);
    }

    /**
     * Binds and starts serving.
     *
     * @param port the TCP port; 0 picks a free one (see {@link #port()})
     * @throws IllegalStateException naming host:port if it cannot listen
     */
    public HttpTransport(String host, int port, int maxRequestBytes, int ioThreads, Executor workers, Handler handler) {
        this.host = host;
        this.maxRequestBytes = maxRequestBytes;
        this.workers = workers;
        this.handler = handler;
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("cairn-rpc-io", true),
                NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256).option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new LimitedAggregator(),
                                    new RequestHandler());
                        }
                    });
            this.server = b.bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) {
            // bind() rethrows the checked BindException undeclared: catch everything and say where.
            shutdownGroup();
            throw new IllegalStateException("rpc: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The bound port (the real one when 0 was asked). */
    public int port() {
        return port;
    }

    public String endpoint() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    public boolean isOpen() {
        return server.isOpen();
    }

    /** Closes the listening socket and every connection, and waits for the event loop threads to end. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        shutdownGroup();
    }

    private void shutdownGroup() {
        if (!group.shutdownGracefully(QUIET_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS + 1000)) {
            LOG.log(System.Logger.Level.WARNING, "rpc: event loop did not stop within " + SHUTDOWN_TIMEOUT_MS + " ms");
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] body) {
        return response(status, body, JSON);
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] body, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (body.length > 0) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** Answers an oversized request with HTTP 413 and a JSON-RPC error instead of Netty's empty 413. */
    private final class LimitedAggregator extends HttpObjectAggregator {
        LimitedAggregator() {
            super(maxRequestBytes);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            if (!(oversized instanceof HttpRequest)) {
                super.handleOversizedMessage(ctx, oversized);
                return;
            }
            FullHttpResponse r = response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, handler.error(
                    RpcException.REQUEST_TOO_LARGE, "request too large: limit " + maxRequestBytes + " bytes"));
            // The aggregator discards the rest of the body, so a keep-alive connection can stay open; once
            // the body was read whole (or the client will close anyway) there is nothing to resync.
            boolean close = oversized instanceof FullHttpMessage
                    || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
            if (close) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        }
    }

    /** What a request asks for. */
    private enum Route { RPC, HEALTH, METRICS, REFUSED }

    /** One per connection; all its state is touched on the connection's event loop only. */
    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ArrayDeque<Pending> queue = new ArrayDeque<>();
        private boolean busy;

        private record Pending(Route route, byte[] body, boolean keepAlive, HttpResponseStatus rejection) {}

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            Pending p;
            if (!req.decoderResult().isSuccess()) {
                p = new Pending(Route.REFUSED, null, false, HttpResponseStatus.BAD_REQUEST);
            } else if (req.method().equals(HttpMethod.POST)) {
                ByteBuf content = req.content();
                p = new Pending(Route.RPC, ByteBufUtil.getBytes(content), keepAlive, null);
            } else if (req.method().equals(HttpMethod.GET) && isPath(req.uri(), "/")) {
                p = new Pending(Route.HEALTH, null, keepAlive, null);
            } else if (req.method().equals(HttpMethod.GET) && isPath(req.uri(), "/metrics")) {
                p = new Pending(Route.METRICS, null, keepAlive, null);
            } else {
                p = new Pending(Route.REFUSED, null, keepAlive, req.method().equals(HttpMethod.GET)
                        ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.METHOD_NOT_ALLOWED);
            }
            queue.add(p);
            if (!busy) {
                next(ctx);
            }
        }

        /** The path, with or without a query string. */
        private static boolean isPath(String uri, String path) {
            return uri.equals(path) || uri.startsWith(path + "?");
        }

        private void next(ChannelHandlerContext ctx) {
            Pending p = queue.poll();
            if (p == null) {
                busy = false;
                ctx.channel().config().setAutoRead(true);
                return;
            }
            busy = true;
            ctx.channel().config().setAutoRead(false);
            if (p.route == Route.REFUSED) {
                byte[] body = ("{\"error\":\"" + (p.rejection == HttpResponseStatus.BAD_REQUEST ? "malformed HTTP request"
                        : "JSON-RPC is served by POST; GET / gives the node's health, GET /metrics its metrics") + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                respond(ctx, p, response(p.rejection, body));
                return;
            }
            try {
                workers.execute(() -> serve(ctx, p));
            } catch (RejectedExecutionException e) {
                respond(ctx, p, response(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "{\"error\":\"the rpc server is stopping\"}".getBytes(StandardCharsets.UTF_8)));
            }
        }

        /** On a worker: the answer, then the response written on the connection's event loop. */
        private void serve(ChannelHandlerContext ctx, Pending p) {
            CompletableFuture<byte[]> answer;
            try {
                answer = switch (p.route) {
                    case RPC -> handler.rpc(p.body);
                    case HEALTH -> CompletableFuture.completedFuture(handler.health());
                    case METRICS -> CompletableFuture.completedFuture(handler.metrics());
                    case REFUSED -> throw new IllegalStateException("a refused request reached a worker");
                };
            } catch (IOException | RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            String type = p.route == Route.METRICS ? Metrics.CONTENT_TYPE : JSON;
            answer.whenComplete((body, failure) -> ctx.executor().execute(() -> {
                if (failure != null) {
                    LOG.log(System.Logger.Level.ERROR, "rpc: request failed", failure);
                    respond(ctx, p, response(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            handler.error(RpcException.INTERNAL_ERROR, "internal error: the request failed")));
                } else {
                    // only JSON-RPC has "no content": a batch of notifications
                    boolean none = body.length == 0 && p.route == Route.RPC;
                    respond(ctx, p, response(none ? HttpResponseStatus.NO_CONTENT : HttpResponseStatus.OK, body, type));
                }
            }));
        }

        private void respond(ChannelHandlerContext ctx, Pending p, FullHttpResponse r) {
            if (!ctx.channel().isActive()) {
                r.release();
                queue.clear();
                return;
            }
            if (p.keepAlive) {
                HttpUtil.setKeepAlive(r, true);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                next(ctx);
            } else {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                queue.clear();
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "rpc: connection error", cause);
            ctx.close();
        }
    }
}
