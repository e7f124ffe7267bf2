package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.TxPool;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.lang.annotation.Annotation;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Four (or more) PBFT engines in one JVM over an in-memory network, with plain fakes of the other components. */
final class Cluster implements AutoCloseable {
    static final long CHAIN = 9;

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return d.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * SHA-256 hashing; signatures only the holder of a private key can make: the suite knows each public
     * key's private key (as a real suite knows the curve), so a message signed with the wrong key fails.
     */
    static final class KeySuite implements CryptoSuite {
        private final Map<String, byte[]> privateKeys = new ConcurrentHashMap<>();
        /** Names of the threads that checked signatures. */
        final java.util.Set<String> verifyingThreads = ConcurrentHashMap.newKeySet();

        @Override public String name() { return "test-keyed-sha256"; }
        @Override public byte[] hash(byte[] data) { return sha256(data); }

        @Override
        public byte[] sign(byte[] hash32, byte[] privateKey) {
            byte[] sig = new byte[64];
            System.arraycopy(sha256(hash32, privateKey), 0, sig, 0, 32);
            System.arraycopy(sha256(privateKey, hash32), 0, sig, 32, 32);
            return sig;
        }

        @Override
        public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
            verifyingThreads.add(Thread.currentThread().getName());
            byte[] priv = privateKeys.get(Bytes.toHex(publicKey));
            return priv != null && hash32.length == 32 && Arrays.equals(signature, sign(hash32, priv));
        }

        @Override public KeyPair generateKeyPair() { throw new UnsupportedOperationException(); }

        @Override
        public byte[] publicKey(byte[] privateKey) {
            byte[] pub = new byte[64];
            System.arraycopy(sha256(privateKey), 0, pub, 0, 32);
            System.arraycopy(sha256(privateKey, new byte[] {1}), 0, pub, 32, 32);
            privateKeys.put(Bytes.toHex(pub), privateKey.clone());
            return pub;
        }
    }

    static final class Identity implements NodeIdentity {
        final KeySuite suite;
        final byte[] privateKey;
        final byte[] publicKey;
        final java.util.concurrent.atomic.AtomicInteger signatures = new java.util.concurrent.atomic.AtomicInteger();

        Identity(KeySuite suite, String seed) {
            this.suite = suite;
            this.privateKey = sha256(seed.getBytes());
            this.publicKey = suite.publicKey(privateKey);
        }

        String hex() { return Bytes.toHex(publicKey); }
        @Override public byte[] publicKey() { return publicKey.clone(); }
        @Override public Address address() { return suite.address(publicKey); }
        @Override public byte[] sign(byte[] hash32) { signatures.incrementAndGet(); return suite.sign(hash32, privateKey); }
        @Override public CryptoSuite suite() { return suite; }
    }

    /** Pending transactions in arrival order; the store's commits remove them. */
    static final class Pool implements TxPool {
        final Map<Hash, VerifiedTransaction> txs = new LinkedHashMap<>();

        synchronized void add(List<VerifiedTransaction> more) { more.forEach(t -> txs.put(t.hash(), t)); }
        synchronized void removeAll(List<VerifiedTransaction> done) { done.forEach(t -> txs.remove(t.hash())); }
        @Override public synchronized List<VerifiedTransaction> pending(int max) { return txs.values().stream().limit(max).toList(); }
        @Override public synchronized int size() { return txs.size(); }
        @Override public synchronized Optional<VerifiedTransaction> get(Hash h) { return Optional.ofNullable(txs.get(h)); }
        @Override public VerifiedTransaction submit(byte[] encoded) { throw new UnsupportedOperationException(); }
        @Override public int capacity() { return Integer.MAX_VALUE; }
        @Override public long nextNonce(Address sender) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** A deterministic executor: roots are digests of the parent and the transaction hashes. */
    static final class Exec implements Executor {
        final KeySuite suite;

        Exec(KeySuite suite) { this.suite = suite; }

        @Override
        public ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
            Encoder e = new Encoder();
            for (VerifiedTransaction t : txs) {
                e.fixed(t.hash().toByteArray());
            }
            Hash txRoot = Hash.of(sha256(e.toByteArray()));
            Hash state = Hash.of(sha256(parent.stateRoot().toByteArray(), txRoot.toByteArray()));
            BlockHeader h = new BlockHeader(1, CHAIN, parent.number() + 1, Hash.of(suite.hash(parent.encode())), timestamp,
                    txRoot, Hash.ZERO, state, txs.size(), sealer, new byte[0]);
            return new ExecutedBlock(h, txs, List.of(), new WriteBatch());
        }

        @Override public ExecutedBlock genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** Blocks in memory; a commit must extend the head, as the real block store insists. */
    static final class Store implements BlockStore {
        final KeySuite suite;
        final Genesis genesis;
        final Pool pool;
        final List<Block> blocks = new CopyOnWriteArrayList<>();
        final List<Hash> hashes = new CopyOnWriteArrayList<>();

        Store(KeySuite suite, Genesis genesis, Pool pool) {
            this.suite = suite;
            this.genesis = genesis;
            this.pool = pool;
            BlockHeader h = new BlockHeader(1, CHAIN, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0, new byte[0],
                    genesis.encode());
            blocks.add(new Block(h, List.of(), List.of()));
            hashes.add(Hash.of(suite.hash(h.encode())));
        }

        @Override public long height() { return blocks.size() - 1; }
        @Override public Optional<BlockHeader> header(long n) { return block(n).map(Block::header); }
        @Override public Optional<Hash> hash(long n) { return n >= 0 && n < hashes.size() ? Optional.of(hashes.get((int) n)) : Optional.empty(); }
        @Override public Optional<Block> block(long n) { return n >= 0 && n < blocks.size() ? Optional.of(blocks.get((int) n)) : Optional.empty(); }
        @Override public Optional<Genesis> genesis() { return Optional.of(genesis); }

        @Override
        public synchronized Block commit(ExecutedBlock block, List<byte[]> seals) {
            BlockHeader h = block.header();
            if (h.number() != height() + 1 || !h.parentHash().equals(hashes.get(hashes.size() - 1))) {
                throw new IllegalStateException("block " + h.number() + " does not extend head " + height());
            }
            Block b = block.seal(seals);
            // height() reads blocks: publish the hash first, so a reader that sees the height finds the hash
            hashes.add(Hash.of(suite.hash(h.encode())));
            blocks.add(b);
            pool.removeAll(block.transactions());
            return b;
        }

        @Override public Optional<Block> block(Hash hash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Long> number(Hash blockHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Located> transaction(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Receipt> receipt(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public long totalTransactionCount() { return 0; }
        @Override public StateSnapshot state() { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    static final class MemoryStorage implements Storage {
        final Map<String, byte[]> data = new HashMap<>();
        final AtomicLong writes = new AtomicLong();

        @Override public synchronized byte[] get(byte[] key) { return data.get(Bytes.toHex(key)); }

        @Override
        public synchronized void write(WriteBatch batch) {
            for (WriteBatch.Op op : batch.ops()) {
                if (op.isDelete()) {
                    data.remove(Bytes.toHex(op.key()));
                } else {
                    data.put(Bytes.toHex(op.key()), op.value().clone());
                }
            }
            writes.incrementAndGet();
        }

        @Override public ReadView view() { throw new UnsupportedOperationException(); }
        @Override public String engine() { return "test-memory"; }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** A message as the in-memory network carried it. */
    record Sent(String from, String to, PbftMessage message) {}

    /** The in-memory network: per-receiver delivery threads keep each peer's messages in order. */
    final class Endpoint implements Network {
        final String id;
        volatile MessageHandler handler;
        volatile boolean up = true;
        /** No connection to any peer (as while a network engine is being swapped): sends are refused. */
        volatile boolean isolated;
        /** Messages this endpoint could not hand to a peer because it was isolated. */
        final List<PbftMessage> refused = new CopyOnWriteArrayList<>();
        final ExecutorService delivery;
        final AtomicLong delivered = new AtomicLong();
        /** The peers the engine asked this endpoint to disconnect: {peer id, reason}. */
        final List<String[]> disconnects = new CopyOnWriteArrayList<>();

        Endpoint(String id) {
            this.id = id;
            this.delivery = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "test-net-" + id.substring(0, 8));
                t.setDaemon(true);
                return t;
            });
        }

        @Override public String self() { return id; }
        @Override
        public List<Peer> peers() {
            List<Peer> out = new ArrayList<>();
            for (Endpoint e : endpoints.values()) {
                if (e != this) {
                    out.add(new Peer(e.id, "memory", up && e.up && !isolated && !e.isolated, true, 0, 0, 0, 0));
                }
            }
            return out;
        }
        @Override public int maxPayload() { return 16 << 20; }
        @Override public Health health() { return Health.ready("fake"); }
        @Override public void disconnect(String peerId, String reason) { disconnects.add(new String[] {peerId, reason}); }

        /** The reasons given for disconnecting one peer. */
        List<String> disconnectReasons(String peerId) {
            return disconnects.stream().filter(d -> d[0].equals(peerId)).map(d -> d[1]).toList();
        }

        @Override
        public boolean send(String peerId, String topic, byte[] payload) {
            Endpoint to = endpoints.get(peerId);
            if (!up || to == null || !to.up) {
                return false;
            }
            if (isolated || to.isolated) {
                try {
                    refused.add(PbftMessage.decode(payload));
                } catch (RuntimeException e) {
                    // not a consensus message
                }
                return false;
            }
            PbftMessage m;
            try {
                m = PbftMessage.decode(payload);
            } catch (RuntimeException e) {
                m = null;
            }
            Sent s = new Sent(id, peerId, m);
            if (m != null) {
                log.add(s);
                Predicate<Sent> f = filter;
                if (f != null && !f.test(s)) {
                    return true; // lost on the way
                }
            }
            to.delivery.execute(() -> {
                MessageHandler h = to.handler;
                if (to.up && h != null) {
                    h.onMessage(id, topic, payload);
                }
                to.delivered.incrementAndGet();
            });
            return true;
        }

        @Override
        public int broadcast(String topic, byte[] payload) {
            int n = 0;
            for (String peer : endpoints.keySet()) {
                if (!peer.equals(id) && send(peer, topic, payload)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** One node: its own block store, pool, storage and engine. */
    final class Node {
        final Identity id;
        final Pool pool = new Pool();
        final Store store;
        final Exec exec;
        final Endpoint net;
        MemoryStorage storage = new MemoryStorage();
        PbftConsensus engine;

        Node(Identity id) {
            this.id = id;
            this.store = new Store(suite, genesis, pool);
            this.exec = new Exec(suite);
            this.net = new Endpoint(id.hex());
            endpoints.put(id.hex(), net);
        }

        Node start() {
            engine = new PbftConsensus(config);
            engine.bindTxPool(pool);
            engine.bindExecutor(exec);
            engine.bindBlockStore(store);
            engine.bindIdentity(id);
            engine.bindStorage(storage);
            engine.bindSuite(suite);
            engine.bindNetwork(net);
            net.handler = engine;
            net.up = true;
            return this;
        }

        void stop() {
            net.up = false;
            net.handler = null;
            if (engine != null) {
                engine.deactivate();
                engine = null;
            }
        }

        long height() { return store.height(); }
        Map<String, Object> status() { return engine.status(); }
        long stat(String key) { return ((Number) engine.status().get(key)).longValue(); }
    }

    final KeySuite suite = new KeySuite();
    final List<Identity> sealerIds = new ArrayList<>();
    final Genesis genesis;
    final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    final List<Sent> log = new CopyOnWriteArrayList<>();
    volatile Predicate<Sent> filter;
    final PbftConsensus.Config config;
    final List<Node> nodes = new ArrayList<>();
    private final Identity txSender;
    private long nonce;

    Cluster(int sealers, PbftConsensus.Config config) {
        for (int i = 0; i < sealers; i++) {
            sealerIds.add(new Identity(suite, "sealer-" + i));
        }
        genesis = new Genesis(CHAIN, suite.name(), "account", 1000, sealerIds.stream().map(Identity::hex).toList(),
                new TreeMap<>());
        this.config = config;
        txSender = new Identity(suite, "account");
    }

    /** Nodes for every sealer; the ones listed in {@code scripted} get an endpoint but no engine. */
    Cluster start(int... scripted) {
        for (int i = 0; i < sealerIds.size(); i++) {
            Node n = new Node(sealerIds.get(i));
            nodes.add(n);
            final int index = i;
            if (Arrays.stream(scripted).noneMatch(s -> s == index)) {
                n.start();
            }
        }
        return this;
    }

    Node node(int i) {
        return nodes.get(i);
    }

    /** An endpoint for a node with no engine (a rogue, or a sealer scripted by the test), under a new key. */
    Endpoint endpoint(Identity id) {
        Endpoint e = new Endpoint(id.hex());
        endpoints.put(id.hex(), e);
        return e;
    }

    Node observer(String seed) {
        Node n = new Node(new Identity(suite, seed)).start();
        nodes.add(n);
        return n;
    }

    List<VerifiedTransaction> txs(int count) {
        List<VerifiedTransaction> out = new ArrayList<>();
        Address to = Address.of(new byte[20]);
        for (int i = 0; i < count; i++) {
            long n = nonce++;
            byte[] payload = Transaction.signingPayload(CHAIN, n, txSender.publicKey, to, BigInteger.ONE, new byte[0]);
            byte[] hash = suite.hash(payload);
            Transaction tx = new Transaction(CHAIN, n, to, BigInteger.ONE, new byte[0], txSender.publicKey,
                    txSender.sign(hash));
            out.add(new VerifiedTransaction(tx, Hash.of(hash), txSender.address(), tx.encode()));
        }
        return out;
    }

    /** Transactions in every running node's pool, as gossip would leave them. */
    List<VerifiedTransaction> submitToAll(int count) {
        List<VerifiedTransaction> t = txs(count);
        for (Node n : nodes) {
            if (n.engine != null) {
                n.pool.add(t);
            }
        }
        return t;
    }

    static PbftConsensus.Config config(int blockTxs, long intervalMs, long viewTimeoutMs) {
        return config(blockTxs, intervalMs, viewTimeoutMs, 60_000);
    }

    static PbftConsensus.Config config(int blockTxs, long intervalMs, long viewTimeoutMs, long penaltyMs) {
        return new PbftConsensus.Config() {
            @Override public Class<? extends Annotation> annotationType() { return PbftConsensus.Config.class; }
            @Override public int blockTxs() { return blockTxs; }
            @Override public long intervalMs() { return intervalMs; }
            @Override public long viewTimeoutMs() { return viewTimeoutMs; }
            @Override public boolean emptyBlocks() { return false; }
            @Override public long penaltyMs() { return penaltyMs; }
        };
    }

    static void await(BooleanSupplier condition, long seconds, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Waits until every delivery queued so far has run and the engine has taken a few more turns. */
    void settle(Node n) {
        for (Endpoint e : endpoints.values()) {
            try {
                e.delivery.submit(() -> {}).get(10, TimeUnit.SECONDS);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }
        long r = n.engine.rounds();
        await(() -> n.engine.rounds() > r + 3, 10, "engine turns");
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.stop();
        }
        for (Endpoint e : endpoints.values()) {
            e.delivery.shutdownNow();
        }
    }
}
