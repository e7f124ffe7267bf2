package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.BAD_SIGNATURE;
import static io.cairn.api.node.TxRejectedException.Reason.DUPLICATE;
import static io.cairn.api.node.TxRejectedException.Reason.MALFORMED;
import static io.cairn.api.node.TxRejectedException.Reason.NONCE_REPLAYED;
import static io.cairn.api.node.TxRejectedException.Reason.NONCE_TOO_HIGH;
import static io.cairn.api.node.TxRejectedException.Reason.NOT_READY;
import static io.cairn.api.node.TxRejectedException.Reason.POOL_FULL;
import static io.cairn.api.node.TxRejectedException.Reason.WRONG_CHAIN;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.network.Network;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
 * The transaction pool. Decoding, hashing and the signature check (the expensive part) run outside
 * any lock, so RPC threads verify in parallel; the locked section only checks duplicates, capacity and
 * nonces against the other pending transactions and links the entry. Each transaction's signature is
 * verified exactly once here and never again downstream ({@link VerifiedTransaction}).
 *
 * <p>Nonces: a sender's transactions run in nonce order from the account's nonce. The pool also holds
 * transactions up to {@code maxNonceGap} ahead of the next expected nonce (clients that pipeline over
 * several connections deliver out of order); they become executable when the gap is filled.
 */
@Designate(ocd = TransactionPool.Config.class, factory = false)
@Component(service = {TxPool.class, BlockListener.class, MessageHandler.class}, configurationPid = "io.cairn.txpool",
        immediate = true, property = {"cairn.component=txpool", "cairn.engine=pool", "cairn.topic=" + TransactionGossip.TOPIC})
public final class TransactionPool implements TxPool, BlockListener, MessageHandler {

    @ObjectClassDefinition(name = "Cairn transaction pool", description = "Admission and ordering of pending transactions")
    public @interface Config {
        @AttributeDefinition(description = "Most transactions held, executable or waiting for a nonce gap")
        int capacity() default 200_000;

        @AttributeDefinition(description = "How far ahead of a sender's next nonce a transaction may be held")
        int maxNonceGap() default 1000;

        @AttributeDefinition(description = "Client submissions are refused with POOL_FULL (retry later) while the pool holds more "
                + "than this many milliseconds of work at the rate the chain recently committed; gossip still fills to capacity")
        long admitQueueMs() default 400;

        @AttributeDefinition(description = "... but clients are always admitted while fewer than this many transactions are pending")
        int admitFloor() default 1500;
    }

    private static final System.Logger LOG = System.getLogger(TransactionPool.class.getName());

    private volatile CryptoSuite suite;
    private volatile BlockStore blockStore;
    private volatile LedgerModel model;
    private volatile Storage storage;
    /** Optional: with a network, admitted transactions are gossiped so that they reach the leader. */
    private volatile Network network;
    private final TransactionGossip gossip = new TransactionGossip(() -> network, this::admitGossiped);

    private volatile int capacity;
    private volatile int maxNonceGap;
    private volatile Admission admission;
    /** Chain id of the block store's genesis, cached per block store instance. */
    private volatile ChainId chainId;

    private final AccountStateCache states = new AccountStateCache();
    /** Every pending entry by hash, readable without the lock (get, the early duplicate check). */
    private final ConcurrentHashMap<Hash, PoolEntry> byHash = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    // Guarded by lock:
    private final HashMap<Address, SenderQueue> senders = new HashMap<>();
    private PoolEntry first;
    private PoolEntry last;
    private long arrivals;
    private long scans;
    private long committedHeight = -1;
    private volatile int count;

    private final Object restoreLock = new Object();
    // Guarded by restoreLock:
    private final ArrayDeque<byte[]> restoreQueue = new ArrayDeque<>();
    private boolean restoreFromKey;
    private Thread restoreThread;
    private volatile boolean closed;

    private record ChainId(BlockStore store, long id) {}

    @Activate
    public TransactionPool(Config config) {
        configure(config);
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
        maxNonceGap = config.maxNonceGap();
        admission = new Admission(config.admitQueueMs(), config.admitFloor());
    }

    // ---- references: dynamic and greedy, so that a swapped provider is picked up; pending work waits

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSuite(CryptoSuite s) {
        synchronized (lock) {
            suite = s;
        }
        maybeRestore();
    }

    void unbindSuite(CryptoSuite s) {
        synchronized (lock) {
            if (suite == s) {
                suite = null;
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBlockStore(BlockStore s) {
        synchronized (lock) {
            blockStore = s;
        }
        maybeRestore();
    }

    void unbindBlockStore(BlockStore s) {
        synchronized (lock) {
            if (blockStore == s) {
                blockStore = null;
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindModel(LedgerModel m) {
        synchronized (lock) {
            model = m;
        }
        maybeRestore();
    }

    void unbindModel(LedgerModel m) {
        synchronized (lock) {
            if (model == m) {
                model = null;
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStorage(Storage s) {
        synchronized (lock) {
            storage = s;
        }
        maybeRestore();
    }

    void unbindStorage(Storage s) {
        synchronized (lock) {
            if (storage == s) {
                storage = null;
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindNetwork(Network n) {
        synchronized (lock) {
            network = n;
        }
    }

    void unbindNetwork(Network n) {
        synchronized (lock) {
            if (network == n) {
                network = null;
            }
        }
    }

    // ---- admission

    @Override
    public VerifiedTransaction submit(byte[] encoded) throws TxRejectedException {
        VerifiedTransaction vtx = admitEncoded(encoded, true);
        gossip.offer(vtx.encoded());
        return vtx;
    }

    /** Transactions from other nodes: admitted here, never gossiped again; already known ones are skipped. */
    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        if (TransactionGossip.TOPIC.equals(topic) && payload != null) {
            gossip.onMessage(peerId, payload);
        }
    }

    private void admitGossiped(byte[] encoded) {
        try {
            admitEncoded(encoded, false);
        } catch (TxRejectedException e) {
            if (e.reason() != DUPLICATE) {
                LOG.log(Level.DEBUG, () -> "txpool: a gossiped transaction was refused: " + e.getMessage());
            }
        }
    }

    /** @param client a client's submission (admission control applies), else gossip (up to capacity) */
    private VerifiedTransaction admitEncoded(byte[] encoded, boolean client) throws TxRejectedException {
        int limit = client ? admission.limit(capacity) : capacity;
        if (client) {
            checkRoom(count, limit); // before any decoding or signature check: refusing must be cheap
        }
        if (encoded == null) {
            throw new TxRejectedException(MALFORMED, "transaction bytes are missing");
        }
        Transaction tx;
        try {
            tx = Transaction.decode(encoded);
        } catch (MalformedDataException e) {
            throw new TxRejectedException(MALFORMED, e.getMessage());
        }
        CryptoSuite suite = this.suite;
        BlockStore store = this.blockStore;
        LedgerModel model = this.model;
        if (suite == null || store == null || model == null) {
            throw new TxRejectedException(NOT_READY, "txpool not ready: " + missing(suite, store, model));
        }
        long chain = chainId(store);
        if (tx.chainId() != chain) {
            throw new TxRejectedException(WRONG_CHAIN, "transaction is for chain " + Long.toUnsignedString(tx.chainId())
                    + ", this node runs chain " + Long.toUnsignedString(chain));
        }
        byte[] hash32 = suite.hash(tx.signingPayload());
        Hash hash = Hash.of(hash32);
        // Both duplicate checks come before the signature check, so a replayed transaction costs no verify.
        if (byHash.containsKey(hash)) {
            throw new TxRejectedException(DUPLICATE, "transaction " + hash + " is already pending");
        }
        Optional<BlockStore.Located> committed = store.transaction(hash);
        if (committed.isPresent()) {
            throw new TxRejectedException(DUPLICATE, "transaction " + hash + " is already committed in block "
                    + committed.get().blockNumber());
        }
        byte[] publicKey = tx.publicKey();
        if (!suite.verify(hash32, tx.signature(), publicKey)) {
            throw new TxRejectedException(BAD_SIGNATURE, "transaction " + hash
                    + ": the signature does not verify for its public key");
        }
        VerifiedTransaction vtx = new VerifiedTransaction(tx, hash, suite.address(publicKey), encoded.clone());
        admit(vtx, store, model, limit);
        return vtx;
    }

    private void checkRoom(int pending, int limit) throws TxRejectedException {
        if (pending < limit) {
            return;
        }
        if (limit >= capacity) {
            throw new TxRejectedException(POOL_FULL, "pool full: " + pending + " of " + capacity);
        }
        Admission a = admission;
        throw new TxRejectedException(POOL_FULL, String.format(java.util.Locale.ROOT,
                "pool busy: %d transactions pending, over %d ms of work at the %.0f tx/s the chain recently committed "
                        + "(client limit %d); retry shortly", pending, a.queueMs(), a.rate(), limit));
    }

    private void admit(VerifiedTransaction vtx, BlockStore store, LedgerModel model, int limit) throws TxRejectedException {
        Address sender = vtx.sender();
        long nonce = vtx.nonce();
        for (int attempt = 0;; attempt++) {
            try (AccountStateCache.View view = states.view(store)) {
                // Read outside the lock; it also brings the sender's account into the cache for admit() below.
                long stateNonce = model.nonce(view, sender);
                synchronized (lock) {
                    if (closed) {
                        // deactivate() snapshots the pool under this lock after setting closed: a transaction
                        // admitted now would miss the hand-over and be lost, so the caller must resubmit.
                        throw new TxRejectedException(NOT_READY, "txpool is being replaced: submit again");
                    }
                    if (view.height() < committedHeight && attempt < 3) {
                        continue; // a block was applied to the pool after this state was read: read again
                    }
                    if (byHash.containsKey(vtx.hash())) {
                        throw new TxRejectedException(DUPLICATE, "transaction " + vtx.hash() + " is already pending");
                    }
                    int n = count;
                    checkRoom(n, limit);
                    SenderQueue q = senders.get(sender);
                    long base = q == null ? stateNonce : Math.max(stateNonce, q.stateNonce);
                    long expected = q == null ? base : Math.max(base, q.contiguousNext);
                    if (nonce < 0 || nonce - expected > maxNonceGap) {
                        throw new TxRejectedException(NONCE_TOO_HIGH, "nonce " + Long.toUnsignedString(nonce)
                                + " of " + sender + " is too far ahead: its next nonce is " + expected
                                + " and the pool holds at most " + maxNonceGap + " beyond it");
                    }
                    if (nonce < base) {
                        throw new TxRejectedException(NONCE_REPLAYED, "nonce " + nonce + " of " + sender
                                + " is already used: the account's nonce is " + base);
                    }
                    PoolEntry taken = q == null ? null : q.byNonce.get(nonce);
                    if (taken != null) {
                        throw new TxRejectedException(NONCE_REPLAYED, "nonce " + nonce + " of " + sender
                                + " is already taken by pending transaction " + taken.tx.hash());
                    }
                    // A transaction inside the allowed gap is judged by the model as if it were next; the
                    // model checks what the pool cannot: the account's nonce and balance in state.
                    model.admit(vtx, view, Math.max(expected, nonce));
                    if (q == null) {
                        q = new SenderQueue(sender, base);
                        senders.put(sender, q);
                    } else {
                        q.stateNonce = base;
                    }
                    PoolEntry e = new PoolEntry(vtx, q, ++arrivals);
                    q.byNonce.put(nonce, e);
                    q.advance();
                    link(e);
                    byHash.put(vtx.hash(), e);
                    count = n + 1;
                    return;
                }
            }
        }
    }

    private long chainId(BlockStore store) throws TxRejectedException {
        ChainId c = chainId;
        if (c != null && c.store == store) {
            return c.id;
        }
        Optional<Genesis> genesis = store.genesis();
        if (genesis.isEmpty()) {
            throw new TxRejectedException(NOT_READY, "txpool not ready: no genesis block yet");
        }
        c = new ChainId(store, genesis.get().chainId());
        chainId = c;
        return c.id;
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

    // ---- what the sealer takes

    @Override
    public List<VerifiedTransaction> pending(int max) {
        if (max <= 0) {
            return List.of();
        }
        synchronized (lock) {
            long scan = ++scans;
            List<VerifiedTransaction> out = new ArrayList<>(Math.min(max, count));
            PoolEntry e = first;
            while (e != null && out.size() < max) {
                PoolEntry next = e.next;
                SenderQueue q = e.queue;
                if (q.scanEpoch != scan) {
                    q.scanEpoch = scan;
                    q.scanNext = q.stateNonce;
                }
                if (e.nonce < q.stateNonce) {
                    remove(e); // stale: the account has moved past it
                    dropIfEmpty(q);
                } else if (e.nonce == q.scanNext) {
                    out.add(e.tx);
                    q.scanNext++;
                    // Successors that arrived earlier were skipped as gapped; they are executable now.
                    PoolEntry f;
                    while (out.size() < max && (f = q.byNonce.get(q.scanNext)) != null && f.seq < e.seq) {
                        out.add(f.tx);
                        q.scanNext++;
                    }
                }
                e = next;
            }
            return out;
        }
    }

    @Override
    public Optional<VerifiedTransaction> get(Hash txHash) {
        PoolEntry e = byHash.get(txHash);
        return e == null ? Optional.empty() : Optional.of(e.tx);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long nextNonce(Address sender) {
        long pooled = -1;
        synchronized (lock) {
            SenderQueue q = senders.get(sender);
            if (q != null) {
                pooled = Math.max(q.stateNonce, q.contiguousNext);
            }
        }
        BlockStore store = blockStore;
        LedgerModel model = this.model;
        if (store == null || model == null || store.height() < 0) {
            if (pooled >= 0) {
                return pooled;
            }
            throw new IllegalStateException("txpool cannot tell the nonce of " + sender + ": "
                    + (store == null || model == null ? missing(suite, store, model) : "no genesis block yet"));
        }
        try (AccountStateCache.View view = states.view(store)) {
            return Math.max(pooled, model.nonce(view, sender));
        }
    }

    // ---- blocks

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes) {
        admission.committed(txHashes.size(), System.nanoTime());
        List<Transaction> txs = block.transactions();
        CryptoSuite suite = this.suite;
        // Senders and their highest committed nonce, worked out before taking the lock.
        Map<Address, Long> touched = new HashMap<>();
        for (int i = 0; i < txHashes.size(); i++) {
            PoolEntry e = byHash.get(txHashes.get(i));
            Address sender = null;
            long nonce;
            if (e != null) {
                sender = e.tx.sender();
                nonce = e.nonce;
            } else if (i < txs.size() && suite != null) {
                sender = suite.address(txs.get(i).publicKey());
                nonce = txs.get(i).nonce();
            } else {
                continue;
            }
            touched.merge(sender, nonce + 1, Math::max);
        }
        boolean missedBlocks;
        synchronized (lock) {
            missedBlocks = committedHeight >= 0 && block.number() > committedHeight + 1;
        }
        Collection<Address> toRead = touched.keySet();
        if (missedBlocks) {
            // Blocks went by unseen (a listener gap): every sender's nonce may have moved.
            synchronized (lock) {
                toRead = new ArrayList<>(senders.keySet());
                toRead.addAll(touched.keySet());
            }
        }
        Map<Address, Long> stateNonces = readNonces(toRead);
        synchronized (lock) {
            committedHeight = Math.max(committedHeight, block.number());
            Map<SenderQueue, Boolean> affected = new IdentityHashMap<>();
            for (Address sender : toRead) {
                SenderQueue q = senders.get(sender);
                if (q == null) {
                    continue;
                }
                Long truth = stateNonces == null ? null : stateNonces.get(sender);
                long estimate = truth != null ? truth : touched.getOrDefault(sender, q.stateNonce);
                q.stateNonce = Math.max(q.stateNonce, estimate);
                affected.put(q, Boolean.FALSE);
            }
            for (Hash h : txHashes) {
                PoolEntry e = byHash.get(h);
                if (e != null) {
                    // Committed without using its nonce (it failed on nonce): the sender's run has a hole now.
                    boolean hole = e.nonce >= e.queue.stateNonce;
                    affected.merge(e.queue, hole, Boolean::logicalOr);
                    remove(e);
                }
            }
            for (Map.Entry<SenderQueue, Boolean> a : affected.entrySet()) {
                SenderQueue q = a.getKey();
                Iterator<PoolEntry> stale = q.byNonce.headMap(q.stateNonce).values().iterator();
                while (stale.hasNext()) {
                    PoolEntry e = stale.next();
                    stale.remove();
                    unlink(e);
                    byHash.remove(e.tx.hash(), e);
                }
                if (a.getValue()) {
                    q.recount();
                } else {
                    q.advance();
                }
                dropIfEmpty(q);
            }
            count = byHash.size();
        }
        maybeRestore();
    }

    /** The account nonces after the block, read from state (this also warms the cache for the next submits). */
    private Map<Address, Long> readNonces(Collection<Address> accounts) {
        BlockStore store = blockStore;
        LedgerModel model = this.model;
        if (store == null || model == null || accounts.isEmpty()) {
            return null;
        }
        try (AccountStateCache.View view = states.view(store)) {
            Map<Address, Long> out = new HashMap<>(accounts.size() * 2);
            for (Address a : accounts) {
                out.put(a, model.nonce(view, a));
            }
            return out;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: cannot read account nonces after a block; using the block's nonces", e);
            return null;
        }
    }

    // ---- list and queue upkeep (caller holds lock)

    private void link(PoolEntry e) {
        e.prev = last;
        e.next = null;
        if (last == null) {
            first = e;
        } else {
            last.next = e;
        }
        last = e;
        e.linked = true;
    }

    private void unlink(PoolEntry e) {
        if (!e.linked) {
            return;
        }
        if (e.prev == null) {
            first = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            last = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.linked = false;
        // e.next is kept so that a scan standing on e can still move on.
    }

    private void remove(PoolEntry e) {
        unlink(e);
        e.queue.byNonce.remove(e.nonce, e);
        if (byHash.remove(e.tx.hash(), e)) {
            count = count - 1;
        }
    }

    private void dropIfEmpty(SenderQueue q) {
        if (q.byNonce.isEmpty()) {
            senders.remove(q.sender, q);
        }
    }

    // ---- health

    @Override
    public Health health() {
        CryptoSuite s = suite;
        BlockStore b = blockStore;
        LedgerModel m = model;
        if (s == null || b == null || m == null) {
            return Health.notReady(missing(s, b, m) + "; " + count + " transactions kept pending");
        }
        if (b.genesis().isEmpty()) {
            return Health.notReady("no genesis block yet");
        }
        return Health.ready(count + " of " + capacity + " transactions pending; clients admitted below "
                + admission.limit(capacity));
    }

    // ---- hand-over across a restart or upgrade of this bundle

    /** Resubmits transactions a previous pool instance left in storage, once everything they need is here. */
    private void maybeRestore() {
        if (closed || !readyToRestore()) {
            return;
        }
        synchronized (restoreLock) {
            if (closed || restoreThread != null) {
                return;
            }
            if (restoreQueue.isEmpty()) {
                Storage s = storage;
                byte[] saved;
                try {
                    saved = s == null ? null : s.get(PendingTransactions.KEY);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "txpool: cannot read the pending transactions left in storage", e);
                    return;
                }
                if (saved == null) {
                    return;
                }
                try {
                    restoreQueue.addAll(PendingTransactions.decode(saved));
                } catch (MalformedDataException e) {
                    LOG.log(Level.WARNING, "txpool: dropping unreadable pending transactions left in storage: "
                            + e.getMessage());
                }
                restoreFromKey = true;
            }
            Thread t = new Thread(this::restore, "cairn-txpool-restore");
            t.setDaemon(true);
            t.setContextClassLoader(null);
            restoreThread = t;
            t.start();
        }
    }

    private boolean readyToRestore() {
        BlockStore b = blockStore;
        return suite != null && model != null && storage != null && b != null && b.height() >= 0;
    }

    private void restore() {
        int admitted = 0;
        int dropped = 0;
        while (true) {
            byte[] next;
            synchronized (restoreLock) {
                next = closed ? null : restoreQueue.poll();
                if (next == null) {
                    if (!closed && restoreFromKey) {
                        deleteSaved();
                    }
                    restoreThread = null;
                    break;
                }
            }
            try {
                // accepted by the previous instance already: admission control does not apply again
                gossip.offer(admitEncoded(next, false).encoded());
                admitted++;
            } catch (TxRejectedException e) {
                if (e.reason() == NOT_READY) {
                    synchronized (restoreLock) {
                        restoreQueue.addFirst(next);
                        if (closed || !readyToRestore()) {
                            restoreThread = null; // a bind will start it again
                            break;
                        }
                    }
                } else {
                    dropped++; // committed meanwhile, replayed or no longer affordable: nothing to keep
                }
            } catch (RuntimeException e) {
                dropped++;
                LOG.log(Level.WARNING, "txpool: dropping a pending transaction that failed to resubmit", e);
            }
        }
        if (admitted + dropped > 0) {
            LOG.log(Level.INFO, "txpool: resubmitted " + admitted + " pending transactions handed over in storage, "
                    + dropped + " no longer valid");
        }
    }

    private void deleteSaved() {
        Storage s = storage;
        if (s == null) {
            return;
        }
        try {
            s.write(new WriteBatch().delete(PendingTransactions.KEY));
            restoreFromKey = false;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: cannot delete the handed-over pending transactions", e);
        }
    }

    /** True once a restore has nothing left to do; for tests. */
    boolean restoreIdle() {
        synchronized (restoreLock) {
            return restoreThread == null;
        }
    }

    long gossipSent() {
        return gossip.sent();
    }

    long gossipReceived() {
        return gossip.received();
    }

    @Deactivate
    void deactivate() {
        gossip.close();
        Thread t;
        synchronized (restoreLock) {
            closed = true;
            t = restoreThread;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<byte[]> keep;
        synchronized (restoreLock) {
            keep = new ArrayList<>(restoreQueue);
            restoreQueue.clear();
        }
        synchronized (lock) {
            for (PoolEntry e = first; e != null; e = e.next) {
                keep.add(e.tx.encoded());
            }
        }
        if (keep.isEmpty()) {
            return;
        }
        Storage s = storage;
        if (s == null) {
            LOG.log(Level.WARNING, "txpool: no storage to hand over " + keep.size()
                    + " pending transactions; they are dropped and must be resent");
            return;
        }
        try {
            s.write(new WriteBatch().put(PendingTransactions.KEY, PendingTransactions.encode(keep)));
            LOG.log(Level.INFO, "txpool: handed over " + keep.size() + " pending transactions in storage");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: cannot hand over " + keep.size() + " pending transactions", e);
        }
    }
}
