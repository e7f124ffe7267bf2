package io.cairn.consensus.pbft.internal;

import io.cairn.api.testing.LegacyTransfers;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.consensus.Sealing;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.TxPool;
import io.cairn.api.pipeline.PipelineGate;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.NodeRecords;
import io.cairn.api.testing.CallerThreads;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.MemoryRecords;
import io.cairn.api.testing.RecordingMetrics;
import io.cairn.api.testing.StepClock;
import io.cairn.api.testing.TestGate;
import io.cairn.api.testing.TestReputation;
import io.cairn.consensus.pbft.internal.Fakes.Key;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A chain of PBFT engines for tests, in the manner of Besu's qbft TestContext: N {@link PbftEngine}s, each with
 * fakes of the other components, over an in-memory network that QUEUES what is sent, on one {@link StepClock}.
 * Nothing happens unless the test says so: {@link #deliverOne()} hands the oldest queued message to its receiver,
 * {@link #tick()} gives every engine a tick, {@link #deliverAll()} does both until the network is quiet, and
 * {@link #runFor}/{@link #runUntil} step the clock 5 ms at a time (as the event loop ticks) with a
 * {@code deliverAll()} after each step. Filters lose ({@link #lose}) or hold back ({@link #hold}, {@link #release})
 * messages, {@link #deliverFirst} reorders. No threads, no sleeps: the same test gives the same messages every run.
 */
final class TestChain {
    static final long CHAIN = Fakes.CHAIN;
    /** The step of {@link #runFor} and {@link #runUntil}: the event loop's tick. */
    static final long STEP_MS = 5;
    private static final int MOST_DELIVERIES = 200_000;

    /** A message as the network carried it; {@code message} is null for bytes that are no PBFT message. */
    record Envelope(String from, String to, byte[] payload, PbftMessage message) {
        boolean is(MessageKind kind) {
            return message != null && message.kind() == kind;
        }
    }

    final StepClock clock = new StepClock();
    final KeyedSuite suite = new KeyedSuite();
    final List<Key> sealers = new ArrayList<>();
    final Genesis genesis;
    final Settings settings;
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    /** Everything handed to the network, in order, lost or not. */
    final List<Envelope> sent = new ArrayList<>();
    /** Messages matching this are lost on the way (the sender is told they left). */
    Predicate<Envelope> lose = e -> false;
    /** Messages matching this wait until {@link #release()}. */
    Predicate<Envelope> hold = e -> false;
    /** How long the peer reputation of each node bans a reported peer. */
    long banMs = 60_000;
    private final ArrayDeque<Envelope> queue = new ArrayDeque<>();
    private final List<Envelope> held = new ArrayList<>();
    private final Key account;
    private long nonce;

    TestChain(int sealerCount, Settings settings) {
        for (int i = 0; i < sealerCount; i++) {
            sealers.add(new Key(suite, "sealer-" + i));
        }
        genesis = new Genesis(CHAIN, suite.name(), "account", 1000, sealers.stream().map(k -> k.hex).toList(), new TreeMap<>());
        this.settings = settings;
        account = new Key(suite, "account");
    }

    static Settings settings(int blockTxs, long intervalMs, long viewTimeoutMs) {
        return new Settings(blockTxs, intervalMs, viewTimeoutMs, false);
    }

    /** A node per sealer; those listed in {@code scripted} get an endpoint but no engine (the test speaks for them). */
    TestChain start(int... scripted) {
        for (int i = 0; i < sealers.size(); i++) {
            Node n = new Node(sealers.get(i));
            nodes.add(n);
            final int index = i;
            if (java.util.Arrays.stream(scripted).noneMatch(s -> s == index)) {
                n.start();
            }
        }
        return this;
    }

    Node node(int i) {
        return nodes.get(i);
    }

    Node observer(String seed) {
        Node n = new Node(new Key(suite, seed)).start();
        nodes.add(n);
        return n;
    }

    /** An endpoint with no engine, under a key of its own (a rogue, or a peer the test speaks for). */
    Endpoint endpoint(Key key) {
        return endpoints.computeIfAbsent(key.hex, Endpoint::new);
    }

    Key key(String seed) {
        return new Key(suite, seed);
    }

    // ---- the network

    /** Hands the oldest queued message to its receiver; null when none is queued. */
    Envelope deliverOne() {
        return deliverFirst(e -> true);
    }

    /** Hands the oldest queued message matching {@code which} to its receiver, ahead of the others. */
    Envelope deliverFirst(Predicate<Envelope> which) {
        for (var it = queue.iterator(); it.hasNext();) {
            Envelope e = it.next();
            if (which.test(e)) {
                it.remove();
                Endpoint to = endpoints.get(e.to());
                if (to.up) {
                    to.received.add(e);
                    if (to.engine != null) {
                        to.engine.onMessage(e.from(), e.payload());
                    }
                }
                return e;
            }
        }
        return null;
    }

    /** Every running engine gets a tick at the clock's time. */
    void tick() {
        for (Node n : nodes) {
            if (n.engine != null) {
                n.engine.onTick();
            }
        }
    }

    /** Delivers what is queued and ticks, until a tick leaves nothing queued; returns how many were delivered. */
    int deliverAll() {
        int n = 0;
        while (true) {
            while (deliverOne() != null) {
                if (++n > MOST_DELIVERIES) {
                    throw new AssertionError("the network never went quiet: " + n + " messages delivered");
                }
            }
            tick();
            if (queue.isEmpty()) {
                return n;
            }
        }
    }

    /** Moves the clock by {@code ms} in steps, delivering everything after each. */
    void runFor(long ms) {
        for (long t = 0; t < ms; t += STEP_MS) {
            clock.advanceMillis(STEP_MS);
            deliverAll();
        }
    }

    /** Delivers, then steps the clock until the condition holds; fails after {@code maxMs} of the clock's time. */
    long runUntil(BooleanSupplier condition, long maxMs, String what) {
        deliverAll();
        long waited = 0;
        while (!condition.getAsBoolean()) {
            if (waited >= maxMs) {
                throw new AssertionError("not after " + maxMs + " ms (clock time): " + what);
            }
            clock.advanceMillis(STEP_MS);
            waited += STEP_MS;
            deliverAll();
        }
        return waited;
    }

    /** Queues the held messages again, in the order they were sent. */
    void release() {
        queue.addAll(held);
        held.clear();
    }

    List<Envelope> queued() {
        return List.copyOf(queue);
    }

    long count(Predicate<Envelope> which) {
        return sent.stream().filter(which).count();
    }

    /** Messages of {@code kind} that {@code from} sent (one per receiver). */
    long sentBy(Node from, MessageKind kind) {
        return count(e -> e.from().equals(from.key.hex) && e.is(kind));
    }

    /** PREPAREs for {@code hash} that {@code from} sent. */
    long prepares(Node from, Hash hash) {
        return count(e -> e.from().equals(from.key.hex) && e.is(MessageKind.PREPARE) && e.message().blockHash().equals(hash));
    }

    /** The in-memory network as one node sees it. */
    final class Endpoint implements Network {
        final String id;
        boolean up = true;
        /** No connection to any peer (as while a network engine is being swapped): sends are refused. */
        boolean isolated;
        int maxPayload = 16 << 20;
        PbftEngine engine;
        final List<Envelope> received = new ArrayList<>();
        /** What this endpoint could not hand to a peer because it was isolated. */
        final List<PbftMessage> refused = new ArrayList<>();

        Endpoint(String id) {
            this.id = id;
        }

        @Override public String self() { return id; }
        @Override public int maxPayload() { return maxPayload; }
        @Override public Health health() { return Health.ready("fake"); }

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

        @Override
        public boolean send(String peerId, String topic, byte[] payload) {
            Endpoint to = endpoints.get(peerId);
            if (!up || to == null || !to.up) {
                return false;
            }
            PbftMessage m;
            try {
                m = PbftMessage.decode(payload);
            } catch (RuntimeException notPbft) {
                m = null;
            }
            if (isolated || to.isolated) {
                if (m != null) {
                    refused.add(m);
                }
                return false;
            }
            Envelope e = new Envelope(id, peerId, payload, m);
            sent.add(e);
            if (lose.test(e)) {
                return true; // lost on the way
            }
            (hold.test(e) ? held : queue).add(e);
            return true;
        }

        @Override
        public int broadcast(String topic, byte[] payload) {
            int n = 0;
            for (String peer : List.copyOf(endpoints.keySet())) {
                if (!peer.equals(id) && send(peer, topic, payload)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** One node: its own block store, pool, records, reputation and engine; it is the engine's {@link Ports}. */
    final class Node implements Ports {
        final Key key;
        final Fakes.Pool pool = new Fakes.Pool();
        final Fakes.Store store;
        final Fakes.Exec exec;
        final Endpoint net;
        final TestReputation reputation = new TestReputation(clock, banMs);
        final RecordingMetrics metrics = new RecordingMetrics();
        final CallerThreads threads = new CallerThreads(4);
        MemoryRecords records = new MemoryRecords();
        TestGate gate;
        PbftEngine engine;

        Node(Key key) {
            this.key = key;
            this.store = new Fakes.Store(suite, genesis, pool);
            this.exec = new Fakes.Exec(suite);
            this.net = endpoint(key);
        }

        /** Starts an engine (again: a restart or an engine swap keeps the node's records). */
        Node start() {
            engine = new PbftEngine(this, settings);
            net.engine = engine;
            net.up = true;
            return this;
        }

        void stop() {
            if (engine != null) {
                engine.close();
            }
            engine = null;
            net.engine = null;
            net.up = false;
        }

        void useGate(TestGate g) {
            gate = g;
            store.gate = g;
        }

        long height() { return store.height(); }
        ConsensusStatus status() { return engine.status(); }
        ConsensusStatus.Bft bft() { return engine.status().bft(); }
        Hash hash(long n) { return store.hash(n).orElseThrow(); }
        BlockHeader header(long n) { return store.header(n).orElseThrow(); }

        @Override public BlockStore blockStore() { return store; }
        @Override public Executor executor() { return exec; }
        @Override public TxPool txPool() { return pool; }
        @Override public NodeIdentity identity() { return key; }
        @Override public Network network() { return net; }
        @Override public PipelineGate gate() { return gate; }
        @Override public List<CryptoSuite> suites() { return List.of(suite); }
        @Override public NodeRecords records() { return records; }
        @Override public PeerReputation reputation() { return reputation; }
        @Override public NodeThreads threads() { return threads; }
        @Override public Metrics metrics() { return metrics; }
        @Override public NodeClock clock() { return clock; }
    }

    // ---- transactions and blocks

    /** Transfers signed by one account, with consecutive nonces. */
    List<VerifiedTransaction> txs(int count) {
        List<VerifiedTransaction> out = new ArrayList<>();
        Address to = Address.of(new byte[20]);
        for (int i = 0; i < count; i++) {
            long n = nonce++;
            byte[] payload = Transaction.signingPayload(CHAIN, n, account.publicKey, to, BigInteger.ONE, new byte[0]);
            byte[] hash = suite.hash(payload);
            Transaction tx = new Transaction(CHAIN, n, to, BigInteger.ONE, new byte[0], account.publicKey, account.sign(hash));
            out.add(LegacyTransfers.verified(tx, Hash.of(hash), account.address()));
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

    /** A block as {@code sealer} would build it on {@code parent}. */
    ExecutedBlock block(Node sealer, BlockHeader parent, long timestamp, List<VerifiedTransaction> txs) {
        return sealer.exec.execute(parent, timestamp, sealer.key.publicKey, txs);
    }

    Hash hash(ExecutedBlock b) {
        return Sealing.hash(suite, b.header());
    }

    /** A proposal body as the leader sends it: the Block encoding with no seals. */
    static byte[] proposal(ExecutedBlock b) {
        return Block.encode(b.header(), b.transactions().stream().map(VerifiedTransaction::encoded).toList(), List.of());
    }

    PbftMessage signed(Key key, MessageKind kind, long h, long v, Hash hash, byte[] body) {
        return PbftMessage.sign(key, kind, CHAIN, h, v, hash, body);
    }

    /** Sends {@code m} from {@code from}'s endpoint to {@code to}. */
    void send(Key from, Node to, PbftMessage m) {
        endpoint(from).send(to.key.hex, PbftEngine.TOPIC, m.encode());
    }

    void sendRaw(Key from, Node to, byte[] payload) {
        endpoint(from).send(to.key.hex, PbftEngine.TOPIC, payload);
    }
}
