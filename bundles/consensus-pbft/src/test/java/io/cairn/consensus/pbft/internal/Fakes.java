package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.consensus.Sealing;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.HeadMovedException;
import io.cairn.api.node.PoolStatus;
import io.cairn.api.node.TxPool;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.NoPending;
import io.cairn.api.testing.BlockStoreStub;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.TestGate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain fakes of the components around consensus; safe to use from the event thread of the real-thread tests. */
final class Fakes {
    static final long CHAIN = 9;

    private Fakes() {}

    /** A node key of the {@link KeyedSuite}, counting what it signs. */
    static final class Key implements NodeIdentity {
        final KeyedSuite suite;
        final byte[] privateKey;
        final byte[] publicKey;
        final String hex;
        final AtomicInteger signatures = new AtomicInteger();

        Key(KeyedSuite suite, String seed) {
            CryptoSuite.KeyPair kp = suite.key(seed);
            this.suite = suite;
            this.privateKey = kp.privateKey();
            this.publicKey = kp.publicKey();
            this.hex = Bytes.toHex(publicKey);
        }

        @Override public byte[] publicKey() { return publicKey.clone(); }
        @Override public Address address() { return suite.address(publicKey); }
        @Override public byte[] sign(byte[] hash32) { signatures.incrementAndGet(); return suite.sign(hash32, privateKey); }
        @Override public CryptoSuite suite() { return suite; }
    }

    /** Pending transactions in arrival order; the store's commits remove them. */
    static final class Pool implements TxPool, NoPending {
        final Map<Hash, VerifiedTransaction> txs = new LinkedHashMap<>();

        synchronized void add(List<VerifiedTransaction> more) { more.forEach(t -> txs.put(t.hash(), t)); }
        synchronized void removeAll(List<VerifiedTransaction> done) { done.forEach(t -> txs.remove(t.hash())); }
        @Override public synchronized List<VerifiedTransaction> pending(int max) { return txs.values().stream().limit(max).toList(); }
        @Override public synchronized int size() { return txs.size(); }
        @Override public synchronized Optional<VerifiedTransaction> get(Hash h) { return Optional.ofNullable(txs.get(h)); }
        @Override public VerifiedTransaction submit(byte[] encoded) { throw new UnsupportedOperationException(); }
        @Override public int capacity() { return Integer.MAX_VALUE; }
        @Override public PoolStatus status() { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** A deterministic executor: the transaction root as the real one computes it, the state a digest of both. */
    static final class Exec implements Executor {
        final CryptoSuite suite;

        Exec(CryptoSuite suite) { this.suite = suite; }

        @Override
        public ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
            Hash txRoot = MerkleRoot.of(txs.stream().map(VerifiedTransaction::hash).toList(), suite::hash);
            Hash state = Hash.of(KeyedSuite.sha256(parent.stateRoot().toByteArray(), txRoot.toByteArray()));
            BlockHeader h = new BlockHeader(1, CHAIN, parent.number() + 1, Sealing.hash(suite, parent), timestamp, txRoot,
                    Hash.ZERO, state, txs.size(), sealer, new byte[0]);
            return new ExecutedBlock(h, txs, List.of(), new WriteBatch());
        }

        @Override public ExecutedBlock genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** Blocks in memory; a commit must extend the head, as the real block store insists. */
    static final class Store extends BlockStoreStub {
        final CryptoSuite suite;
        final Genesis genesis;
        final Pool pool;
        final List<Block> blocks = new CopyOnWriteArrayList<>();
        final List<Hash> hashes = new CopyOnWriteArrayList<>();
        /** The gate every commit must happen inside, if any. */
        volatile TestGate gate;
        /** Commits made outside the gate (none, if consensus brackets each block). */
        final AtomicInteger outsideGate = new AtomicInteger();
        /** A permit per commit, for a test on real threads to wait for one. */
        final java.util.concurrent.Semaphore commits = new java.util.concurrent.Semaphore(0);
        /** Runs once before the next commit: another engine (sync) committing first. */
        volatile Runnable race;

        Store(CryptoSuite suite, Genesis genesis, Pool pool) {
            this.suite = suite;
            this.genesis = genesis;
            this.pool = pool;
            BlockHeader h = new BlockHeader(1, CHAIN, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0, new byte[0],
                    genesis.encode());
            blocks.add(new Block(h, List.of(), List.of()));
            hashes.add(Sealing.hash(suite, h));
        }

        @Override public long height() { return blocks.size() - 1; }
        @Override public Optional<BlockHeader> header(long n) { return block(n).map(Block::header); }
        @Override public Optional<Hash> hash(long n) { return n >= 0 && n < hashes.size() ? Optional.of(hashes.get((int) n)) : Optional.empty(); }
        @Override public Optional<Block> block(long n) { return n >= 0 && n < blocks.size() ? Optional.of(blocks.get((int) n)) : Optional.empty(); }
        @Override public Optional<Genesis> genesis() { return Optional.of(genesis); }

        @Override
        public synchronized Block commit(ExecutedBlock block, List<byte[]> seals) {
            Runnable r = race;
            race = null;
            if (r != null) {
                r.run();
            }
            BlockHeader h = block.header();
            if (h.number() != height() + 1 || !h.parentHash().equals(hashes.get(hashes.size() - 1))) {
                throw new HeadMovedException(height(), "block " + h.number() + " does not extend head " + height());
            }
            TestGate g = gate;
            if (g != null && g.inside.get() < 1) {
                outsideGate.incrementAndGet();
            }
            Block b = block.seal(seals);
            hashes.add(Sealing.hash(suite, h)); // height() reads blocks: publish the hash first
            blocks.add(b);
            pool.removeAll(block.transactions());
            commits.release();
            return b;
        }
    }
}
