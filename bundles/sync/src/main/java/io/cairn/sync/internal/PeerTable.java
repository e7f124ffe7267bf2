package io.cairn.sync.internal;

import io.cairn.api.network.PeerReputation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peers sync knows, what they hold, and the block ranges asked of them: which peers can be asked at all, the
 * highest head among them (the sync target), and which missing range goes to which free peer. Time is the
 * caller's ({@code now}, monotonic nanoseconds), so a test steps it. Only the sync loop changes the table;
 * {@link #peers()}, {@link #inFlight()} and a peer's height are read by status from other threads.
 */
final class PeerTable {
    /** A peer as sync sees it. Written by the sync loop only. */
    static final class Peer {
        final String id;
        volatile long height = -1;
        /** Of another genesis: never asked, never served. */
        volatile boolean foreign;
        long backoffUntil;
        long lastHeard;
        long statusSentAt;
        long requestsSent;
        Request inFlight;

        Peer(String id) {
            this.id = id;
        }
    }

    /** Blocks {@code from .. from + count - 1} asked of one peer. */
    static final class Request {
        final Peer peer;
        final long from;
        final int count;
        final long deadline;
        /** Answered, and its blocks are being checked: it can no longer time out. */
        boolean checking;

        Request(Peer peer, long from, int count, long deadline) {
            this.peer = peer;
            this.from = from;
            this.count = count;
            this.deadline = deadline;
        }

        long end() {
            return from + count;
        }
    }

    /** Sends GET_BLOCKS; false if the peer cannot take it now (not connected, queue full). */
    interface Ask {
        boolean send(Peer peer, long from, int count);
    }

    private final long statusIntervalNanos;
    private final long requestTimeoutNanos;
    private final int batchBlocks;
    private final int maxParallelPeers;
    private final PeerReputation reputation;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final TreeMap<Long, Request> requests = new TreeMap<>();
    private volatile int inFlight;

    PeerTable(long statusIntervalNanos, long requestTimeoutNanos, int batchBlocks, int maxParallelPeers,
            PeerReputation reputation) {
        this.statusIntervalNanos = statusIntervalNanos;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.batchBlocks = batchBlocks;
        this.maxParallelPeers = maxParallelPeers;
        this.reputation = reputation;
    }

    Peer peer(String id) {
        return peers.computeIfAbsent(id, Peer::new);
    }

    Peer get(String id) {
        return peers.get(id);
    }

    Collection<Peer> peers() {
        return peers.values();
    }

    int inFlight() {
        return inFlight;
    }

    boolean idle() {
        return requests.isEmpty();
    }

    /** Peers that can be asked for blocks at all: same chain, not banned, heard from lately. */
    boolean usable(Peer p, long now) {
        long staleAfter = 5 * statusIntervalNanos + requestTimeoutNanos;
        return !p.foreign && p.height >= 0 && now - p.lastHeard < staleAfter && !reputation.isBanned(p.id);
    }

    /** The highest head a usable peer reported, or -1. */
    long target(long now) {
        long target = -1;
        for (Peer p : peers.values()) {
            if (usable(p, now)) {
                target = Math.max(target, p.height);
            }
        }
        return target;
    }

    void release(Request r) {
        requests.remove(r.from, r);
        if (r.peer.inFlight == r) {
            r.peer.inFlight = null;
        }
        inFlight = requests.size();
    }

    /** Releases the requests unanswered past their deadline; their peers are asked less for a while. */
    List<Request> expire(long now) {
        List<Request> late = new ArrayList<>();
        for (Request r : requests.values()) {
            if (!r.checking && now - r.deadline >= 0) {
                late.add(r);
            }
        }
        for (Request r : late) {
            release(r);
            r.peer.backoffUntil = now + requestTimeoutNanos;
        }
        return late;
    }

    /** The earliest deadline of a request still waiting for its answer, or {@code Long.MAX_VALUE} from now. */
    long untilNextDeadline(long now) {
        long wait = Long.MAX_VALUE;
        for (Request r : requests.values()) {
            if (!r.checking) {
                wait = Math.min(wait, r.deadline - now);
            }
        }
        return wait;
    }

    /**
     * Hands the missing ranges above the head, lowest first, to free peers that hold them: at most
     * {@code maxParallelPeers} requests at once, each of at most {@code batchBlocks}, none overlapping a request
     * in flight or a block already checked, and no further than a few batches per peer ahead of the head.
     *
     * @param ready the numbers of checked blocks waiting to be applied
     */
    void schedule(long head, long target, NavigableSet<Long> ready, long now, Ask ask) {
        long limit = Math.min(target, head + (long) batchBlocks * maxParallelPeers * 2);
        long p = head + 1;
        while (p <= limit && requests.size() < maxParallelPeers) {
            if (ready.contains(p)) {
                p++;
                continue;
            }
            Map.Entry<Long, Request> covering = requests.floorEntry(p);
            if (covering != null && covering.getValue().end() > p) {
                p = covering.getValue().end();
                continue;
            }
            long end = Math.min(limit, p + batchBlocks - 1);
            Long nextReady = ready.ceiling(p);
            if (nextReady != null) {
                end = Math.min(end, nextReady - 1);
            }
            Long nextRequest = requests.ceilingKey(p);
            if (nextRequest != null) {
                end = Math.min(end, nextRequest - 1);
            }
            Peer peer = freePeer(p, now);
            if (peer == null) {
                return;
            }
            int count = (int) (Math.min(end, peer.height) - p + 1);
            if (!ask.send(peer, p, count)) {
                peer.backoffUntil = now + Math.min(statusIntervalNanos, requestTimeoutNanos); // not connected or full
                continue;
            }
            Request r = new Request(peer, p, count, now + requestTimeoutNanos);
            peer.inFlight = r;
            peer.requestsSent++;
            requests.put(p, r);
            inFlight = requests.size();
            p += count;
        }
    }

    /** The least-asked usable peer without a request in flight that holds block {@code from}. */
    private Peer freePeer(long from, long now) {
        Peer best = null;
        for (Peer p : peers.values()) {
            if (p.inFlight == null && usable(p, now) && p.height >= from && now - p.backoffUntil >= 0
                    && (best == null || p.requestsSent < best.requestsSent)) {
                best = p;
            }
        }
        return best;
    }
}
