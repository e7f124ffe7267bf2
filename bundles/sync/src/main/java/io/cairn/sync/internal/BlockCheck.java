package io.cairn.sync.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.runtime.NodeThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything about fetched blocks that can be checked without the local head, so that it runs on the compute
 * pool, in parallel with execution: the framing, numbering, linkage inside the batch, the seals (a quorum of
 * the genesis sealers, {@link ChainSpec#isFinal}), and the body against the sealed header with every
 * transaction's signature ({@link TransactionVerifier#verifyBody}: the chain's one set of transaction rules; a
 * transaction the pool verified is reused only when the block carries the very same bytes).
 */
final class BlockCheck {
    /** A block that passed every check but the ones against the head; ready to execute. */
    record Checked(long number, BlockHeader header, Hash hash, List<VerifiedTransaction> txs, List<byte[]> seals,
            String source) {}

    /** The outcome for one response: the checked blocks in order, or why the peer's data is bad. */
    record Result(List<Checked> blocks, String failure) {
        boolean bad() {
            return failure != null;
        }
    }

    private BlockCheck() {}

    /**
     * @param pooled  the pool's verified transactions by hash (or none)
     * @param threads where a block's many signatures are checked in parallel
     */
    static Result check(String source, long from, List<byte[]> encoded, TransactionVerifier verifier,
            Function<Hash, Optional<VerifiedTransaction>> pooled, NodeThreads threads) {
        ChainSpec spec = verifier.spec();
        CryptoSuite suite = verifier.suite();
        List<Checked> out = new ArrayList<>(encoded.size());
        Hash previous = null;
        for (int i = 0; i < encoded.size(); i++) {
            long expected = from + i;
            Block.Raw block;
            try {
                block = Block.decodeRaw(encoded.get(i));
            } catch (MalformedDataException e) {
                return failed("block " + expected + " does not decode: " + e.getMessage());
            }
            BlockHeader h = block.header();
            if (h.number() != expected) {
                return failed("sent block " + h.number() + " where block " + expected + " was asked for");
            }
            if (h.chainId() != spec.chainId()) {
                return failed("block " + expected + " is of chain " + Long.toUnsignedString(h.chainId())
                        + ", this chain is " + spec.chainIdText());
            }
            Hash hash = suite.digest(h.encode());
            if (previous != null && !h.parentHash().equals(previous)) {
                return failed("block " + expected + " has parent " + h.parentHash() + ", not block " + (expected - 1)
                        + " (" + previous + ") of the same batch");
            }
            // The seals before the body: an unsealed block costs a few seal checks, not every transaction's.
            if (!spec.isFinal(hash, block.seals(), suite)) {
                return failed("block " + expected + " (" + hash + ") carries valid seals of "
                        + Seals.validSealers(hash, block.seals(), spec.sealers(), suite) + " sealers, the quorum is "
                        + spec.quorum() + " of " + spec.n());
            }
            List<VerifiedTransaction> txs;
            try {
                txs = verifier.verifyBody(h, block.transactions(), pooled, threads);
            } catch (InvalidBlockException e) {
                return failed(e.getMessage());
            }
            out.add(new Checked(expected, h, hash, txs, block.seals(), source));
            previous = hash;
        }
        return new Result(out, null);
    }

    private static Result failed(String why) {
        return new Result(List.of(), why);
    }
}
