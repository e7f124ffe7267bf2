package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.node.ExecutedBlock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The votes of one view at the height in progress. Owned by the engine's event thread. */
final class Round {
    /** One sender's vote: the block hash it named and its signature (PREPARE message or seal). */
    record Vote(Hash hash, byte[] sender, byte[] signature) {}

    final long view;
    Hash proposalHash;
    byte[] proposalBlock;
    ExecutedBlock executed;
    boolean prepareSent;
    boolean commitSent;
    boolean prepared;
    /** The height moved on; a stale reference must not vote or commit. */
    boolean done;
    final Map<String, Vote> prepares = new HashMap<>();
    final Map<String, Vote> commits = new HashMap<>();

    Round(long view) {
        this.view = view;
    }

    boolean idle() {
        return proposalHash == null && prepares.isEmpty() && commits.isEmpty();
    }

    static List<Vote> votesFor(Map<String, Vote> votes, Hash hash) {
        List<Vote> out = new ArrayList<>(votes.size());
        for (Vote v : votes.values()) {
            if (v.hash().equals(hash)) {
                out.add(v);
            }
        }
        return out;
    }
}
