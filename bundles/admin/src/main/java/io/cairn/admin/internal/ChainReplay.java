package io.cairn.admin.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockFormat;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.WriteBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Re-executes a chain from genesis, each block with the ledger model and the block format of its rules version, on
 * a state of its own in memory, and compares every root it computes with the block header the node committed. Equal roots all the way show that
 * the chain the node made (through any number of engine upgrades) is the one a node without those upgrades
 * would have made from the same transactions.
 *
 * <p>Blocks are read through the {@link BlockStore}; nothing is written anywhere, so the running node is not
 * disturbed beyond the reads. The replay state is a hash map of every state key: O(state) memory, fine for test
 * and small chains, not for a production-sized one. Runs on the caller's thread.
 *
 * <p>Transactions are envelopes of any ledger model: the checked range goes through the chain's
 * {@link TransactionVerifier} (encoding, chain, ledger code, signers, every signature, the tx root); what a body
 * means is the installed model's business, which may refuse a block outright ({@link InvalidBlockException}).
 */
final class ChainReplay {
    /** The first difference found: where, which root, what the header says and what replay computed. */
    record Mismatch(long block, String what, String expected, String got) {
        @Override
        public String toString() {
            return "block " + block + ": " + what + " differs: the header has " + expected + ", replay computed " + got;
        }
    }

    /**
     * What a replay found. {@code lastChecked} is the last block whose roots were compared ({@code from - 1} when
     * none was), {@code mismatch} null when every compared block matched.
     */
    record Result(long from, long to, long lastChecked, long transactions, long stateKeys, long millis,
            Mismatch mismatch) {
        boolean matches() {
            return mismatch == null;
        }

        String text() {
            if (mismatch != null) {
                return "MISMATCH at " + mismatch + " (blocks " + from + ".." + (mismatch.block() - 1)
                        + " matched; replayed in " + millis + " ms)";
            }
            return "verified blocks " + from + ".." + to + ": every state root matches (" + transactions
                    + " transactions re-executed and their signatures verified, tx and receipt roots match, "
                    + stateKeys + " state keys, " + millis + " ms)";
        }
    }

    private final BlockStore store;
    private final ChainRules model;
    private final CryptoSuite suite;
    private final NodeThreads threads;
    private final Map<ByteBuffer, byte[]> state = new HashMap<>();
    private TransactionVerifier verifier;

    ChainReplay(BlockStore store, ChainRules model, CryptoSuite suite, NodeThreads threads) {
        this.store = Objects.requireNonNull(store, "block store");
        this.model = Objects.requireNonNull(model, "ledger model");
        this.suite = Objects.requireNonNull(suite, "crypto suite");
        this.threads = threads;
    }

    /**
     * A block before the range: decoded, checked for all but its signatures (chain, ledger, signers) and hashed,
     * its signatures taken as the chain accepted them.
     */
    private List<VerifiedTransaction> unchecked(List<byte[]> raw, long number) {
        List<VerifiedTransaction> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            TransactionVerifier.Decoded d;
            try {
                d = verifier.decode(raw.get(i));
            } catch (TxRejectedException e) {
                throw new InvalidBlockException("transaction " + i + " of block " + number + ": " + e.getMessage(), i);
            }
            List<byte[]> keys = d.envelope().publicKeys();
            List<Address> signers = new ArrayList<>(keys.size());
            for (byte[] k : keys) {
                signers.add(suite.address(k));
            }
            out.add(new VerifiedTransaction(d.envelope(), d.hash(), signers));
        }
        return out;
    }

    /**
     * Replays blocks 0..to and compares blocks from..to. Blocks before {@code from} are executed to rebuild their
     * state but neither their signatures nor their roots are checked: that is what makes a later range cheaper.
     *
     * @throws IllegalArgumentException if the range is empty, reversed or beyond the head
     */
    Result run(long from, long to) {
        long height = store.height();
        if (height < 0) {
            throw new IllegalArgumentException("the chain has no genesis block yet");
        }
        if (from < 0 || to < from || to > height) {
            throw new IllegalArgumentException("blocks " + from + ".." + to + " are not a range of the chain 0.." + height);
        }
        if (store.joinedAt().isPresent()) {
            throw new IllegalArgumentException("this node joined the chain at block " + store.joinedAt().getAsLong()
                    + " from a snapshot: it holds no blocks 1.." + store.joinedAt().getAsLong() + " to replay "
                    + "(verify-chain on a node that holds them)");
        }
        long start = System.nanoTime();
        state.clear();
        Genesis genesis = store.genesis().orElseThrow(() -> new IllegalArgumentException(
                "block 0 carries no readable genesis: nothing to replay from"));
        verifier = new TransactionVerifier(ChainSpec.of(genesis), suite); // refuses a suite that is not the chain's
        long txs = 0;
        Hash parentHash = null;
        BlockHeader parent = null;
        for (long n = 0; n <= to; n++) {
            boolean check = n >= from;
            Block block = store.block(n).orElse(null);
            if (block == null) {
                return result(from, to, n - 1, txs, start, new Mismatch(n, "block", "a block", "nothing stored"));
            }
            BlockHeader h = block.header();
            Mismatch m;
            if (n == 0) {
                StateTransition t = model.genesis(genesis);
                apply(t.writes());
                m = check ? compare(h, 0, Hash.ZERO, Hash.ZERO, Hash.ZERO, t.stateRoot(), 0) : null;
            } else {
                List<byte[]> raw = new ArrayList<>(block.transactions().size());
                for (Envelope tx : block.transactions()) {
                    raw.add(tx.encoded()); // the bytes the block carries: what the tx root and signatures cover
                }
                List<VerifiedTransaction> vtxs = null;
                m = null;
                try {
                    // Checked blocks under the chain's one set of rules; earlier ones only rebuild the state.
                    vtxs = check ? verifier.verifyBody(h, raw, null, threads) : unchecked(raw, n);
                } catch (InvalidBlockException e) {
                    m = new Mismatch(n, "transactions", "a body that matches the header and verifies", e.getMessage());
                }
                List<Hash> hashes = new ArrayList<>(raw.size());
                if (vtxs != null) {
                    vtxs.forEach(v -> hashes.add(v.hash()));
                }
                if (m == null) {
                    StateTransition t = null;
                    BlockFormat format = null;
                    try {
                        io.cairn.api.node.StateView view = key -> state.get(ByteBuffer.wrap(key));
                        format = model.blockFormat(n, view);
                        t = model.apply(n, vtxs, view);
                    } catch (InvalidBlockException e) {
                        // the model's rule says no block may hold one of them (a double spend, a body it cannot read)
                        m = new Mismatch(n, "transactions", "transactions the ledger model accepts", e.getMessage());
                    }
                    if (t != null) {
                        apply(t.writes());
                        txs += vtxs.size();
                        m = check ? compare(h, format.next(suite, parent, h.timestamp(), h.sealer(),
                                MerkleRoot.of(hashes, suite::hash), vtxs.size(), t.receipts(), t.stateRoot()),
                                parentHash) : null;
                    }
                }
            }
            if (m != null) {
                return result(from, to, n - 1, txs, start, m);
            }
            parentHash = suite.digest(h.encode());
            parent = h;
        }
        return result(from, to, to, txs, start, null);
    }

    private Result result(long from, long to, long last, long txs, long start, Mismatch m) {
        return new Result(from, to, last, txs, state.size(), BlockGate.millis(System.nanoTime() - start), m);
    }

    private static Mismatch compare(BlockHeader h, long n, Hash parent, Hash txRoot, Hash receiptRoot, Hash stateRoot,
            int txCount) {
        if (h.number() != n) {
            return new Mismatch(n, "number", Long.toString(h.number()), Long.toString(n));
        }
        if (!h.parentHash().equals(parent)) {
            return new Mismatch(n, "parent hash", h.parentHash().toString(), parent.toString());
        }
        if (h.txCount() != txCount) {
            return new Mismatch(n, "transaction count", Integer.toString(h.txCount()), Integer.toString(txCount));
        }
        if (!h.txRoot().equals(txRoot)) {
            return new Mismatch(n, "tx root", h.txRoot().toString(), txRoot.toString());
        }
        if (!h.receiptRoot().equals(receiptRoot)) {
            return new Mismatch(n, "receipt root", h.receiptRoot().toString(), receiptRoot.toString());
        }
        if (!h.stateRoot().equals(stateRoot)) {
            return new Mismatch(n, "state root", h.stateRoot().toString(), stateRoot.toString());
        }
        return null;
    }

    /**
     * The committed header {@code h} against the one the block's format makes of the replayed block: the roots by
     * name, then anything else the format puts in a header (version, timestamp, sealer, extra data).
     */
    private static Mismatch compare(BlockHeader h, BlockHeader made, Hash parent) {
        Mismatch m = compare(h, made.number(), parent, made.txRoot(), made.receiptRoot(), made.stateRoot(),
                made.txCount());
        if (m == null && !java.util.Arrays.equals(h.encode(), made.encode())) {
            return new Mismatch(made.number(), "header", io.cairn.api.chain.Bytes.toHex(h.encode()),
                    io.cairn.api.chain.Bytes.toHex(made.encode()));
        }
        return m;
    }

    private void apply(WriteBatch writes) {
        if (writes == null) {
            return;
        }
        for (WriteBatch.Op op : writes.ops()) {
            ByteBuffer k = ByteBuffer.wrap(op.key().clone());
            if (op.isDelete()) {
                state.remove(k);
            } else {
                state.put(k, op.value().clone());
            }
        }
    }
}
