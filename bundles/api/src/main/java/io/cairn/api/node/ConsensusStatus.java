package io.cairn.api.node;

import io.cairn.api.chain.Hash;
import java.util.List;

/**
 * What a consensus engine reports (getConsensusStatus, {@code cairn:status}, tests). Counters count since the
 * engine started; the same counts, kept across engine swaps, are in the metrics.
 *
 * @param engine          {@code solo}, {@code pbft}, ...
 * @param height          the height this engine works on: the next block's number
 * @param lastBlockHash   the hash of the last block this engine committed, or null
 * @param lastBlockTxs    its transaction count
 * @param blocksCommitted blocks this engine made or decided and committed
 * @param failures        steps that failed on an exception (a component leaving mid-call) and were retried
 * @param blockTxs        configured: a block is made as soon as this many transactions can run; the most per block
 * @param intervalMs      configured: ... or once the oldest waiting transaction waited this long
 * @param emptyBlocks     configured: a block every intervalMs even with no transactions
 * @param bft             the voting state of a Byzantine fault-tolerant engine; null for one that does not vote
 */
public record ConsensusStatus(String engine, long height, Hash lastBlockHash, int lastBlockTxs, long blocksCommitted,
        long failures, int blockTxs, long intervalMs, boolean emptyBlocks, Bft bft) {

    /** This node's part in the chain. */
    public enum Role {
        /** listed in the genesis block: it votes and seals */
        SEALER,
        /** follows the chain without voting */
        OBSERVER,
        /** not known yet (no genesis block, no node key) */
        UNKNOWN
    }

    /**
     * The voting state of a BFT engine.
     *
     * @param view             the view at {@code height}
     * @param leader           the leader's public key of (height, view), or null
     * @param sealers          the sealers in genesis order
     * @param f                faulty sealers tolerated
     * @param quorum           votes that decide (2f + 1)
     * @param role             this node's role
     * @param viewChanging     whether this node asked for a new view and has not entered it yet
     * @param viewChanges      views entered by view change
     * @param equivocationsSeen two different votes of one sealer at one height and view
     * @param messagesRejected invalid or unexpected messages ignored
     * @param messagesDropped  messages lost to a full inbox or buffer
     * @param messagesIgnored  messages of peers under a penalty, ignored unread
     * @param messagesResent   this node's messages sent again
     * @param lastRejection    why the last message was rejected, or null
     * @param viewTimeoutMs    configured view timeout
     * @param viewTimeoutNowMs the view timeout in force (stretched to recent block times)
     * @param peersPenalised   peers this engine reported as misbehaving
     */
    public record Bft(long view, String leader, List<String> sealers, int f, int quorum, Role role,
            boolean viewChanging, long viewChanges, long equivocationsSeen, long messagesRejected, long messagesDropped,
            long messagesIgnored, long messagesResent, String lastRejection, long viewTimeoutMs, long viewTimeoutNowMs,
            long peersPenalised) {

        public Bft {
            sealers = List.copyOf(sealers);
        }
    }
}
