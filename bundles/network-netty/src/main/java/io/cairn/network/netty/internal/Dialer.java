package io.cairn.network.netty.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Keeps a connection to every configured peer address: dials, and after a failure or a lost connection
 * dials again with exponential backoff and jitter (reconnectMinMs doubling up to reconnectMaxMs), for as
 * long as the network is active. An address that turns out to be this node is dropped; one whose node
 * is connected anyway (it dialed us) is only watched.
 */
final class Dialer {
    private static final System.Logger LOG = System.getLogger(Dialer.class.getName());

    private final List<Target> targets;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final long minMs;
    private final long maxMs;
    private final Predicate<String> connected;
    private final ToLongFunction<String> refusedForMs;
    private volatile boolean stopped;

    /**
     * @param connected    whether a node id is connected now (then its address is only watched)
     * @param refusedForMs how long a node id is still refused for misbehaviour (its address is dialed after)
     */
    Dialer(List<String> addresses, EventLoopGroup group, Bootstrap bootstrap, long minMs, long maxMs,
            Predicate<String> connected, ToLongFunction<String> refusedForMs) {
        this.group = group;
        this.bootstrap = bootstrap;
        this.minMs = minMs;
        this.maxMs = maxMs;
        this.connected = connected;
        this.refusedForMs = refusedForMs;
        this.targets = addresses.stream().map(Target::new).toList();
    }

    List<Target> targets() {
        return targets;
    }

    void start() {
        for (Target t : targets) {
            t.schedule(0);
        }
    }

    void stop() {
        stopped = true;
        for (Target t : targets) {
            t.cancel();
        }
    }

    /** A peer's connection was lost: dial its address soon rather than at the next watch. */
    void peerLost(String id) {
        for (Target t : targets) {
            if (id.equals(t.knownId)) {
                t.scheduleSooner(t.backoff());
            }
        }
    }

    /** Parses {@code host:port} or {@code [v6]:port}. */
    static String[] hostPort(String address) {
        String a = address.trim();
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            throw new IllegalArgumentException("network: peers entry '" + address + "' is not host:port");
        }
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("network: peers entry '" + address + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("network: peers entry '" + address + "' has port out of range");
        }
        return new String[] {host, Integer.toString(port)};
    }

    /** One configured peer address. */
    final class Target {
        private final String address;
        private final String host;
        private final int port;
        /** Guarded by this. */
        private ScheduledFuture<?> pending;
        private int failures;
        private boolean dialing;
        private volatile boolean self;
        private volatile String knownId;
        private volatile long attempts;

        Target(String address) {
            String[] hp = hostPort(address);
            this.address = address.trim();
            this.host = hp[0];
            this.port = Integer.parseInt(hp[1]);
        }

        String address() {
            return address;
        }

        String host() {
            return host;
        }

        int port() {
            return port;
        }

        String knownId() {
            return knownId;
        }

        boolean isSelf() {
            return self;
        }

        long attempts() {
            return attempts;
        }

        void knownId(String id) {
            knownId = id;
        }

        void markSelf() {
            if (!self) {
                LOG.log(Level.INFO, () -> "network: peer address " + address + " is this node; not dialing it");
            }
            self = true;
            cancel();
        }

        synchronized void connected() {
            failures = 0;
        }

        synchronized void disconnected(boolean wasActive) {
            dialing = false;
            if (!wasActive) {
                failures++;
            }
            schedule(backoff());
        }

        synchronized long backoff() {
            long base = Math.min(maxMs, minMs << Math.min(failures, 20));
            return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        }

        synchronized void schedule(long delayMs) {
            if (stopped || self || (pending != null && !pending.isDone())) {
                return;
            }
            try {
                pending = group.schedule(this::dial, delayMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }

        synchronized void scheduleSooner(long delayMs) {
            if (pending != null && !pending.isDone() && pending.getDelay(TimeUnit.MILLISECONDS) > delayMs) {
                pending.cancel(false);
                pending = null;
            }
            schedule(delayMs);
        }

        synchronized void cancel() {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }

        private void dial() {
            synchronized (this) {
                pending = null;
                if (stopped || self || dialing) {
                    return;
                }
                String id = knownId;
                if (id != null && connected.test(id)) {
                    schedule(maxMs);
                    return;
                }
                long refused = id == null ? 0 : refusedForMs.applyAsLong(id);
                if (refused > 0) {
                    schedule(refused + 1); // disconnected for misbehaviour: dial again once its refusal ends
                    return;
                }
                dialing = true;
                attempts++;
            }
            try {
                bootstrap.clone().attr(NettyNetwork.TARGET, this).connect(host, port).addListener(f -> {
                    if (!f.isSuccess()) {
                        LOG.log(Level.DEBUG, () -> "network: cannot connect to " + address + ": " + f.cause());
                        disconnected(false);
                    }
                });
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "network: cannot connect to " + address + ": " + e);
                disconnected(false);
            }
        }
    }
}
