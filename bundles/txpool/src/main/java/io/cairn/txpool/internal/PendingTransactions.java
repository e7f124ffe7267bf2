package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.DUPLICATE;
import static io.cairn.api.node.TxRejectedException.Reason.NOT_READY;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Nonces;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxRejectedException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transactions waiting for a block: one queue per sender by nonce, every entry linked in arrival order, and
 * an index by hash readable without the lock. What the sealer takes ({@link #pending}) is arrival order across
 * senders and nonce order per sender, skipping what waits behind a nonce gap. Account state is read outside the
 * lock (through a cache shared until the next block); the locked section only checks duplicates, room and
 * nonces ({@link NonceRules}) against the other pending transactions and links the entry.
 */
final class PendingTransactions {
    /** Refuses a transaction when {@code pending} transactions already wait and the limit is {@code limit}. */
    interface Room {
        void check(int pending, int limit) throws TxRejectedException;
    }

    private static final System.Logger LOG = System.getLogger(PendingTransactions.class.getName());
    private static final int STALE_VIEW_RETRIES = 3;

    private final Room room;
    private final AccountStateCache states = new AccountStateCache();
    /** Every pending entry by hash, readable without the lock (get, the early duplicate check). */
    private final ConcurrentHashMap<Hash, PoolEntry> byHash = new ConcurrentHashMap<>();
    private volatile int maxNonceGap;
    private volatile int count;
    private volatile boolean closed;

    private final Object lock = new Object();
    // Guarded by lock:
    private final HashMap<Address, SenderQueue> senders = new HashMap<>();
    private PoolEntry first;
    private PoolEntry last;
    private long arrivals;
    private long scans;
    private long committedHeight = -1;

    PendingTransactions(Room room, int maxNonceGap) {
        this.room = room;
        this.maxNonceGap = maxNonceGap;
    }

    void maxNonceGap(int gap) {
        maxNonceGap = gap;
    }

    int size() {
        return count;
    }

    boolean contains(Hash hash) {
        return byHash.containsKey(hash);
    }

    Optional<VerifiedTransaction> get(Hash hash) {
        PoolEntry e = byHash.get(hash);
        return e == null ? Optional.empty() : Optional.of(e.tx);
    }

    /**
     * Judges a verified transaction against the sender's account and pending run, and links it.
     *
     * @param limit how many may be pending for it to be admitted (admission control for clients)
     */
    void admit(VerifiedTransaction vtx, BlockStore store, LedgerModel model, int limit) throws TxRejectedException {
        Address sender = vtx.sender();
        long nonce = vtx.nonce();
        for (int attempt = 0;; attempt++) {
            try (AccountStateCache.View view = states.view(store)) {
                // Read outside the lock; it also brings the sender's account into the cache for admit() below.
                long stateNonce = model.nonce(view, sender);
                synchronized (lock) {
                    if (closed) {
                        // close() snapshots the pool under this lock: a transaction admitted after it would miss
                        // the hand-over and be lost, so the caller must resubmit.
                        throw new TxRejectedException(NOT_READY, "txpool is being replaced: submit again");
                    }
                    if (view.height() < committedHeight && attempt < STALE_VIEW_RETRIES) {
                        continue; // a block was applied to the pool after this state was read: read again
                    }
                    if (byHash.containsKey(vtx.hash())) {
                        throw new TxRejectedException(DUPLICATE, "transaction " + vtx.hash() + " is already pending");
                    }
                    int n = count;
                    room.check(n, limit);
                    SenderQueue q = senders.get(sender);
                    long base = q == null ? stateNonce : Nonces.max(stateNonce, q.stateNonce);
                    long expected = q == null ? base : q.expected(base);
                    NonceRules.check(sender, nonce, base, expected, maxNonceGap, pendingAt(q, nonce));
                    // A transaction inside the allowed gap is judged by the model as if it were next; the
                    // model checks what the pool cannot: the account's nonce and balance in state.
                    model.admit(vtx, view, Nonces.max(expected, nonce));
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

    private static Hash pendingAt(SenderQueue q, long nonce) {
        PoolEntry taken = q == null ? null : q.byNonce.get(nonce);
        return taken == null ? null : taken.tx.hash();
    }

    /** Up to {@code max} transactions that can run next; drops those the account has moved past. */
    List<VerifiedTransaction> pending(int max) {
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
                if (Nonces.below(e.nonce, q.stateNonce)) {
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

    /** The next nonce of the sender counting its pending run, or null if none is pending. */
    Long pooledNext(Address sender) {
        synchronized (lock) {
            SenderQueue q = senders.get(sender);
            return q == null ? null : q.expected(q.stateNonce);
        }
    }

    /** The nonce the sender's next transaction should carry: past its pending run, at least its nonce in state. */
    long nextNonce(Address sender, BlockStore store, LedgerModel model) {
        Long pooled = pooledNext(sender);
        long state;
        try (AccountStateCache.View view = states.view(store)) {
            state = model.nonce(view, sender);
        }
        return pooled == null ? state : Nonces.max(pooled, state);
    }

    /**
     * Removes the block's transactions and those its senders can no longer run, and moves each sender on to its
     * nonce in the new state.
     *
     * @param suite for the senders of transactions this pool did not hold; null: only what the pool held
     */
    void committed(Block block, List<Hash> txHashes, CryptoSuite suite, BlockStore store, LedgerModel model) {
        List<Transaction> txs = block.transactions();
        // Senders and their highest committed nonce, worked out before taking the lock.
        Map<Address, Long> touched = new HashMap<>();
        for (int i = 0; i < txHashes.size(); i++) {
            PoolEntry e = byHash.get(txHashes.get(i));
            Address sender;
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
            touched.merge(sender, nonce + 1, Nonces::max);
        }
        Collection<Address> toRead = touched.keySet();
        synchronized (lock) {
            if (committedHeight >= 0 && block.number() > committedHeight + 1) {
                // Blocks went by unseen (a listener gap): every sender's nonce may have moved.
                toRead = new ArrayList<>(senders.keySet());
                toRead.addAll(touched.keySet());
            }
        }
        Map<Address, Long> stateNonces = readNonces(toRead, store, model);
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
                q.stateNonce = Nonces.max(q.stateNonce, estimate);
                affected.put(q, Boolean.FALSE);
            }
            for (Hash h : txHashes) {
                PoolEntry e = byHash.get(h);
                if (e != null) {
                    // Committed without using its nonce (it failed on nonce): the sender's run has a hole now.
                    boolean hole = !Nonces.below(e.nonce, e.queue.stateNonce);
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
    }

    /** The account nonces after the block, read from state (this also warms the cache for the next submits). */
    private Map<Address, Long> readNonces(Collection<Address> accounts, BlockStore store, LedgerModel model) {
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

    /** Refuses every admission from now on and returns what is pending, encoded, in arrival order. */
    List<byte[]> close() {
        synchronized (lock) {
            closed = true;
            List<byte[]> out = new ArrayList<>(count);
            for (PoolEntry e = first; e != null; e = e.next) {
                out.add(e.tx.encoded());
            }
            return out;
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
}
