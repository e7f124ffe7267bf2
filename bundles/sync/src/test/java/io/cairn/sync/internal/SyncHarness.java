package io.cairn.sync.internal;

import io.cairn.api.network.MessageHandler;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.testing.StepClock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Sync engines with no thread of their own, driven round by round: each round delivers every message on the
 * wire (in order), runs one step of every engine's loop (checks run inline, as on a compute pool of the calling
 * thread), applies every block that can be applied, and moves the shared clock on. The same input gives the same
 * run, every time.
 */
final class SyncHarness implements AutoCloseable {
    static final long ROUND_MS = 10;

    final StepClock clock = new StepClock();
    private final Map<String, MessageHandler> handlers = new LinkedHashMap<>();
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    private final List<Fakes.Node> nodes = new ArrayList<>();
    /** "from>to:type" -> messages sent. */
    private final Map<String, Integer> counts = new HashMap<>();
    /** Per requester, the peers holding one of its GET_BLOCKS unanswered, and the most at once. */
    private final Map<String, Set<String>> outstanding = new HashMap<>();
    private final Map<String, Integer> maxOutstanding = new HashMap<>();

    private record Message(String from, String to, String topic, byte[] payload) {}

    /** Joins a node; its end of the wire queues what it sends for the next round. */
    MemoryNet join(String id, MessageHandler handler, int maxPayload) {
        handlers.put(id, handler);
        return new MemoryNet(id, maxPayload, handlers.keySet(), this::carry);
    }

    private boolean carry(String from, String to, String topic, byte[] payload) {
        if (!handlers.containsKey(to)) {
            return false;
        }
        int type = payload.length > 1 ? payload[1] : -1;
        counts.merge(from + ">" + to + ":" + type, 1, Integer::sum);
        if (type == SyncMessage.GET_BLOCKS) {
            Set<String> open = outstanding.computeIfAbsent(from, k -> new HashSet<>());
            open.add(to);
            maxOutstanding.merge(from, open.size(), Math::max);
        } else if (type == SyncMessage.BLOCKS) {
            Set<String> open = outstanding.get(to);
            if (open != null) {
                open.remove(from);
            }
        }
        wire.add(new Message(from, to, topic, payload.clone()));
        return true;
    }

    Fakes.Node node(String id, Fakes.Store store, BlockSyncEngine.Config config, int maxPayload) {
        return node(id, store, config, maxPayload, NodeThreads.DIRECT);
    }

    Fakes.Node node(String id, Fakes.Store store, BlockSyncEngine.Config config, int maxPayload, NodeThreads threads) {
        Fakes.Node n = new Fakes.Node(id, store, config, threads, clock, h -> join(id, h, maxPayload));
        nodes.add(n);
        return n;
    }

    int count(String from, String to, int type) {
        return counts.getOrDefault(from + ">" + to + ":" + type, 0);
    }

    int maxOutstanding(String requester) {
        return maxOutstanding.getOrDefault(requester, 0);
    }

    /** One round: deliver, step every loop, apply what can be applied, move the clock on. */
    void round() {
        for (Message m; (m = wire.poll()) != null;) {
            MessageHandler h = handlers.get(m.to());
            if (h != null) {
                h.onMessage(m.from(), m.topic(), m.payload());
            }
        }
        for (Fakes.Node n : nodes) {
            n.sync.step();
        }
        for (Fakes.Node n : nodes) {
            for (int i = 0; i < 100_000 && n.sync.applyNext() == 0; i++) {
                // each 0 applied, refused or dropped one block
            }
        }
        clock.advanceMillis(ROUND_MS);
    }

    /** Runs rounds until the condition holds; fails naming it after {@code maxRounds}. */
    int runUntil(String what, int maxRounds, BooleanSupplier condition) {
        for (int r = 0; r < maxRounds; r++) {
            if (condition.getAsBoolean()) {
                return r;
            }
            round();
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("not after " + maxRounds + " rounds (" + maxRounds * ROUND_MS
                    + " ms of stepped time): " + what);
        }
        return maxRounds;
    }

    void rounds(int n) {
        for (int i = 0; i < n; i++) {
            round();
        }
    }

    @Override
    public void close() {
        nodes.forEach(Fakes.Node::close);
    }
}
