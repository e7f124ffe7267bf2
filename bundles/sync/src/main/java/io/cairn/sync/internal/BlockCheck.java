package io.cairn.sync.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.TxPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Everything about fetched blocks that can be checked without the local head, so that it runs on the
 * verify threads, in parallel with execution: decoding, numbering, linkage inside the batch, the seals
 * against the genesis sealers, the body against the sealed header (transaction count and root), and each
 * transaction's signature (once; a transaction the pool already verified is taken from the pool).
 */
final class BlockCheck {
    /** A block that passed every check but the ones against the head; ready to execute. */
    record Checked(long number, Block block, Hash hash, List<VerifiedTransaction> txs, String source) {}

    /** The outcome for one response: the checked blocks in order, or why the peer's data is bad. */
    record Result(List<Checked> blocks, String failure) {
        boolean bad() {
            return failure != null;
        }
    }

    /** What the checks need from the local chain: fixed by the genesis block. */
    record Chain(long chainId, List<String> sealers) {}

    private BlockCheck() {}

    static Result check(String source, long from, List<byte[]> encoded, Chain chain, CryptoSuite suite, TxPool pool) {
        List<Checked> out = new ArrayList<>(encoded.size());
        Hash previous = null;
        for (int i = 0; i < encoded.size(); i++) {
            long expected = from + i;
            Block block;
            try {
                block = Block.decode(encoded.get(i));
            } catch (MalformedDataException e) {
                return failed("block " + expected + " does not decode: " + e.getMessage());
            }
            BlockHeader h = block.header();
            if (h.number() != expected) {
                return failed("sent block " + h.number() + " where block " + expected + " was asked for");
            }
            if (h.chainId() != chain.chainId()) {
                return failed("block " + expected + " is of chain " + Long.toUnsignedString(h.chainId())
                        + ", this chain is " + Long.toUnsignedString(chain.chainId()));
            }
            Hash hash = suite.digest(h.encode());
            if (previous != null && !h.parentHash().equals(previous)) {
                return failed("block " + expected + " has parent " + h.parentHash() + ", not block " + (expected - 1)
                        + " (" + previous + ") of the same batch");
            }
            if (h.txCount() != block.transactions().size()) {
                return failed("block " + expected + " header counts " + h.txCount() + " transactions, the body has "
                        + block.transactions().size());
            }
            if (!Seals.isFinal(hash, block.seals(), chain.sealers(), suite)) {
                return failed("block " + expected + " (" + hash + ") carries valid seals of "
                        + Seals.validSealers(hash, block.seals(), chain.sealers(), suite) + " sealers, the quorum is "
                        + Seals.quorum(chain.sealers().size()) + " of " + chain.sealers().size());
            }
            List<VerifiedTransaction> txs = new ArrayList<>(block.transactions().size());
            List<Hash> txHashes = new ArrayList<>(block.transactions().size());
            for (Transaction tx : block.transactions()) {
                Hash txHash = suite.digest(tx.signingPayload());
                txHashes.add(txHash);
                txs.add(null);
            }
            // The root first: a body swapped under a sealed header costs hashing, not signature checks.
            if (!MerkleRoot.of(txHashes, suite::hash).equals(h.txRoot())) {
                return failed("block " + expected + " body does not match the transaction root of its sealed header");
            }
            for (int j = 0; j < txs.size(); j++) {
                Transaction tx = block.transactions().get(j);
                VerifiedTransaction vt = fromPool(pool, txHashes.get(j), tx);
                if (vt == null) {
                    byte[] publicKey = tx.publicKey();
                    if (!suite.verify(txHashes.get(j).toByteArray(), tx.signature(), publicKey)) {
                        return failed("transaction " + j + " (" + txHashes.get(j) + ") of block " + expected
                                + " has a signature that does not verify");
                    }
                    vt = new VerifiedTransaction(tx, txHashes.get(j), suite.address(publicKey), tx.encode());
                }
                txs.set(j, vt);
            }
            out.add(new Checked(expected, block, hash, List.copyOf(txs), source));
            previous = hash;
        }
        return new Result(out, null);
    }

    /** The pool's verified copy, if it holds this very transaction (same payload and same signature bytes). */
    private static VerifiedTransaction fromPool(TxPool pool, Hash txHash, Transaction tx) {
        if (pool == null) {
            return null;
        }
        Optional<VerifiedTransaction> pooled;
        try {
            pooled = pool.get(txHash);
        } catch (RuntimeException departing) {
            return null; // a pool being swapped out: verifying ourselves is always correct
        }
        if (pooled.isEmpty() || !Arrays.equals(pooled.get().tx().signature(), tx.signature())) {
            return null;
        }
        return pooled.get();
    }

    private static Result failed(String why) {
        return new Result(List.of(), why);
    }
}
