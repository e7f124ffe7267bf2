package io.cairn.consensus.pbft.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Messages that arrived early (a later height, or a view this node has not entered yet), kept until this node
 * gets there. A sender's queue is bounded: a peer far ahead, or a flood, costs its oldest messages, never memory.
 */
final class FutureMessages {
    static final int PER_SENDER = 512;

    /** A message with the peer that delivered it. */
    record Held(String peerId, PbftMessage message) {}

    private final Map<String, ArrayDeque<Held>> bySender = new HashMap<>();

    /** Keeps the message; returns false when that cost the sender's oldest one. */
    boolean add(String peerId, PbftMessage m) {
        ArrayDeque<Held> q = bySender.computeIfAbsent(m.senderHex(), k -> new ArrayDeque<>());
        boolean room = q.size() < PER_SENDER;
        if (!room) {
            q.pollFirst();
        }
        q.addLast(new Held(peerId, m));
        return room;
    }

    /** Everything kept, in arrival order per sender; the buffer is empty afterwards. */
    List<Held> drain() {
        List<Held> all = new ArrayList<>();
        for (ArrayDeque<Held> q : bySender.values()) {
            all.addAll(q);
        }
        bySender.clear();
        return all;
    }

    boolean isEmpty() {
        return bySender.isEmpty();
    }

    void dropFrom(String peerId) {
        for (ArrayDeque<Held> q : bySender.values()) {
            q.removeIf(h -> h.peerId().equals(peerId));
        }
        bySender.values().removeIf(ArrayDeque::isEmpty);
    }
}
