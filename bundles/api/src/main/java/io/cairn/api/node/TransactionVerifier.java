package io.cairn.api.node;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.runtime.NodeThreads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The one set of rules for a valid transaction envelope, used by the pool on admission, by consensus on a
 * proposal, by sync on fetched blocks and by replay: it decodes (strictly: the encoding is canonical), refuses
 * another chain's transactions and another ledger model's, refuses a key signing twice, hashes the payload and
 * checks every signature with the chain's suite. A transaction verified once (by the pool) is reused for a block
 * only when the block carries the very same bytes: the hash covers the payload but not the signatures, and the
 * block a node stores must be byte for byte the one that was proposed. What the body means, which keys must
 * sign, and every rule that needs state belong to the ledger model. Immutable.
 */
public final class TransactionVerifier {
    /** Below this many transactions to check, a block is verified on the calling thread alone. */
    private static final int PARALLEL_MIN = 32;

    private final ChainSpec spec;
    private final CryptoSuite suite;

    /** @throws IllegalArgumentException if the suite is not the one the chain names */
    public TransactionVerifier(ChainSpec spec, CryptoSuite suite) {
        if (!spec.usesSuite(suite)) {
            throw new IllegalArgumentException("crypto suite '" + (suite == null ? null : suite.name())
                    + "' is not the chain's: its genesis names '" + spec.suite() + "'");
        }
        this.spec = spec;
        this.suite = suite;
    }

    public ChainSpec spec() {
        return spec;
    }

    public CryptoSuite suite() {
        return suite;
    }

    /** A transaction decoded and checked for all that needs no signature check: encoding, chain, ledger, signers. */
    public record Decoded(Envelope envelope, Hash hash) {
        public byte[] encoded() {
            return envelope.encoded();
        }
    }

    /**
     * Decodes and checks the chain id, the ledger code and that no key signs twice; cheap, so duplicates can be
     * refused before the signature check.
     */
    public Decoded decode(byte[] encoded) throws TxRejectedException {
        if (encoded == null) {
            throw new TxRejectedException(TxRejectedException.Reason.MALFORMED, "transaction bytes are missing");
        }
        Envelope env;
        try {
            env = Envelope.decode(encoded);
        } catch (MalformedDataException e) {
            throw new TxRejectedException(TxRejectedException.Reason.MALFORMED, e.getMessage());
        }
        if (env.chainId() != spec.chainId()) {
            throw new TxRejectedException(TxRejectedException.Reason.WRONG_CHAIN, "transaction is for chain "
                    + Long.toUnsignedString(env.chainId()) + ", this node runs chain " + spec.chainIdText());
        }
        if (env.ledger() != spec.ledgerCode() && env.ledger() != Envelope.GOVERNANCE) {
            throw new TxRejectedException(TxRejectedException.Reason.WRONG_LEDGER, "transaction is for the "
                    + Envelope.ledgerName(env.ledger()) + " ledger (code " + env.ledger() + "), this chain runs the "
                    + spec.ledger() + " ledger (code " + spec.ledgerCode() + ")");
        }
        List<byte[]> keys = env.publicKeys();
        for (int i = 1; i < keys.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (Arrays.equals(keys.get(i), keys.get(j))) {
                    throw new TxRejectedException(TxRejectedException.Reason.DUPLICATE_SIGNER, "signers " + j
                            + " and " + i + " are the same public key " + Bytes.toHex(keys.get(i)));
                }
            }
        }
        return new Decoded(env, Hash.of(suite.hash(env.payload())));
    }

    /** Checks every signature of a decoded transaction: the one expensive step. */
    public VerifiedTransaction verify(Decoded d) throws TxRejectedException {
        Envelope env = d.envelope();
        List<byte[]> keys = env.publicKeys();
        byte[] hash = d.hash().toByteArray();
        for (int i = 0; i < keys.size(); i++) {
            if (!suite.verify(hash, env.signatures().get(i), keys.get(i))) {
                throw new TxRejectedException(TxRejectedException.Reason.BAD_SIGNATURE, "transaction " + d.hash()
                        + (keys.size() == 1 ? ": the signature does not verify for its public key"
                                : ": signature " + i + " does not verify for public key " + Bytes.toHex(keys.get(i))));
            }
        }
        return new VerifiedTransaction(env, d.hash(), signers(env));
    }

    /** {@link #decode} then {@link #verify(Decoded)}. */
    public VerifiedTransaction verify(byte[] encoded) throws TxRejectedException {
        return verify(decode(encoded));
    }

    /**
     * A transaction of a committed block, whose signatures were checked when the block was accepted: hashed and
     * its signers named, without checking its signatures again.
     *
     * @throws MalformedDataException if the bytes are not a transaction
     */
    public VerifiedTransaction committed(byte[] encoded) {
        Envelope env = Envelope.decode(encoded);
        return new VerifiedTransaction(env, Hash.of(suite.hash(env.payload())), signers(env));
    }

    private List<Address> signers(Envelope env) {
        List<byte[]> keys = env.publicKeys();
        if (keys.size() == 1) {
            return List.of(suite.address(keys.get(0)));
        }
        List<Address> out = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            out.add(suite.address(k));
        }
        return out;
    }

    /**
     * Checks a block's body against its header (chain id, transaction count and root) and verifies every
     * transaction: a pooled copy with the same bytes is taken as verified, the others are checked, in parallel
     * on {@code threads} when there are many.
     *
     * @param pooled the pool's verified transaction by hash, or empty
     * @throws InvalidBlockException naming the first rule broken
     */
    public List<VerifiedTransaction> verifyBody(BlockHeader header, List<byte[]> encoded,
            Function<Hash, Optional<VerifiedTransaction>> pooled, NodeThreads threads) {
        return verify(header, encoded, pooled, threads, true);
    }

    /**
     * As {@link #verifyBody} but for a block that is about to be re-executed and compared with its header as a
     * whole (a proposal): the transaction root is left to that comparison, since executing the block computes it
     * anyway, and a proposer that lied about it is caught there. Transaction count, chain ids and signatures are
     * checked here as always.
     */
    public List<VerifiedTransaction> verifyForExecution(BlockHeader header, List<byte[]> encoded,
            Function<Hash, Optional<VerifiedTransaction>> pooled, NodeThreads threads) {
        return verify(header, encoded, pooled, threads, false);
    }

    private List<VerifiedTransaction> verify(BlockHeader header, List<byte[]> encoded,
            Function<Hash, Optional<VerifiedTransaction>> pooled, NodeThreads threads, boolean checkRoot) {
        if (header.chainId() != spec.chainId()) {
            throw new InvalidBlockException("block " + header.number() + " is of chain "
                    + Long.toUnsignedString(header.chainId()) + ", this chain is " + spec.chainIdText());
        }
        if (header.txCount() != encoded.size()) {
            throw new InvalidBlockException("block " + header.number() + ": the header counts " + header.txCount()
                    + " transactions, the body has " + encoded.size());
        }
        int n = encoded.size();
        VerifiedTransaction[] out = new VerifiedTransaction[n];
        List<Decoded> unchecked = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<Hash> hashes = checkRoot ? new ArrayList<>(n) : null;
        for (int i = 0; i < n; i++) {
            Decoded d;
            try {
                d = decode(encoded.get(i));
            } catch (TxRejectedException e) {
                throw new InvalidBlockException("transaction " + i + " of block " + header.number() + ": " + e.getMessage());
            }
            if (hashes != null) {
                hashes.add(d.hash());
            }
            Optional<VerifiedTransaction> p = lookup(pooled, d.hash());
            if (p.isPresent() && Arrays.equals(p.get().encoded(), d.encoded())) {
                out[i] = p.get(); // verified once, on admission, and the very same bytes
            } else {
                unchecked.add(d);
                positions.add(i);
            }
        }
        // The root before the signatures: a body swapped under a sealed header costs hashing, not verifying.
        if (hashes != null && !MerkleRoot.of(hashes, suite::hash).equals(header.txRoot())) {
            throw new InvalidBlockException("block " + header.number()
                    + ": the transactions do not match the transaction root of its header");
        }
        int k = unchecked.size();
        NodeThreads t = threads == null ? NodeThreads.DIRECT : threads;
        int parts = k < PARALLEL_MIN ? 1 : Math.max(1, Math.min(t.parallelism() + 1, k / (PARALLEL_MIN / 2)));
        AtomicReference<String> failure = new AtomicReference<>();
        t.parallel(parts, part -> {
            int from = (int) ((long) k * part / parts);
            int to = (int) ((long) k * (part + 1) / parts);
            for (int j = from; j < to && failure.get() == null; j++) {
                try {
                    out[positions.get(j)] = verify(unchecked.get(j));
                } catch (TxRejectedException e) {
                    failure.compareAndSet(null, "transaction " + positions.get(j) + " of block " + header.number()
                            + ": " + e.getMessage());
                }
            }
        });
        if (failure.get() != null) {
            throw new InvalidBlockException(failure.get());
        }
        return Arrays.asList(out);
    }

    private static Optional<VerifiedTransaction> lookup(Function<Hash, Optional<VerifiedTransaction>> pooled, Hash hash) {
        if (pooled == null) {
            return Optional.empty();
        }
        try {
            return pooled.apply(hash);
        } catch (RuntimeException departing) {
            return Optional.empty(); // a pool being swapped out: verifying here is always correct
        }
    }
}
