package io.cairn.sync.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The sync loop's queue: network threads and compute tasks add, the loop takes. Messages are bounded per peer and
 * in all, so that one flooding peer cannot crowd out the others or the loop's own events (which are never
 * dropped); a dropped request times out and STATUS repeats, so nothing is lost for good. Thread-safe.
 */
final class SyncInbox {
    /** Messages queued per peer before more from it are dropped. */
    static final int MAX_QUEUED_PER_PEER = 64;
    static final int MAX_QUEUED = 4096;

    private final Signal signal = new Signal();
    private final ArrayDeque<SyncEvent> events = new ArrayDeque<>(); // guarded by this
    private final Map<String, Integer> queuedPerPeer = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    /** Queues a peer's message; false if it was dropped (the peer or the inbox is full, or it is closed). */
    synchronized boolean offer(String peerId, byte[] payload) {
        int queued = queuedPerPeer.getOrDefault(peerId, 0);
        if (closed || queued >= MAX_QUEUED_PER_PEER || events.size() >= MAX_QUEUED) {
            return false;
        }
        queuedPerPeer.put(peerId, queued + 1);
        events.add(new SyncEvent.Inbound(peerId, payload));
        signal.set();
        return true;
    }

    /** Queues one of the loop's own events. */
    synchronized void post(SyncEvent e) {
        events.add(e);
        signal.set();
    }

    synchronized SyncEvent poll() {
        SyncEvent e = events.poll();
        if (e instanceof SyncEvent.Inbound in) {
            queuedPerPeer.computeIfPresent(in.peerId(), (k, v) -> v <= 1 ? null : v - 1);
        }
        return e;
    }

    /** Makes the loop look now. */
    void wake() {
        signal.set();
    }

    /** Waits for something to do, at most {@code nanos}; false if interrupted. */
    boolean await(long nanos) {
        return signal.await(nanos);
    }

    /** Refuses messages from now on and wakes the loop so that it sees it is stopping. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        signal.set();
    }
}
