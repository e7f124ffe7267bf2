package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.consensus.BlockTrigger;
import io.cairn.api.consensus.Sealing;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.TxPool;
import io.cairn.api.runtime.NodeClock;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's block: when one is due ({@link BlockTrigger}, shared with solo) and built on the head with the
 * transactions that can run ({@link Sealing}), halved until its proposal fits in one network message; or the block
 * a view must propose again, checked like any proposal.
 */
final class Proposer {
    /** Room kept in a network message for the PBFT envelope around the block. */
    private static final int ENVELOPE = 4096;

    /** A block built to propose: its hash, its proposal encoding (no seals) and the block as executed. */
    record Built(Hash hash, byte[] block, ExecutedBlock executed) {}

    private final BlockTrigger trigger;
    private final NodeClock clock;
    private final GateBracket gate;
    private final ProposalCheck check;

    Proposer(Settings settings, NodeClock clock, GateBracket gate, ProposalCheck check) {
        this.trigger = new BlockTrigger(settings.blockTxs(), settings.intervalMs(), settings.emptyBlocks(), clock.nanoTime());
        this.clock = clock;
        this.gate = gate;
        this.check = check;
    }

    void configure(Settings settings) {
        trigger.configure(settings.blockTxs(), settings.intervalMs(), settings.emptyBlocks());
    }

    boolean emptyBlocks() {
        return trigger.emptyBlocks();
    }

    /**
     * The block this leader proposes now at {@code height}, inside the gate; null when none is due.
     *
     * @param repeat the proposal body this view must repeat (a prepared block, or the one this node proposed
     *               before a restart), or null to build one
     */
    Built build(Step s, long height, byte[] repeat) {
        if (repeat != null) {
            if (!gate.enter()) {
                return null;
            }
            Hash hash = s.hash(Block.decodeRaw(repeat).header());
            return new Built(hash, repeat, check.proposal(s, height, hash, repeat, null));
        }
        List<VerifiedTransaction> txs = trigger.due(s.pool(), clock.nanoTime());
        if (txs == null || !gate.enter()) {
            return null;
        }
        BlockHeader parent = s.store().header(height - 1).orElseThrow(
                () -> new IllegalStateException("the block store has no header for block " + (height - 1)));
        int limit = s.net() == null ? Integer.MAX_VALUE : s.net().maxPayload() - ENVELOPE;
        while (true) {
            ExecutedBlock executed = Sealing.build(s.exec(), parent, s.id().publicKey(), txs, clock.millis());
            List<byte[]> raw = new ArrayList<>(txs.size());
            for (VerifiedTransaction t : txs) {
                raw.add(t.encoded());
            }
            byte[] block = Block.encode(executed.header(), raw, List.of());
            if (block.length + 256 > limit && txs.size() > 1) {
                txs = txs.subList(0, txs.size() / 2); // too big for one message
                continue;
            }
            return new Built(s.hash(executed.header()), block, executed);
        }
    }

    /** This node proposed a block: what is left in the pool starts waiting afresh. */
    void proposed() {
        trigger.proposed(clock.nanoTime());
    }

    /**
     * A block committed (whoever made it): its transactions are left out of the next proposal until the pool has
     * heard of the commit.
     */
    void committed(List<VerifiedTransaction> txs) {
        trigger.committed(txs, clock.nanoTime());
    }

    /** Whether the pool holds a transaction that could go into the next block: work the leader owes. */
    boolean hasRunnable(TxPool pool) {
        return trigger.hasRunnable(pool);
    }
}
