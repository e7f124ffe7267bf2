package io.cairn.network.netty.internal;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peers this node has heard from, by node id, and which connection carries each: with two connections
 * between the same two nodes, both nodes keep the one dialed by the node with the smaller id; of two dialed by
 * the same node (a redial while the old one is half dead), the newer.
 */
final class PeerTable {
    private final String self;
    private final Map<String, PeerState> peers = new ConcurrentHashMap<>();

    PeerTable(String self) {
        this.self = self;
    }

    Collection<PeerState> rows() {
        return peers.values();
    }

    PeerState get(String id) {
        return id == null ? null : peers.get(id);
    }

    boolean knows(String id) {
        return peers.containsKey(id);
    }

    boolean isConnected(String id) {
        PeerState p = get(id);
        Connection c = p == null ? null : p.active;
        return c != null && c.isOpen();
    }

    /**
     * Makes a connection that completed its hello the peer's connection, unless a preferred one exists.
     *
     * @return the peer's row, or null if this connection must close
     */
    PeerState attach(Connection c) {
        PeerState p = peers.computeIfAbsent(c.peerId(), PeerState::new);
        Connection loser;
        synchronized (p) {
            Connection cur = p.active;
            if (cur != null && cur.isOpen()) {
                String smaller = self.compareTo(c.peerId()) < 0 ? self : c.peerId();
                boolean preferNew = c.dialer().equals(cur.dialer()) || c.dialer().equals(smaller);
                if (!preferNew) {
                    return null;
                }
                c.adopt(cur);
                loser = cur;
            } else {
                loser = null;
            }
            p.active = c;
            p.address = c.remoteAddress();
            p.outbound = c.outbound();
            p.connectedSince = System.currentTimeMillis();
        }
        if (loser != null) {
            loser.close("replaced by the preferred connection with the same peer");
        }
        return p;
    }

    /** The connection closed; returns the peer if it was that peer's connection (the peer is lost now). */
    PeerState detach(Connection c) {
        PeerState p = peers.get(c.peerId());
        if (p == null) {
            return null;
        }
        synchronized (p) {
            if (p.active != c) {
                return null;
            }
            p.active = null;
        }
        return p;
    }
}
