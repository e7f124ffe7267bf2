package io.cairn.txpool.internal;

import static io.cairn.api.node.TxRejectedException.Reason.DUPLICATE;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.network.Network;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.runtime.NodeThreads;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Spreads admitted transactions to the other nodes on topic {@value #TOPIC}, so that a transaction sent to
 * any node reaches the leader. Outgoing transactions are batched (for {@value #BATCH_MS} ms or
 * {@value #BATCH_TXS} transactions) by the pool's loop: one message is {@code u32 count | count x bytes tx}
 * (each tx u32-length-prefixed, canonical transaction encoding). Incoming batches are admitted locally on the
 * node's compute pool, never on the network thread and never re-broadcast, so each transaction crosses each
 * link once and is verified once per node. A peer that gossips what no honest node sends (an undecodable
 * batch, a transaction that is malformed, another chain's or wrongly signed) is reported to the peer
 * reputation, and what a banned peer gossips is ignored.
 */
final class TransactionGossip {
    static final String TOPIC = "tx";
    static final int BATCH_TXS = 200;
    static final long BATCH_MS = 5;
    private static final int OUT_QUEUE = 100_000;
    /** Batches waiting for verification; more are dropped. */
    static final int IN_QUEUE = 1024;
    /** Transactions one compute task admits before it lets other work in. */
    static final int SLICE = 32;
    static final String REPORTER = "txpool";
    /** Put in the outgoing queue to make the loop look at other work now; never sent. */
    private static final byte[] WAKE = new byte[0];
    private static final System.Logger LOG = System.getLogger(TransactionGossip.class.getName());

    /** Admits one received transaction locally, without gossiping it again. */
    interface Admit {
        void admit(byte[] encoded) throws TxRejectedException;

        /** Starts the model's checks of a received batch together, before its transactions are admitted. */
        default void prepare(List<byte[]> encoded) {}
    }

    private final Supplier<Network> network;
    private final Admit admit;
    private final NodeThreads threads;
    private final PeerReputation reputation;
    private final BlockingQueue<byte[]> out = new ArrayBlockingQueue<>(OUT_QUEUE);
    private final BlockingQueue<Batch> in = new ArrayBlockingQueue<>(IN_QUEUE);
    /** Compute tasks draining {@link #in}: at most the pool's parallelism. */
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedIn = new AtomicLong();
    private volatile boolean closed;

    TransactionGossip(Supplier<Network> network, Admit admit, NodeThreads threads, PeerReputation reputation) {
        this.network = network;
        this.admit = admit;
        this.threads = threads;
        this.reputation = reputation;
    }

    /** Queues an admitted transaction for the next batch; no-op without a network. */
    void offer(byte[] encoded) {
        if (closed || network.get() == null) {
            return;
        }
        if (!out.offer(encoded)) {
            dropped.incrementAndGet(); // the local pool has it; the leader may see it later from here
        }
    }

    /** Makes a waiting {@link #sendBatch} return now. */
    void wake() {
        out.offer(WAKE);
    }

    /**
     * Sends the next batch: waits up to {@code waitNanos} for a first transaction, then up to {@value #BATCH_MS}
     * ms for more. Returns how many were sent.
     */
    int sendBatch(long waitNanos) throws InterruptedException {
        byte[] first = waitNanos > 0 ? out.poll(waitNanos, TimeUnit.NANOSECONDS) : out.poll();
        if (first == null || first == WAKE) {
            return 0;
        }
        List<byte[]> batch = new ArrayList<>(BATCH_TXS);
        batch.add(first);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BATCH_MS);
        while (batch.size() < BATCH_TXS) {
            long left = until - System.nanoTime();
            byte[] next = left > 0 ? out.poll(left, TimeUnit.NANOSECONDS) : out.poll();
            if (next == null) {
                break;
            }
            if (next != WAKE) {
                batch.add(next);
            }
        }
        try {
            flush(batch);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txpool: gossiping a batch failed", e);
        }
        return batch.size();
    }

    private void flush(List<byte[]> batch) {
        Network net = network.get();
        if (net == null) {
            dropped.addAndGet(batch.size());
            return;
        }
        byte[] payload = encode(batch);
        if (payload.length > net.maxPayload() && batch.size() > 1) {
            int half = batch.size() / 2;
            flush(batch.subList(0, half));
            flush(batch.subList(half, batch.size()));
            return;
        }
        net.broadcast(TOPIC, payload);
        sent.addAndGet(batch.size());
    }

    /** Called on a network thread: decode the framing (cheap) and hand verification to the compute pool. */
    void onMessage(String peerId, byte[] payload) {
        if (closed || reputation.isBanned(peerId)) {
            return;
        }
        List<byte[]> txs;
        try {
            txs = decode(payload);
        } catch (MalformedDataException e) {
            reputation.penalise(peerId, REPORTER, "sent an undecodable transaction gossip batch: " + e.getMessage());
            return;
        }
        // Never verify here: this is the network's I/O thread, and consensus messages wait behind it.
        // Dropping gossip loses nothing: the node that accepted these transactions keeps them and
        // proposes them when it leads, and a proposal's unseen transactions are verified then.
        if (!in.offer(new Batch(peerId, txs))) {
            droppedIn.addAndGet(txs.size());
            return;
        }
        if (drainers.incrementAndGet() <= threads.parallelism()) {
            schedule(new Drain());
        } else {
            drainers.decrementAndGet(); // enough drain the queue already
        }
    }

    private void schedule(Drain d) {
        try {
            threads.compute().execute(d);
        } catch (RejectedExecutionException stopping) {
            drainers.decrementAndGet();
        }
    }

    /** A received batch and how far its admission got. */
    private static final class Batch {
        final String peerId;
        final List<byte[]> txs;
        int next;

        Batch(String peerId, List<byte[]> txs) {
            this.peerId = peerId;
            this.txs = txs;
        }
    }

    /**
     * Admits received batches, {@value #SLICE} transactions per compute task: between slices it goes to the back
     * of the compute pool's queue, so that other engines' work (a proposal's signatures) never waits behind a
     * burst of gossip for longer than one slice.
     */
    private final class Drain implements Runnable {
        private Batch current;

        @Override
        public void run() {
            if (current == null && (current = in.poll()) == null) {
                drainers.decrementAndGet();
                if (!in.isEmpty()) { // a batch arrived as this drain was leaving, perhaps finding no free drain
                    if (drainers.incrementAndGet() <= threads.parallelism()) {
                        schedule(this);
                    } else {
                        drainers.decrementAndGet();
                    }
                }
                return;
            }
            if (!admitSlice(current)) {
                current = null;
            }
            schedule(this);
        }
    }

    /** Admits the next slice of the batch; returns whether any of it is left. */
    private boolean admitSlice(Batch b) {
        if (b.next == 0 && !closed) {
            admit.prepare(b.txs); // the whole batch's proofs, say, checked together while its slices are admitted
        }
        int end = Math.min(b.txs.size(), b.next + SLICE);
        for (; b.next < end; b.next++) {
            if (closed || reputation.isBanned(b.peerId)) {
                return false;
            }
            received.incrementAndGet();
            try {
                admit.admit(b.txs.get(b.next));
            } catch (TxRejectedException e) {
                switch (e.reason()) {
                    case MALFORMED, WRONG_CHAIN, BAD_SIGNATURE -> {
                        // No honest node gossips these: it admitted each transaction it sends.
                        reputation.penalise(b.peerId, REPORTER, "gossiped transaction " + b.next + " of a batch that "
                                + "no node admits: " + e.getMessage());
                        return false;
                    }
                    default -> {
                        if (e.reason() != DUPLICATE) {
                            LOG.log(Level.DEBUG, () -> "txpool: a gossiped transaction was refused: " + e.getMessage());
                        }
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "txpool: admitting a gossiped transaction failed", e);
            }
        }
        return b.next < b.txs.size();
    }

    static byte[] encode(List<byte[]> txs) {
        return EncodedTransactions.encode(txs);
    }

    static List<byte[]> decode(byte[] payload) {
        return EncodedTransactions.decode(payload, "transaction gossip");
    }

    /** Transactions waiting to be sent. */
    int queued() {
        return out.size();
    }

    long sent() {
        return sent.get();
    }

    long received() {
        return received.get();
    }

    /** Gossiped transactions not admitted because the verification queue was full. */
    long droppedIn() {
        return droppedIn.get();
    }

    /** Stops taking and sending gossip; a compute task still draining finds it closed and drops the rest. */
    void close() {
        closed = true;
        out.clear();
        in.clear();
        wake();
    }
}
