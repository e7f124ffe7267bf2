package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.MALFORMED;
import static io.cairn.api.node.TxRejectedException.Reason.NOT_READY;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.PoolStatus;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeClock;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.NodeRecords;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The txpool component: wiring and lifecycle. A submission is checked by {@link TxValidator} (decoding, chain
 * id, duplicates, then the signature: the expensive part, outside any lock, so RPC threads verify in parallel)
 * and judged by {@link PendingTransactions} (the keys the ledger model says it consumes and produces, then the
 * model's admission rules),
 * after {@link Admission} control for clients. Each transaction's signature is verified exactly once here and
 * never again downstream ({@link VerifiedTransaction}). One loop thread, started on activate, sends
 * {@link TransactionGossip} batches and takes back the {@link HandOver} of the previous instance.
 *
 * <p>The pool knows no ledger model. It also holds transactions whose keys are up to {@code maxNonceGap} ahead
 * in the model's measure (an account's nonces beyond its next one: clients that pipeline over
 * several connections deliver out of order); they become executable when the gap is filled.
 */
@Designate(ocd = TransactionPool.Config.class, factory = false)
@Component(service = {TxPool.class, BlockListener.class, MessageHandler.class}, configurationPid = "io.cairn.txpool",
        immediate = true, property = {io.cairn.api.node.Component.COMPONENT + "=txpool",
                io.cairn.api.node.Component.ENGINE + "=pool",
                io.cairn.api.node.Component.UPGRADE + "=" + io.cairn.api.node.Component.STOP_FIRST,
                // its pending transactions go into storage on deactivate: a storage migration stops it for the copy
                io.cairn.api.node.Component.HANDS_OVER + ":Boolean=true",
                MessageHandler.TOPIC + "=" + TransactionGossip.TOPIC})
public final class TransactionPool implements TxPool, BlockListener, MessageHandler {

    @ObjectClassDefinition(name = "Cairn transaction pool", description = "Admission and ordering of pending transactions")
    public @interface Config {
        @AttributeDefinition(description = "Most transactions held, executable or waiting for what they consume")
        int capacity() default 200_000;

        @AttributeDefinition(description = "How far ahead a transaction may be held until what it waits for arrives, "
                + "in the ledger model's measure (account: nonces beyond the sender's next)")
        int maxNonceGap() default 1000;

        @AttributeDefinition(description = "Client submissions are refused with POOL_FULL (retry later) while the pool holds more "
                + "than this many milliseconds of work at the rate the chain recently committed; gossip still fills to capacity")
        long admitQueueMs() default 400;

        @AttributeDefinition(description = "... but clients are always admitted while fewer than this many transactions are pending")
        int admitFloor() default 1500;
    }

    /** Where an admitted transaction came from: the label of the admitted counter. */
    enum Source {
        CLIENT, GOSSIP, HANDOVER;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final System.Logger LOG = System.getLogger(TransactionPool.class.getName());
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STOP_MS = 5000;

    private volatile CryptoSuite suite;
    private volatile BlockStore blockStore;
    private volatile ChainRules model;
    /** Optional: with a network, admitted transactions are gossiped so that they reach the leader. */
    private volatile Network network;

    private final NodeThreads threads;
    private final NodeClock clock;
    private final TxValidator validator = new TxValidator();
    private final PendingTransactions pending;
    private final TransactionGossip gossip;
    private final HandOver handOver;
    private volatile int capacity;
    private volatile Admission admission;

    private final Map<Source, Metrics.Counter> admitted = new EnumMap<>(Source.class);
    private final Map<Reason, Metrics.Counter> rejected = new EnumMap<>(Reason.class);
    private final Metrics.Gauge pendingGauge;

    private volatile boolean running = true;
    private Thread loop;

    @Activate
    public TransactionPool(Config config, @Reference Metrics metrics, @Reference NodeThreads threads,
            @Reference NodeRecords records, @Reference PeerReputation reputation) {
        this(config, metrics, threads, records, reputation, NodeClock.SYSTEM);
    }

    TransactionPool(Config config, Metrics metrics, NodeThreads threads, NodeRecords records, PeerReputation reputation,
            NodeClock clock) {
        this.threads = threads;
        this.clock = clock;
        pending = new PendingTransactions(this::checkRoom, config.maxNonceGap());
        configure(config);
        gossip = new TransactionGossip(() -> network, new TransactionGossip.Admit() {
            @Override
            public void admit(byte[] encoded) throws TxRejectedException {
                TransactionPool.this.admit(encoded, Source.GOSSIP);
            }

            @Override
            public void prepare(List<byte[]> encoded) {
                TransactionPool.this.prepare(encoded, Source.GOSSIP);
            }
        }, threads, reputation);
        handOver = new HandOver(records, this::restore, this::ready);
        for (Source s : Source.values()) {
            admitted.put(s, metrics.counter("txpool_admitted", "Transactions admitted to the pool", "source", s.label()));
        }
        for (Reason r : Reason.values()) {
            rejected.put(r, metrics.counter("txpool_rejected", "Transactions the pool refused", "reason", r.name()));
        }
        pendingGauge = metrics.gauge("txpool_pending", "Transactions pending in the pool", pending::size);
    }

    @Activate
    void activate() {
        loop = threads.start("txpool", this::run);
    }

    @Modified
    void modified(Config config) {
        configure(config);
    }

    private void configure(Config config) {
        if (config.capacity() < 1) {
            throw new IllegalArgumentException("io.cairn.txpool: capacity must be at least 1, got " + config.capacity());
        }
        if (config.maxNonceGap() < 0) {
            throw new IllegalArgumentException("io.cairn.txpool: maxNonceGap must not be negative, got "
                    + config.maxNonceGap());
        }
        if (config.admitQueueMs() < 1) {
            throw new IllegalArgumentException("io.cairn.txpool: admitQueueMs must be at least 1, got " + config.admitQueueMs());
        }
        if (config.admitFloor() < 1) {
            throw new IllegalArgumentException("io.cairn.txpool: admitFloor must be at least 1, got " + config.admitFloor());
        }
        capacity = config.capacity();
        pending.holdLimit(config.maxNonceGap());
        admission = new Admission(config.admitQueueMs(), config.admitFloor());
    }

    // ---- references: dynamic and greedy, so that a swapped provider is picked up; pending work waits

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindSuite(CryptoSuite s) {
        suite = s;
        lookAgain();
    }

    /** Something admission needs arrived: the loop looks at once for a hand-over it can take back now. */
    private void lookAgain() {
        handOver.lookAgain();
        gossip.wake();
    }

    synchronized void unbindSuite(CryptoSuite s) {
        if (suite == s) {
            suite = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindBlockStore(BlockStore s) {
        blockStore = s;
        lookAgain();
    }

    synchronized void unbindBlockStore(BlockStore s) {
        if (blockStore == s) {
            blockStore = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindModel(ChainRules m) {
        model = m;
        lookAgain();
    }

    synchronized void unbindModel(ChainRules m) {
        if (model == m) {
            model = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindNetwork(Network n) {
        network = n;
    }

    synchronized void unbindNetwork(Network n) {
        if (network == n) {
            network = null;
        }
    }

    // ---- admission

    @Override
    public VerifiedTransaction submit(byte[] encoded) throws TxRejectedException {
        VerifiedTransaction vtx = admit(encoded, Source.CLIENT);
        gossip.offer(vtx.encoded());
        return vtx;
    }

    /**
     * The model starts its stateless checks of these together ({@link LedgerModel#prepare}): hashed and their signers
     * named, signatures unchecked (admission checks them). What does not decode is left to admission.
     */
    @Override
    public void prepare(List<byte[]> encoded) {
        prepare(encoded, Source.CLIENT);
    }

    /** As {@link #prepare(List)}: nothing when the pool would refuse them for want of room (no work for a refusal). */
    private void prepare(List<byte[]> encoded, Source source) {
        Admission a = admission;
        if (a == null || pending.size() >= (source == Source.CLIENT ? a.limit(capacity) : capacity)) {
            return;
        }
        CryptoSuite suite = this.suite;
        BlockStore store = this.blockStore;
        LedgerModel model = this.model;
        if (suite == null || store == null || model == null || encoded.isEmpty()) {
            return;
        }
        try {
            if (!model.prepares()) {
                return; // nothing to start: no decoding on the hot path of models that check everything on admission
            }
            TransactionVerifier verifier = validator.rules(store, suite);
            if (verifier == null) {
                return;
            }
            List<VerifiedTransaction> txs = new ArrayList<>(encoded.size());
            for (byte[] e : encoded) {
                try {
                    txs.add(verifier.committed(e));
                } catch (RuntimeException undecodable) {
                    // admission names what is wrong with it
                }
            }
            model.prepare(txs);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "txpool: preparing transactions failed; they are checked one by one", e);
        }
    }

    /** Transactions from other nodes: admitted here, never gossiped again; already known ones are skipped. */
    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        if (TransactionGossip.TOPIC.equals(topic) && payload != null && peerId != null) {
            gossip.onMessage(peerId, payload);
        }
    }

    /** Handed over by the previous instance: accepted there already, so admission control does not apply again. */
    private void restore(byte[] encoded) throws TxRejectedException {
        gossip.offer(admit(encoded, Source.HANDOVER).encoded());
    }

    VerifiedTransaction admit(byte[] encoded, Source source) throws TxRejectedException {
        try {
            VerifiedTransaction vtx = judge(encoded, source);
            admitted.get(source).inc();
            return vtx;
        } catch (TxRejectedException e) {
            rejected.get(e.reason()).inc();
            throw e;
        }
    }

    private VerifiedTransaction judge(byte[] encoded, Source source) throws TxRejectedException {
        int limit = source == Source.CLIENT ? admission.limit(capacity) : capacity;
        if (source == Source.CLIENT) {
            checkRoom(pending.size(), limit); // before any decoding or signature check: refusing must be cheap
        }
        if (encoded == null) {
            throw new TxRejectedException(MALFORMED, "transaction bytes are missing");
        }
        CryptoSuite suite = this.suite;
        BlockStore store = this.blockStore;
        LedgerModel model = this.model;
        if (suite == null || store == null || model == null) {
            throw new TxRejectedException(NOT_READY, "txpool not ready: " + missing(suite, store, model));
        }
        TransactionVerifier verifier = validator.verifier(store, suite);
        // The pool keeps the bytes it verified: a copy, so that a caller reusing its array changes nothing here.
        VerifiedTransaction vtx = TxValidator.validate(encoded.clone(), verifier, store, pending);
        pending.admit(vtx, store, model, limit);
        return vtx;
    }

    private void checkRoom(int pending, int limit) throws TxRejectedException {
        admission.checkRoom(pending, limit, capacity);
    }

    private static String missing(CryptoSuite suite, BlockStore store, LedgerModel model) {
        List<String> m = new ArrayList<>(3);
        if (suite == null) {
            m.add("crypto suite");
        }
        if (store == null) {
            m.add("block store");
        }
        if (model == null) {
            m.add("ledger model");
        }
        return "waiting for " + String.join(", ", m);
    }

    /** Whether admission can judge transactions now; the hand-over waits for it. */
    private boolean ready() {
        CryptoSuite s = suite;
        BlockStore b = blockStore;
        return s != null && model != null && b != null && b.height() >= 0 && validator.rules(b, s) != null;
    }

    // ---- what the sealer and clients read

    @Override
    public List<VerifiedTransaction> pending(int max) {
        return pending.pending(max);
    }

    @Override
    public Optional<VerifiedTransaction> get(Hash txHash) {
        return pending.get(txHash);
    }

    @Override
    public int size() {
        return pending.size();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public PoolStatus status() {
        Admission a = admission;
        return new PoolStatus(pending.size(), capacity, a.limit(capacity), a.rate());
    }

    @Override
    public Optional<VerifiedTransaction> producer(LedgerKey key) {
        return pending.producer(key);
    }

    @Override
    public Optional<VerifiedTransaction> consumer(LedgerKey key) {
        return pending.consumer(key);
    }

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes,
            io.cairn.api.storage.WriteBatch stateWrites) {
        // the cache first: admissions judged at the new head read it once the pool has moved there
        pending.stateCommitted(blockStore, block.number(), stateWrites);
        blockCommitted(block, blockHash, txHashes);
    }

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes) {
        admission.committed(txHashes.size(), clock.nanoTime());
        BlockStore store = blockStore;
        CryptoSuite s = suite;
        pending.committed(block, txHashes, store == null || s == null ? null : validator.rules(store, s), store, model);
        lookAgain(); // a pool that ran beside this one may have handed over meanwhile
    }

    @Override
    public Health health() {
        CryptoSuite s = suite;
        BlockStore b = blockStore;
        LedgerModel m = model;
        if (s == null || b == null || m == null) {
            return Health.notReady(missing(s, b, m) + "; " + pending.size() + " transactions kept pending");
        }
        if (validator.rules(b, s) == null) {
            return Health.notReady(TxValidator.unready(b, s));
        }
        return Health.ready(pending.size() + " of " + capacity + " transactions pending; clients admitted below "
                + admission.limit(capacity));
    }

    // ---- the loop: gossip out, hand-over in

    private void run() {
        while (running) {
            try {
                step(IDLE_NANOS);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "txpool: a step of the gossip and hand-over loop failed", e);
            }
        }
    }

    /**
     * One round of the loop: takes back a batch of handed-over transactions, then sends a gossip batch (waiting
     * up to {@code idleNanos} for one when there is nothing to take back). Returns whether more waits to be
     * taken back.
     */
    boolean step(long idleNanos) throws InterruptedException {
        boolean restoring = handOver.restoreSome(TransactionGossip.BATCH_TXS);
        gossip.sendBatch(restoring ? 0 : idleNanos);
        return restoring;
    }

    /** True once a hand-over has nothing left to do; for tests. */
    boolean restoreIdle() {
        return handOver.idle();
    }

    int gossipQueued() {
        return gossip.queued();
    }

    long gossipSent() {
        return gossip.sent();
    }

    long gossipReceived() {
        return gossip.received();
    }

    @Deactivate
    void deactivate() {
        running = false;
        List<byte[]> held = pending.close(); // nothing is admitted from here on: this is all there is to hand over
        gossip.close();
        Thread t = loop;
        if (t != null) {
            try {
                t.join(STOP_MS);
                if (t.isAlive()) {
                    // Stuck in another component's call: interrupting is the last resort before leaving it behind.
                    t.interrupt();
                    t.join(STOP_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        handOver.save(held);
        pendingGauge.close();
    }
}
