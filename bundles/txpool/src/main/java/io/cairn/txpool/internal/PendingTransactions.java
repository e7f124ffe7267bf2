package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.DUPLICATE;
import static io.cairn.api.node.TxRejectedException.Reason.NOT_READY;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transactions waiting for a block, ordered and de-conflicted by the keys their ledger model says they
 * consume and produce ({@link LedgerModel#claims}); this class knows no model. An account transfer consumes its
 * sender's nonce slot and produces the next one; a UTXO spend consumes coins and produces coins.
 *
 * <ul>
 * <li>A key one pending transaction consumes is refused to every other, first seen wins
 * ({@link LedgerModel#conflict}); so is a key one pending transaction produces.</li>
 * <li>A consumed key is reached through the pending transaction that produces it, or the head's state holds it,
 * or it is waited for ({@link LedgerModel#available}: a nonce a little ahead; the model refuses one that can
 * never be). A transaction runs once every key it consumes is reached.</li>
 * <li>{@link #pending} is arrival order, except that a transaction comes after the producers of what it
 * consumes: the list is a valid order to run in.</li>
 * <li>On a committed block, what it consumed and produced is judged again on the new state: a pending
 * transaction whose key another transaction used is dropped, one whose wait is over becomes runnable.</li>
 * </ul>
 *
 * State is read through a cache shared until the next block; the locked section re-reads it (from the cache)
 * so that every judgement is made against one consistent view of the other pending transactions.
 */
final class PendingTransactions implements Pending {
    /** Refuses a transaction when {@code pending} transactions already wait and the limit is {@code limit}. */
    interface Room {
        void check(int pending, int limit) throws TxRejectedException;
    }

    private static final System.Logger LOG = System.getLogger(PendingTransactions.class.getName());
    private static final int STALE_VIEW_RETRIES = 3;

    private final Room room;
    private final StateCache states = new StateCache();
    /** Every pending entry by hash, and by the keys it consumes and produces; readable without the lock. */
    private final ConcurrentHashMap<Hash, PoolEntry> byHash = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LedgerKey, PoolEntry> consumers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LedgerKey, PoolEntry> producers = new ConcurrentHashMap<>();
    private volatile int holdLimit;
    private volatile int count;
    private volatile boolean closed;

    private final Object lock = new Object();
    // Guarded by lock:
    private PoolEntry first;
    private PoolEntry last;
    private long arrivals;
    private long scans;
    private long committedHeight = -1;
    /** A block went by that could not be judged key by key: judge every entry on the next one. */
    private boolean judgeAll;

    PendingTransactions(Room room, int holdLimit) {
        this.room = room;
        this.holdLimit = holdLimit;
    }

    /** How far ahead, in the model's measure, a key may be and still be waited for. */
    void holdLimit(int limit) {
        holdLimit = limit;
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

    @Override
    public Optional<VerifiedTransaction> producer(LedgerKey key) {
        PoolEntry e = producers.get(key);
        return e == null ? Optional.empty() : Optional.of(e.tx);
    }

    @Override
    public Optional<VerifiedTransaction> consumer(LedgerKey key) {
        PoolEntry e = consumers.get(key);
        return e == null ? Optional.empty() : Optional.of(e.tx);
    }

    /**
     * Judges a verified transaction by its keys and the model's admission rules, and links it.
     *
     * @param limit how many may be pending for it to be admitted (admission control for clients)
     */
    void admit(VerifiedTransaction vtx, BlockStore store, LedgerModel model, int limit) throws TxRejectedException {
        Claims claims = model.claims(vtx);
        int hold = holdLimit;
        for (int attempt = 0;; attempt++) {
            try (StateCache.View view = states.view(store)) {
                // Outside the lock: what needs state is read into the cache; it is judged under the lock.
                warm(claims.consumes(), view, model);
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
                    for (LedgerKey k : claims.consumes()) {
                        PoolEntry holder = consumers.get(k);
                        if (holder != null) {
                            throw model.conflict(vtx, k, holder.tx.hash());
                        }
                    }
                    for (LedgerKey k : claims.produces()) {
                        PoolEntry holder = producers.get(k);
                        if (holder != null) {
                            throw model.conflict(vtx, k, holder.tx.hash());
                        }
                    }
                    List<LedgerKey> consumes = claims.consumes();
                    boolean[] inState = new boolean[consumes.size()];
                    for (int i = 0; i < inState.length; i++) {
                        LedgerKey k = consumes.get(i);
                        inState[i] = !producers.containsKey(k) && model.available(view, k, this, hold);
                    }
                    model.admit(vtx, view, this);
                    PoolEntry e = new PoolEntry(vtx, claims, inState, ++arrivals);
                    for (LedgerKey k : e.consumes) {
                        consumers.put(k, e);
                    }
                    for (LedgerKey k : e.produces) {
                        producers.put(k, e);
                    }
                    link(e);
                    byHash.put(vtx.hash(), e);
                    count = n + 1;
                    return;
                }
            }
        }
    }

    /** Up to {@code max} transactions that can run, producers before what consumes their keys. */
    List<VerifiedTransaction> pending(int max) {
        if (max <= 0) {
            return List.of();
        }
        synchronized (lock) {
            long scan = ++scans;
            List<VerifiedTransaction> out = new ArrayList<>(Math.min(max, count));
            ArrayDeque<PoolEntry> taken = new ArrayDeque<>();
            for (PoolEntry e = first; e != null && out.size() < max; e = e.next) {
                if (e.takenInScan == scan || !runnable(e, scan)) {
                    continue;
                }
                take(e, scan, out, taken);
                // Transactions that arrived earlier and waited for what e produces may run now.
                while (!taken.isEmpty() && out.size() < max) {
                    PoolEntry p = taken.pop();
                    for (LedgerKey k : p.produces) {
                        PoolEntry c = consumers.get(k);
                        if (c != null && c.seq < e.seq && c.takenInScan != scan && out.size() < max
                                && runnable(c, scan)) {
                            take(c, scan, out, taken);
                        }
                    }
                }
                taken.clear();
            }
            return out;
        }
    }

    private static void take(PoolEntry e, long scan, List<VerifiedTransaction> out, ArrayDeque<PoolEntry> taken) {
        e.takenInScan = scan;
        out.add(e.tx);
        taken.push(e);
    }

    /** Every key e consumes is in state or produced by a transaction this scan took already (caller holds lock). */
    private boolean runnable(PoolEntry e, long scan) {
        for (int i = 0; i < e.inState.length; i++) {
            PoolEntry p = producers.get(e.consumes.get(i));
            if (p != null ? p.takenInScan != scan : !e.inState[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Removes the block's transactions, then judges again, on the state after the block, every pending
     * transaction that consumes a key the block consumed or produced: one whose key was used by another drops out
     * (and so may what waited for it), one whose wait is over can run.
     *
     * @param verifier names the transactions of the block this pool did not hold; null: judge every entry
     */
    /** A committed block's state writes (null: unknown), before {@link #committed}: admission's cache carries over. */
    void stateCommitted(BlockStore store, long height, io.cairn.api.storage.WriteBatch writes) {
        if (store != null) {
            states.committed(store, height, writes);
        }
    }

    void committed(Block block, List<Hash> txHashes, TransactionVerifier verifier, BlockStore store, LedgerModel model) {
        // The keys the block touched that a pending transaction may consume, worked out before taking the lock. A
        // key the pool's own entry consumed has no other consumer (the pool refuses a second one): only what it
        // produced is judged again. A transaction the pool did not hold may have taken a key a pending one waits for.
        List<LedgerKey> touched = new ArrayList<>();
        boolean all = false;
        List<Envelope> txs = block.transactions();
        for (int i = 0; i < txHashes.size(); i++) {
            PoolEntry e = byHash.get(txHashes.get(i));
            if (e != null) {
                touched.addAll(e.produces);
                continue;
            }
            Claims c = foreignClaims(i < txs.size() ? txs.get(i) : null, verifier, model);
            if (c == null) {
                all = true;
            } else {
                touched.addAll(c.consumes());
                touched.addAll(c.produces());
            }
        }
        synchronized (lock) {
            if (committedHeight >= 0 && block.number() > committedHeight + 1) {
                all = true; // blocks went by unseen (a listener gap): any key may have moved
            }
            committedHeight = Math.max(committedHeight, block.number());
            for (Hash h : txHashes) {
                PoolEntry e = byHash.get(h);
                if (e != null) {
                    remove(e);
                }
            }
            if (store == null || model == null) {
                judgeAll = true; // nothing to judge with now: the next block judges everything
                return;
            }
            all |= judgeAll;
            judgeAll = false;
        }
        try (StateCache.View view = states.view(store)) {
            if (!all) {
                List<LedgerKey> waited = new ArrayList<>();
                for (LedgerKey k : touched) {
                    if (consumers.containsKey(k)) {
                        waited.add(k);
                    }
                }
                warm(waited, view, model);
            }
            synchronized (lock) {
                Set<PoolEntry> judge = Collections.newSetFromMap(new IdentityHashMap<>());
                if (all) {
                    for (PoolEntry e = first; e != null; e = e.next) {
                        judge.add(e);
                    }
                } else {
                    for (LedgerKey k : touched) {
                        PoolEntry c = consumers.get(k);
                        if (c != null) {
                            judge.add(c);
                        }
                    }
                }
                rejudge(judge, view, model);
                count = byHash.size();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: cannot judge pending transactions on the state after block "
                    + block.number() + "; every one is judged again after the next block", e);
            synchronized (lock) {
                judgeAll = true;
            }
        }
    }

    private static Claims foreignClaims(Envelope tx, TransactionVerifier verifier, LedgerModel model) {
        if (tx == null || verifier == null || model == null) {
            return null;
        }
        try {
            return model.claims(verifier.committed(tx.encoded()));
        } catch (TxRejectedException | RuntimeException e) {
            return null; // a body this model cannot read: judge everything rather than guess
        }
    }

    /** Reads what the judgement needs into the cache before the lock is taken; answers are judged under it. */
    private void warm(List<LedgerKey> keys, StateCache.View view, LedgerModel model) {
        int hold = holdLimit;
        for (LedgerKey k : keys) {
            if (!producers.containsKey(k)) {
                try {
                    model.available(view, k, this, hold);
                } catch (TxRejectedException | RuntimeException e) {
                    // judged under the lock
                }
            }
        }
    }

    /** Judges the entries' keys again on {@code view}; drops what can never run, and what only it fed (caller holds lock). */
    private void rejudge(Set<PoolEntry> judge, StateCache.View view, LedgerModel model) {
        ArrayDeque<PoolEntry> work = new ArrayDeque<>(judge);
        int hold = holdLimit;
        while (!work.isEmpty()) {
            PoolEntry e = work.pop();
            if (!e.linked) {
                continue;
            }
            try {
                for (int i = 0; i < e.inState.length; i++) {
                    LedgerKey k = e.consumes.get(i);
                    e.inState[i] = !producers.containsKey(k) && model.available(view, k, this, hold);
                }
            } catch (TxRejectedException | RuntimeException x) {
                remove(e);
                for (LedgerKey k : e.produces) {
                    PoolEntry c = consumers.get(k);
                    if (c != null) {
                        work.push(c); // it waited for e: judge it on the state alone
                    }
                }
            }
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

    // ---- list and index upkeep (caller holds lock)

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

    private void remove(PoolEntry e) {
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
        for (LedgerKey k : e.consumes) {
            consumers.remove(k, e);
        }
        for (LedgerKey k : e.produces) {
            producers.remove(k, e);
        }
        if (byHash.remove(e.tx.hash(), e)) {
            count = count - 1;
        }
    }
}
