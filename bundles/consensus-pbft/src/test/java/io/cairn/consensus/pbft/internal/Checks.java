package io.cairn.consensus.pbft.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.consensus.pbft.internal.TestChain.Node;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Assertions the PBFT tests share. */
final class Checks {
    private Checks() {}

    /** One block at every height up to {@code upTo} on every node that has it. */
    static void sameChain(List<Node> nodes, long upTo) {
        for (long h = 1; h <= upTo; h++) {
            Set<Hash> hashes = new HashSet<>();
            for (Node n : nodes) {
                if (n.height() >= h) {
                    hashes.add(n.hash(h));
                }
            }
            assertEquals(1, hashes.size(), "one block at height " + h + " on every node: " + hashes);
        }
    }

    /** The block at {@code h} carries valid seals of a quorum (3 of 4) of distinct sealers. */
    static void isFinal(TestChain chain, Node n, long h) {
        Block b = n.store.block(h).orElseThrow();
        Hash hash = n.hash(h);
        assertTrue(Seals.isFinal(hash, b.seals(), chain.genesis.sealers(), chain.suite), "block " + h + " is final");
        assertTrue(Seals.validSealers(hash, b.seals(), chain.genesis.sealers(), chain.suite) >= Seals.quorum(chain.sealers.size()),
                "a quorum of valid distinct seals on block " + h);
    }

    /** Honest nodes, however late or early their messages, never get one another reported. */
    static void noPenalties(List<Node> nodes) {
        for (Node n : nodes) {
            if (n.engine != null) {
                assertEquals(0, n.bft().peersPenalised(), "peers penalised by " + n.key.hex + ": " + n.status());
            }
            assertEquals(List.of(), n.reputation.reports, "reports by " + n.key.hex);
        }
    }
}
