package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.NOT_READY;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.NodeRecords;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The pool's pending transactions handed from one pool instance to the next across a restart or an upgrade
 * (transient state, hot-swap contract): the record {@value #OWNER}/{@value #NAME} of the node's records,
 * {@code u32 count | count x bytes transaction} in arrival order. A pool writes it on deactivate and takes it
 * back once everything admission needs is there, admitting each transaction again (its signature is checked
 * again: the record is not trusted) in steps, so that the pool's loop keeps gossiping meanwhile; the record is
 * deleted once all of it is taken back.
 */
final class HandOver {
    static final String OWNER = "txpool";
    static final String NAME = "pending";
    private static final System.Logger LOG = System.getLogger(HandOver.class.getName());

    /** Admits one handed-over transaction; admission control does not apply again. */
    interface Admit {
        void admit(byte[] encoded) throws TxRejectedException;
    }

    private final NodeRecords records;
    private final Admit admit;
    private final BooleanSupplier ready;

    private final Object lock = new Object();
    // Guarded by lock:
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    /** The queue holds the record's transactions, and the record is deleted once they are all taken. */
    private boolean fromRecord;
    private int admitted;
    private int dropped;
    /** The record may hold transactions to take back: at activation, and after each block or bind. */
    private volatile boolean look = true;

    /** @param ready whether admission can judge transactions now (suite, chain, ledger model bound) */
    HandOver(NodeRecords records, Admit admit, BooleanSupplier ready) {
        this.records = records;
        this.admit = admit;
        this.ready = ready;
    }

    /** Something admission needed arrived, or a block was committed: look at the record again. */
    void lookAgain() {
        look = true;
    }

    /** Whether nothing is left to take back now; for tests. */
    boolean idle() {
        synchronized (lock) {
            return queue.isEmpty() && !look;
        }
    }

    /** Takes back up to {@code max} transactions; returns whether more wait to be taken back now. */
    boolean restoreSome(int max) {
        if (!ready.getAsBoolean() || !load()) {
            return false;
        }
        for (int i = 0; i < max; i++) {
            byte[] next;
            synchronized (lock) {
                next = queue.poll();
                if (next == null) {
                    finish();
                    return false;
                }
            }
            try {
                admit.admit(next);
                count(true);
            } catch (TxRejectedException e) {
                if (e.reason() == NOT_READY) {
                    synchronized (lock) {
                        queue.addFirst(next); // a dependency left, or the pool is closing: keep it
                    }
                    return false;
                }
                count(false); // committed meanwhile, replayed or no longer affordable: nothing to keep
            } catch (RuntimeException e) {
                count(false);
                LOG.log(Level.WARNING, "txpool: dropping a handed-over transaction that failed to resubmit", e);
            }
        }
        synchronized (lock) {
            return !queue.isEmpty();
        }
    }

    /** Fills the queue from the record if it is empty and the record may hold something; whether work waits. */
    private boolean load() {
        synchronized (lock) {
            if (!queue.isEmpty()) {
                return true;
            }
            if (!look) {
                return false;
            }
            look = false;
            List<byte[]> saved = read();
            if (saved == null) {
                return false;
            }
            queue.addAll(saved);
            fromRecord = true;
            return true;
        }
    }

    /** The record's transactions, or null if there is none or it cannot be read now (then looked at later). */
    private List<byte[]> read() {
        byte[] saved;
        try {
            saved = records.get(OWNER, NAME);
        } catch (NotReadyException e) {
            look = true; // no storage at the moment: try again
            return null;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: cannot read the pending transactions handed over", e);
            return null;
        }
        if (saved == null) {
            return null;
        }
        try {
            return EncodedTransactions.decode(saved, OWNER + "/" + NAME);
        } catch (MalformedDataException e) {
            LOG.log(Level.WARNING, "txpool: dropping unreadable pending transactions handed over: " + e.getMessage());
            fromRecord = true; // delete it with the next finish
            return List.of();
        }
    }

    private void count(boolean ok) {
        synchronized (lock) {
            if (ok) {
                admitted++;
            } else {
                dropped++;
            }
        }
    }

    /** The queue is empty: delete the record it came from and say what was taken back. Caller holds lock. */
    private void finish() {
        if (fromRecord) {
            try {
                records.delete(OWNER, NAME);
                fromRecord = false;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "txpool: cannot delete the handed-over pending transactions", e);
            }
        }
        if (admitted + dropped > 0) {
            LOG.log(Level.INFO, "txpool: resubmitted " + admitted + " pending transactions handed over, " + dropped
                    + " no longer valid");
            admitted = 0;
            dropped = 0;
        }
    }

    /**
     * Writes what this instance still holds for the next one: what it had not taken back yet, then its pending
     * transactions. A record it never read (it was never ready) is kept in front, so nothing handed to it is lost.
     */
    void save(List<byte[]> pending) {
        List<byte[]> keep;
        synchronized (lock) {
            keep = new ArrayList<>(queue);
            queue.clear();
            if (!fromRecord && look) {
                List<byte[]> unread = read();
                if (unread != null) {
                    keep.addAll(0, unread);
                }
            }
        }
        keep.addAll(pending);
        if (keep.isEmpty()) {
            return;
        }
        try {
            records.put(OWNER, NAME, EncodedTransactions.encode(keep));
            LOG.log(Level.INFO, "txpool: handed over " + keep.size() + " pending transactions");
        } catch (NotReadyException e) {
            LOG.log(Level.WARNING, "txpool: no storage to hand over " + keep.size()
                    + " pending transactions; they are dropped and must be resent");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: cannot hand over " + keep.size() + " pending transactions", e);
        }
    }
}
