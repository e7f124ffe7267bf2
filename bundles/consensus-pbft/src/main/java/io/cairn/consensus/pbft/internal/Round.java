package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.node.ExecutedBlock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One view at the height in progress (Besu's RoundState): the proposal, the PREPAREs and COMMITs counted (each
 * sealer once), and what this node has voted in it.
 */
final class Round {
    /** One sender's vote: the block hash it named and its signature (of the PREPARE message, or the seal). */
    record Vote(Hash hash, byte[] sender, byte[] signature) {}

    final long view;
    Hash proposalHash;
    byte[] proposalBlock;
    ExecutedBlock executed;
    boolean prepareSent;
    boolean commitSent;
    /** The vote log forbids this node's PREPARE (or COMMIT) here: it voted otherwise before a restart or swap. */
    boolean prepareRefused;
    boolean commitRefused;
    /** A quorum prepared the proposal. */
    boolean prepared;
    private final Map<String, Vote> prepares = new HashMap<>();
    private final Map<String, Vote> commits = new HashMap<>();

    Round(long view) {
        this.view = view;
    }

    void propose(Hash hash, byte[] block, ExecutedBlock executed) {
        this.proposalHash = hash;
        this.proposalBlock = block;
        this.executed = executed;
    }

    /** Counts the sender's PREPARE; returns its earlier one if it had voted (then nothing is counted). */
    Vote prepare(String sender, Vote vote) {
        return prepares.putIfAbsent(sender, vote);
    }

    /** Counts the sender's COMMIT; returns its earlier one if it had voted (then nothing is counted). */
    Vote commit(String sender, Vote vote) {
        return commits.putIfAbsent(sender, vote);
    }

    Vote commitOf(String sender) {
        return commits.get(sender);
    }

    /** The proof that a quorum prepared the proposal ({@code signer | signature} each), or null below a quorum. */
    List<byte[]> preparedProof(int quorum) {
        return proposalHash == null ? null : proof(prepares, proposalHash, quorum);
    }

    /** The seals of a quorum of COMMITs for the proposal, or null below a quorum. */
    List<byte[]> seals(int quorum) {
        return proposalHash == null ? null : proof(commits, proposalHash, quorum);
    }

    private static List<byte[]> proof(Map<String, Vote> votes, Hash hash, int quorum) {
        List<byte[]> out = new ArrayList<>(votes.size());
        for (Vote v : votes.values()) {
            if (v.hash().equals(hash)) {
                out.add(Seals.of(v.sender(), v.signature()));
            }
        }
        return out.size() >= quorum ? out : null;
    }

    boolean idle() {
        return proposalHash == null && prepares.isEmpty() && commits.isEmpty();
    }
}
