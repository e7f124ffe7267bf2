package io.cairn.network.netty.internal;

import java.util.concurrent.atomic.LongAdder;

/** What the network knows of one peer (by node id) across its connections: the peer table's row. */
final class PeerState {
    final String id;
    final LongAdder messagesIn = new LongAdder();
    final LongAdder messagesOut = new LongAdder();
    /** Written under this object's lock (the duplicate rule), read without it on every send. */
    volatile Connection active;
    volatile String address;
    volatile boolean outbound;
    volatile long connectedSince;

    PeerState(String id) {
        this.id = id;
    }
}
