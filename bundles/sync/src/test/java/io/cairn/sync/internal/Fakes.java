package io.cairn.sync.internal;

import io.cairn.api.testing.LegacyTransfers;
import io.cairn.api.testing.Await;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.HeadMovedException;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.sync.SyncStatus;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.RecordingMetrics;
import io.cairn.api.testing.TestReputation;
import java.lang.annotation.Annotation;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Plain-object stand-ins the api test fixtures do not cover: an in-memory block store, a deterministic executor,
 * a sealed chain, a threaded network hub.
 */
final class Fakes {
    private Fakes() {}

    static final long CHAIN_ID = 7;

    /** The keyed test suite: signatures verify only for the key that made them, which is all sync's checks need. */
    static final KeyedSuite SUITE = new KeyedSuite();

    static byte[] sha256(byte[] data) {
        return KeyedSuite.sha256(data);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static CryptoSuite.KeyPair key(int seed) {
        return SUITE.key("key-" + seed);
    }

    /** An in-memory block store with the real contract: commit must extend the head, then listeners hear of it. */
    static final class Store implements BlockStore {
        private final List<Block> blocks = new ArrayList<>();
        private final List<Hash> hashes = new ArrayList<>();
        final Genesis genesis;
        final List<BlockListener> listeners = new CopyOnWriteArrayList<>();
        /** Runs inside commit before the head check: lets a test make "consensus" win the race. */
        volatile Consumer<ExecutedBlock> beforeCommit;
        /** True: commit refuses as a ledger without storage does, committing nothing. */
        volatile boolean notReady;

        Store(Genesis genesis, Block block0) {
            this.genesis = genesis;
            blocks.add(block0);
            hashes.add(SUITE.digest(block0.header().encode()));
        }

        @Override public synchronized long height() { return blocks.size() - 1; }
        @Override public synchronized Optional<BlockHeader> header(long n) { return block(n).map(Block::header); }
        @Override public synchronized Optional<Hash> hash(long n) {
            return n >= 0 && n < hashes.size() ? Optional.of(hashes.get((int) n)) : Optional.empty();
        }
        @Override public synchronized Optional<Block> block(long n) {
            java.util.function.LongPredicate a = archivedAway;
            if (a != null && a.test(n)) {
                throw new io.cairn.api.node.BlockArchivedException("block " + n + " is archived in /gone (blocks 1..9), "
                        + "which is not readable: the file is missing", "/gone", 1, 9);
            }
            return n >= 0 && n < blocks.size() ? Optional.of(blocks.get((int) n)) : Optional.empty();
        }

        /** Blocks whose archive file is unreadable, as a ledger whose archive was moved away answers them. */
        volatile java.util.function.LongPredicate archivedAway;
        @Override public synchronized Optional<Block> block(Hash h) { int i = hashes.indexOf(h); return i < 0 ? Optional.empty() : Optional.of(blocks.get(i)); }
        @Override public synchronized Optional<Long> number(Hash h) { int i = hashes.indexOf(h); return i < 0 ? Optional.empty() : Optional.of((long) i); }
        @Override public Optional<Located> transaction(Hash h) { return Optional.empty(); }
        @Override public Optional<io.cairn.api.chain.Receipt> receipt(Hash h) { return Optional.empty(); }
        @Override public long totalTransactionCount() { return 0; }
        @Override public Optional<Genesis> genesis() { return Optional.of(genesis); }
        @Override public StateSnapshot state() { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("ok"); }

        @Override public Block commit(ExecutedBlock executed, List<byte[]> seals) {
            if (notReady) {
                throw new NotReadyException("no storage (test)");
            }
            Consumer<ExecutedBlock> hook = beforeCommit;
            if (hook != null) {
                hook.accept(executed);
            }
            Block block;
            Hash hash;
            synchronized (this) {
                BlockHeader h = executed.header();
                if (h.number() != blocks.size() || !h.parentHash().equals(hashes.get(hashes.size() - 1))) {
                    throw new HeadMovedException(height(), "block " + h.number() + " does not extend the head " + height());
                }
                block = executed.seal(seals);
                hash = SUITE.digest(h.encode());
                blocks.add(block);
                hashes.add(hash);
            }
            for (BlockListener l : listeners) {
                l.blockCommitted(block, hash, List.of());
            }
            return block;
        }

        synchronized List<Hash> hashes() {
            return List.copyOf(hashes);
        }
    }

    /** Deterministic: the state root folds the parent's state root with the transaction root and timestamp. */
    static final class Exec implements Executor {
        final Store store;
        final AtomicInteger executed = new AtomicInteger();
        /** The senders of the transactions each block was executed with, by block number. */
        final Map<Long, List<Address>> senders = new ConcurrentHashMap<>();

        Exec(Store store) {
            this.store = store;
        }

        @Override
        public ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
            if (store.height() != parent.number()) {
                throw new IllegalStateException("the head moved: asked to execute on " + parent.number());
            }
            executed.incrementAndGet();
            senders.put(parent.number() + 1, txs.stream().map(VerifiedTransaction::sender).toList());
            return build(parent, timestamp, sealer, txs);
        }

        static ExecutedBlock build(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
            List<Hash> txHashes = txs.stream().map(VerifiedTransaction::hash).toList();
            Hash txRoot = MerkleRoot.of(txHashes, SUITE::hash);
            long ts = Math.max(timestamp, parent.timestamp());
            byte[] fold = concat(concat(parent.stateRoot().toByteArray(), txRoot.toByteArray()),
                    BigInteger.valueOf(ts).toByteArray());
            BlockHeader h = new BlockHeader(BlockHeader.PROTOCOL_VERSION, parent.chainId(), parent.number() + 1,
                    SUITE.digest(parent.encode()), ts, txRoot, Hash.ZERO, Hash.of(sha256(fold)), txs.size(),
                    sealer.clone(), new byte[0]);
            return new ExecutedBlock(h, txs, List.of(), new WriteBatch());
        }

        @Override public ExecutedBlock genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("ok"); }
    }

    /** A sealed chain made once, replayed into as many stores as a test needs. */
    static final class Chain {
        final Genesis genesis;
        final Block block0;
        final List<CryptoSuite.KeyPair> sealers;
        final List<ExecutedBlock> executed = new ArrayList<>();
        final List<List<byte[]>> seals = new ArrayList<>();
        final List<Block> blocks = new ArrayList<>();

        /** {@code sealerCount} sealers; each block is sealed by a quorum of them. */
        Chain(long chainId, int sealerCount, int length) {
            sealers = new ArrayList<>();
            List<String> sealerIds = new ArrayList<>();
            for (int i = 0; i < sealerCount; i++) {
                sealers.add(key(i + 1));
                sealerIds.add(Bytes.toHex(sealers.get(i).publicKey()));
            }
            genesis = new Genesis(chainId, SUITE.name(), "account", 1000, sealerIds, new TreeMap<>());
            block0 = new Block(new BlockHeader(1, chainId, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0,
                    new byte[0], genesis.encode()), List.of(), List.of());
            blocks.add(block0);
            BlockHeader parent = block0.header();
            for (int n = 1; n <= length; n++) {
                List<VerifiedTransaction> txs = new ArrayList<>();
                for (int t = 0; t < n % 4; t++) {
                    txs.add(transaction(chainId, 100 + t, n));
                }
                ExecutedBlock e = Exec.build(parent, 1000 + n * 10L, sealers.get(n % sealerCount).publicKey(), txs);
                List<byte[]> s = seal(e.header(), Seals.quorum(sealerCount));
                executed.add(e);
                seals.add(s);
                blocks.add(e.seal(s));
                parent = e.header();
            }
        }

        List<byte[]> seal(BlockHeader header, int count) {
            byte[] hash = SUITE.hash(header.encode());
            List<byte[]> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                out.add(Seals.of(sealers.get(i).publicKey(), SUITE.sign(hash, sealers.get(i).privateKey())));
            }
            return out;
        }

        int length() {
            return executed.size();
        }

        Hash hash(long n) {
            return SUITE.digest(blocks.get((int) n).header().encode());
        }

        /** A store holding blocks 0..height of this chain. */
        Store store(int height) {
            Store s = new Store(genesis, block0);
            for (int n = 0; n < height; n++) {
                s.commit(executed.get(n), seals.get(n));
            }
            return s;
        }
    }

    static VerifiedTransaction transaction(long chainId, int sender, long nonce) {
        CryptoSuite.KeyPair k = key(sender);
        byte[] payload = Transaction.signingPayload(chainId, nonce, k.publicKey(), Address.of(new byte[20]),
                BigInteger.valueOf(nonce), new byte[0]);
        Hash hash = SUITE.digest(payload);
        Transaction tx = new Transaction(chainId, nonce, Address.of(new byte[20]), BigInteger.valueOf(nonce), new byte[0],
                k.publicKey(), SUITE.sign(hash.toByteArray(), k.privateKey()));
        return LegacyTransfers.verified(tx, hash, SUITE.address(k.publicKey()));
    }

    /**
     * An in-memory network: every joined node sees every other as a connected peer; messages are delivered
     * after a fixed latency by one thread, so in order per sender and receiver, and never on the sender's thread.
     */
    static final class Hub implements AutoCloseable {
        private final ScheduledExecutorService delivery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        });
        private final Map<String, MessageHandler> handlers = new ConcurrentHashMap<>();
        private final long latencyMs;
        /** Per requester, the peers holding one of its GET_BLOCKS unanswered. */
        private final Map<String, Set<String>> outstanding = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> maxOutstanding = new ConcurrentHashMap<>();
        /** "from>to:type" -> messages sent. */
        private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        Hub(long latencyMs) {
            this.latencyMs = latencyMs;
        }

        MemoryNet join(String id, MessageHandler handler, int maxPayload) {
            handlers.put(id, handler);
            return new MemoryNet(id, maxPayload, handlers.keySet(), this::deliver);
        }

        void leave(String id) {
            handlers.remove(id);
        }

        int count(String from, String to, int type) {
            AtomicInteger c = counts.get(from + ">" + to + ":" + type);
            return c == null ? 0 : c.get();
        }

        int maxOutstanding(String requester) {
            AtomicInteger m = maxOutstanding.get(requester);
            return m == null ? 0 : m.get();
        }

        private boolean deliver(String from, String to, String topic, byte[] payload) {
            MessageHandler h = handlers.get(to);
            if (h == null) {
                return false;
            }
            int type = payload.length > 1 ? payload[1] : -1;
            counts.computeIfAbsent(from + ">" + to + ":" + type, k -> new AtomicInteger()).incrementAndGet();
            if (type == SyncMessage.GET_BLOCKS) {
                Set<String> open = outstanding.computeIfAbsent(from, k -> ConcurrentHashMap.newKeySet());
                synchronized (open) {
                    open.add(to);
                    maxOutstanding.computeIfAbsent(from, k -> new AtomicInteger()).accumulateAndGet(open.size(), Math::max);
                }
            }
            delivery.schedule(() -> {
                if (type == SyncMessage.BLOCKS) {
                    Set<String> open = outstanding.get(to);
                    if (open != null) {
                        synchronized (open) {
                            open.remove(from);
                        }
                    }
                }
                MessageHandler target = handlers.get(to);
                if (target != null) {
                    target.onMessage(from, topic, payload.clone());
                }
            }, latencyMs, TimeUnit.MILLISECONDS);
            return true;
        }

        @Override
        public void close() {
            delivery.shutdownNow();
        }
    }

    static BlockSyncEngine.Config config(long statusMs, int batch, int parallel, long timeoutMs) {
        return new BlockSyncEngine.Config() {
            @Override public Class<? extends Annotation> annotationType() { return BlockSyncEngine.Config.class; }
            @Override public long statusIntervalMs() { return statusMs; }
            @Override public int batchBlocks() { return batch; }
            @Override public int maxParallelPeers() { return parallel; }
            @Override public long requestTimeoutMs() { return timeoutMs; }
            @Override public int maxBlockBytes() { return 1 << 20; }
        };
    }

    /** A node: a store, an executor and a sync engine wired to one another and to a network; not activated. */
    static final class Node implements AutoCloseable {
        final String id;
        final Store store;
        final Exec exec;
        final BlockSyncEngine sync;
        final Network net;
        final TestReputation reputation;
        final RecordingMetrics metrics = new RecordingMetrics();

        Node(String id, Store store, BlockSyncEngine.Config config, NodeThreads threads, NodeClock clock,
                Function<MessageHandler, Network> join) {
            this.id = id;
            this.store = store;
            this.exec = new Exec(store);
            this.reputation = new TestReputation(clock, 60_000);
            this.sync = new BlockSyncEngine(config, metrics, threads, reputation, clock);
            sync.suite = SUITE;
            sync.executor = exec;
            sync.blockStore = store;
            store.listeners.add(sync);
            this.net = join.apply(sync);
            sync.network = net;
        }

        long height() {
            return store.height();
        }

        SyncStatus status() {
            return sync.status();
        }

        @Override
        public void close() {
            sync.deactivate();
        }
    }

    static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, java.time.Duration.ofMillis(timeoutMs), condition);
    }
}
