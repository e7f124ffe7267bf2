package io.cairn.consensus.pbft.internal;

import io.cairn.api.pipeline.PipelineGate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The pipeline gate around the making of a block: entered at the first execution of a block at the height in
 * progress, left when it commits or is abandoned (a view change, the height moving on). While an upgrade holds
 * the gate closed, this node executes and commits nothing; proposals it could not look at wait here.
 */
final class GateBracket {
    private final Supplier<PipelineGate> gate;
    private final ArrayDeque<FutureMessages.Held> waiting = new ArrayDeque<>();
    private boolean inside;
    /** The gate entered: the one to leave, even if another was bound since. */
    private PipelineGate entered;

    GateBracket(Supplier<PipelineGate> gate) {
        this.gate = gate;
    }

    /** Whether a block may be made now (true at once if already inside); with no gate bound, always. */
    boolean enter() {
        if (inside) {
            return true;
        }
        PipelineGate g = gate.get();
        if (g != null && !g.tryEnter()) {
            return false;
        }
        inside = true;
        entered = g;
        return true;
    }

    void exit() {
        if (inside) {
            inside = false;
            PipelineGate g = entered;
            entered = null;
            if (g != null) {
                g.exit();
            }
        }
    }

    /** Leaves unless the round in progress holds an executed block (it is still being decided). */
    void exitUnlessHolding(Round current) {
        if (current == null || current.executed == null) {
            exit();
        }
    }

    /** A proposal to look at once the gate opens. */
    void await(String peerId, PbftMessage m) {
        waiting.add(new FutureMessages.Held(peerId, m));
    }

    boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    List<FutureMessages.Held> takeWaiting() {
        List<FutureMessages.Held> all = new ArrayList<>(waiting);
        waiting.clear();
        return all;
    }

    void clearWaiting() {
        waiting.clear();
    }

    void dropFrom(String peerId) {
        waiting.removeIf(h -> h.peerId().equals(peerId));
    }
}
