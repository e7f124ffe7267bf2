package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a proposed (or decided) block is the next block here: it extends the head, names the right sealer and a
 * sane time, its transactions pass the chain's one {@link io.cairn.api.node.TransactionVerifier} (a transaction the
 * pool verified on admission is taken as is when the block carries the very same bytes; the others, gossip often
 * arriving after the proposal, are verified on the node's compute threads), and executing it here gives the very
 * same header.
 */
final class ProposalCheck {
    /** Blocks dated further ahead of this node's clock are refused (clocks of a consortium are roughly in step). */
    static final long MAX_FUTURE_MS = 10_000;

    private final NodeThreads threads;
    private final NodeClock clock;

    ProposalCheck(NodeThreads threads, NodeClock clock) {
        this.threads = threads;
        this.clock = clock;
    }

    /**
     * Checks a proposal body (the block encoding with no seals) that claims to be block {@code hash}.
     *
     * @param sealer the key the header must name as sealer, or null when any sealer's block may be proposed again
     * @throws IllegalArgumentException naming what is wrong; IllegalStateException if it cannot be checked now
     */
    ExecutedBlock proposal(Step s, long height, Hash hash, byte[] body, String sealer) {
        Block.Raw raw = Block.decodeRaw(body);
        if (!raw.seals().isEmpty()) {
            throw new MalformedDataException("proposal: a proposal carries no seals");
        }
        if (!s.hash(raw.header()).equals(hash)) {
            throw new IllegalArgumentException("the block hash is not the hash of the proposed header");
        }
        return execute(s, height, raw.header(), raw.transactions(), sealer);
    }

    /** Checks block {@code height} given as header and transaction bytes, and executes it. */
    ExecutedBlock execute(Step s, long height, BlockHeader header, List<byte[]> txs, String sealer) {
        if (header.number() != height) {
            throw new IllegalArgumentException("block " + header.number() + " proposed at height " + height);
        }
        BlockHeader parent = s.store().header(height - 1).orElseThrow(
                () -> new IllegalStateException("the block store has no header for block " + (height - 1)));
        if (!header.parentHash().equals(s.hash(parent))) {
            throw new IllegalArgumentException("the parent hash is not the hash of block " + (height - 1));
        }
        String headerSealer = Bytes.toHex(header.sealer());
        if (sealer != null ? !sealer.equals(headerSealer) : !s.spec().isSealer(headerSealer)) {
            throw new IllegalArgumentException("the header names " + headerSealer + " as sealer");
        }
        if (header.timestamp() < parent.timestamp()) {
            throw new IllegalArgumentException("timestamp " + header.timestamp() + " is before its parent's " + parent.timestamp());
        }
        if (header.timestamp() > clock.millis() + MAX_FUTURE_MS) {
            throw new IllegalArgumentException("timestamp " + header.timestamp() + " is too far in the future");
        }
        // The tx root is checked by comparing the re-executed header as a whole below.
        List<VerifiedTransaction> verified = s.verifier().verifyForExecution(header, txs, s.pool()::get, threads);
        ExecutedBlock executed = s.exec().execute(parent, header.timestamp(), header.sealer(), verified);
        byte[] mine = executed.header().encode();
        if (!Arrays.equals(mine, header.encode())) {
            throw new IllegalArgumentException("re-executing the block gives another header (hash "
                    + s.hash(executed.header()) + ")");
        }
        return executed;
    }
}
