package io.cairn.sync.internal;

import io.cairn.api.network.Network;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One node's end of an in-memory network where every joined node is a connected peer of every other; the two test
 * networks (the stepped harness and the threaded hub) differ only in how they carry a message.
 */
final class MemoryNet implements Network {
    /** How a network carries a message from one joined node to another; false if the receiver is not joined. */
    @FunctionalInterface
    interface Carrier {
        boolean carry(String from, String to, String topic, byte[] payload);
    }

    final String id;
    volatile int maxPayload;
    private final Collection<String> members;
    private final Carrier carrier;

    /** {@code members}: a live view of the ids of the joined nodes, this one included. */
    MemoryNet(String id, int maxPayload, Collection<String> members, Carrier carrier) {
        this.id = id;
        this.maxPayload = maxPayload;
        this.members = members;
        this.carrier = carrier;
    }

    @Override public String self() { return id; }
    @Override public int maxPayload() { return maxPayload; }
    @Override public Health health() { return Health.ready("ok"); }

    @Override
    public List<Peer> peers() {
        List<Peer> out = new ArrayList<>();
        for (String p : members) {
            if (!p.equals(id)) {
                out.add(new Peer(p, "mem:" + p, true, p.compareTo(id) > 0, 0, 0, 0, 0));
            }
        }
        return out;
    }

    @Override
    public boolean send(String peerId, String topic, byte[] payload) {
        if (payload.length > maxPayload) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes over " + maxPayload);
        }
        return !peerId.equals(id) && carrier.carry(id, peerId, topic, payload);
    }

    @Override
    public int broadcast(String topic, byte[] payload) {
        int n = 0;
        for (Peer p : peers()) {
            n += send(p.id(), topic, payload) ? 1 : 0;
        }
        return n;
    }
}
