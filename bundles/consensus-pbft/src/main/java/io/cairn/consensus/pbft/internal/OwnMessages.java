package io.cairn.consensus.pbft.internal;

import io.cairn.api.network.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * This node's votes and proposals at the height in progress, sent again until the height moves on. PBFT has no
 * retransmission of its own: a PRE-PREPARE broadcast while the network had no peers (a network engine just
 * swapped in, a reconnect) would otherwise be lost and cost a whole view timeout. Receivers count a repeated vote
 * once.
 */
final class OwnMessages {
    private static final int KEPT = 16;
    /** How often at most the peer table is read to see whether a message that missed peers can reach them now. */
    private static final long REACH_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MIN_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** A message with how many peers its last broadcast reached, through which network. */
    private static final class Own {
        final PbftMessage message;
        final byte[] encoded;
        Network via;
        int reached;
        long sentAt;

        Own(PbftMessage message) {
            this.message = message;
            this.encoded = message.encode();
        }
    }

    private final List<Own> own = new ArrayList<>();
    private final Counters counts;
    private long lastReachCheckAt;

    OwnMessages(Counters counts, long now) {
        this.counts = counts;
        this.lastReachCheckAt = now;
    }

    /** Broadcasts the message and keeps it for re-sending. */
    void send(Network net, PbftMessage m, long now) {
        Own o = new Own(m);
        if (m.kind() == MessageKind.VIEW_CHANGE || m.kind() == MessageKind.NEW_VIEW) {
            own.removeIf(p -> p.message.kind() == m.kind()); // only the latest request for a view matters
        }
        own.add(o);
        if (own.size() > KEPT) {
            own.remove(0);
        }
        broadcast(net, o, now);
    }

    private static void broadcast(Network net, Own o, long now) {
        o.sentAt = now;
        o.via = net;
        o.reached = net == null ? 0 : net.broadcast(PbftEngine.TOPIC, o.encoded);
    }

    /**
     * Sends the messages again: at once when a broadcast missed peers that are connected now (or went out through
     * a network engine since replaced), and every {@code everyNanos} in any case (a message may be lost on the way).
     *
     * @param peers    how many peers every message should reach
     * @param withheld messages not to repeat on schedule (a proposal a quorum already holds)
     */
    void resend(Network net, int peers, long now, long everyNanos, Predicate<PbftMessage> withheld) {
        if (own.isEmpty() || net == null) {
            return;
        }
        int connected = -1;
        long every = Math.max(MIN_EVERY_NANOS, everyNanos);
        boolean mayCheckReach = now - lastReachCheckAt >= REACH_CHECK_NANOS;
        for (Own o : own) {
            boolean due = now - o.sentAt >= every && !withheld.test(o.message);
            if (!due && mayCheckReach && (o.via != net || o.reached < peers)) {
                if (connected < 0) {
                    lastReachCheckAt = now;
                    connected = connected(net);
                }
                due = o.via != net ? connected > 0 : connected > o.reached;
            }
            if (due) {
                counts.resent.inc();
                broadcast(net, o, now);
            }
        }
    }

    private static int connected(Network net) {
        int n = 0;
        for (Network.Peer p : net.peers()) {
            if (p.connected()) {
                n++;
            }
        }
        return n;
    }

    /** Forgets what a new view made useless; COMMITs of earlier views stay (their block may still commit). */
    void forgetBefore(long view) {
        own.removeIf(o -> o.message.view() < view && o.message.kind() != MessageKind.COMMIT
                || o.message.kind() == MessageKind.VIEW_CHANGE && o.message.view() <= view);
    }

    void clear() {
        own.clear();
    }
}
