package io.cairn.consensus.solo.internal;

import io.cairn.api.testing.NoPending;
import io.cairn.api.testing.LegacyTransfers;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.BlockStoreStub;
import io.cairn.api.testing.KeyedSuite;
import java.lang.annotation.Annotation;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain stand-ins for the components solo consensus uses. */
final class Fakes {
    private Fakes() {}

    static final long CHAIN = 3;

    /** The keyed test suite, named as the fake chain's genesis names its suite. */
    static final KeyedSuite SUITE = new KeyedSuite("fake");

    /** The node's key: signs with the keyed suite, so a seal verifies only for this node's public key. */
    static final class Identity implements NodeIdentity {
        final KeyedSuite suite = SUITE;
        final byte[] publicKey;
        private final byte[] privateKey;

        Identity(int seed) {
            CryptoSuite.KeyPair kp = suite.key("solo-" + seed);
            publicKey = kp.publicKey();
            privateKey = kp.privateKey();
        }

        @Override public byte[] publicKey() { return publicKey.clone(); }
        @Override public Address address() { return suite.address(publicKey); }
        @Override public byte[] sign(byte[] hash32) { return suite.sign(hash32, privateKey); }
        @Override public CryptoSuite suite() { return suite; }
    }

    /** Transactions in arrival order; commits remove them, as the real pool's block listener does. */
    static final class Pool implements TxPool, NoPending {
        final List<VerifiedTransaction> txs = new ArrayList<>();

        synchronized void add(int n) {
            for (int i = 0; i < n; i++) {
                int id = serial.incrementAndGet();
                byte[] key = new byte[64];
                Transaction tx = new Transaction(CHAIN, id, Address.ZERO, BigInteger.ONE, new byte[0], key, new byte[64]);
                txs.add(LegacyTransfers.verified(tx, Hash.of(KeyedSuite.sha256(java.nio.ByteBuffer.allocate(4).putInt(id).array())),
                        Address.ZERO));
            }
        }

        synchronized void removeAll(List<VerifiedTransaction> done) {
            txs.removeAll(done);
        }

        @Override public synchronized List<VerifiedTransaction> pending(int max) { return List.copyOf(txs.subList(0, Math.min(max, txs.size()))); }
        @Override public synchronized int size() { return txs.size(); }
        @Override public VerifiedTransaction submit(byte[] encoded) { throw new UnsupportedOperationException(); }
        @Override public Optional<VerifiedTransaction> get(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public int capacity() { return Integer.MAX_VALUE; }
        @Override public io.cairn.api.node.PoolStatus status() { return new io.cairn.api.node.PoolStatus(size(), capacity(), capacity(), 0); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    static final AtomicInteger serial = new AtomicInteger();

    /** Builds the next header; can be told to fail. */
    static final class Exec implements Executor {
        final AtomicInteger failNext = new AtomicInteger();

        @Override
        public ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("executor failed on purpose");
            }
            BlockHeader h = new BlockHeader(1, CHAIN, parent.number() + 1, Hash.ZERO, timestamp, Hash.ZERO, Hash.ZERO,
                    Hash.ZERO, txs.size(), sealer, new byte[0]);
            return new ExecutedBlock(h, txs, List.of(), new WriteBatch());
        }

        @Override public ExecutedBlock genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** Records commits and tells the pool. */
    static class Store extends BlockStoreStub {
        final List<ExecutedBlock> commits = new CopyOnWriteArrayList<>();
        /** Runs on the sealer's thread after each commit (new transactions arriving meanwhile). */
        volatile Runnable afterCommit = () -> { };
        final List<List<byte[]>> seals = new CopyOnWriteArrayList<>();
        final List<String> sealers;
        final Pool pool;
        final AtomicInteger refuseCommits = new AtomicInteger();
        volatile long height = 0;

        Store(Pool pool, List<String> sealers) {
            this.pool = pool;
            this.sealers = sealers;
        }

        @Override public long height() { return height; }

        @Override
        public Optional<BlockHeader> header(long number) {
            if (number == 0) {
                return Optional.of(new BlockHeader(1, CHAIN, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0,
                        new byte[0], new byte[0]));
            }
            return Optional.of(commits.get((int) number - 1).header());
        }

        @Override
        public Optional<Genesis> genesis() {
            return Optional.of(new Genesis(CHAIN, "fake", "account", 1000, sealers, new TreeMap<>()));
        }

        @Override
        public Block commit(ExecutedBlock block, List<byte[]> seal) {
            if (refuseCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("storage write failed on purpose");
            }
            if (block.header().number() != height + 1) {
                throw new IllegalStateException("block " + block.header().number() + " does not extend " + height);
            }
            seals.add(seal);
            height = block.header().number();
            pool.removeAll(block.transactions());
            commits.add(block); // last: a test that sees the commit also sees the pool without its transactions
            afterCommit.run();
            return block.seal(seal);
        }

    }

    static SoloConsensus.Config config(int blockTxs, long intervalMs, boolean emptyBlocks) {
        return new SoloConsensus.Config() {
            @Override public Class<? extends Annotation> annotationType() { return SoloConsensus.Config.class; }
            @Override public int blockTxs() { return blockTxs; }
            @Override public long intervalMs() { return intervalMs; }
            @Override public boolean emptyBlocks() { return emptyBlocks; }
        };
    }
}
