package io.cairn.txpool.internal;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.network.Network;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Spreads admitted transactions to the other nodes on topic {@value #TOPIC}, so that a transaction sent to
 * any node reaches the leader. Outgoing transactions are batched (for {@value #BATCH_MS} ms or
 * {@value #BATCH_TXS} transactions): one message is {@code u32 count | count x bytes tx} (each tx
 * u32-length-prefixed, canonical transaction encoding). Incoming batches are admitted locally on a
 * gossip thread, never re-broadcast, so each transaction crosses each link once and is verified once per node.
 */
final class TransactionGossip {
    static final String TOPIC = "tx";
    static final int BATCH_TXS = 200;
    static final long BATCH_MS = 5;
    private static final int OUT_QUEUE = 100_000;
    static final int IN_QUEUE = 1024;
    private static final System.Logger LOG = System.getLogger(TransactionGossip.class.getName());

    private final Supplier<Network> network;
    private final Consumer<byte[]> admit;
    private final BlockingQueue<byte[]> out = new ArrayBlockingQueue<>(OUT_QUEUE);
    private final BlockingQueue<List<byte[]>> in = new ArrayBlockingQueue<>(IN_QUEUE);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Object lifecycle = new Object();
    private Thread sender; // guarded by lifecycle
    private final List<Thread> receivers = new ArrayList<>(); // guarded by lifecycle
    private final AtomicLong droppedIn = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param admit submits one received transaction locally, without gossiping it again
     */
    TransactionGossip(Supplier<Network> network, Consumer<byte[]> admit) {
        this.network = network;
        this.admit = admit;
    }

    /** Queues an admitted transaction for the next batch; no-op without a network. */
    void offer(byte[] encoded) {
        if (closed || network.get() == null) {
            return;
        }
        if (!out.offer(encoded)) {
            dropped.incrementAndGet(); // the local pool has it; the leader may see it later from here
            return;
        }
        ensureThreads();
    }

    /** Called on a network thread: decode (cheap) and hand verification to the gossip thread. */
    void onMessage(String peerId, byte[] payload) {
        List<byte[]> txs;
        try {
            txs = decode(payload);
        } catch (MalformedDataException e) {
            LOG.log(Level.DEBUG, () -> "txpool: ignoring a malformed gossip batch from " + peerId + ": " + e.getMessage());
            return;
        }
        if (closed) {
            return;
        }
        ensureThreads();
        if (!in.offer(txs)) {
            // Never verify here: this is the network's I/O thread, and consensus messages wait behind it.
            // Dropping gossip loses nothing: the node that accepted these transactions keeps them and
            // proposes them when it leads, and a proposal's unseen transactions are verified then.
            droppedIn.addAndGet(txs.size());
        }
    }

    static byte[] encode(List<byte[]> txs) {
        return EncodedTransactions.encode(txs);
    }

    static List<byte[]> decode(byte[] payload) {
        return EncodedTransactions.decode(payload, "transaction gossip");
    }

    private void ensureThreads() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            if (sender == null) {
                sender = start(this::sendLoop, "cairn-txpool-gossip-out");
            }
            if (receivers.isEmpty()) {
                // signature checks of gossiped transactions run in parallel, one thread per core
                for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                    receivers.add(start(this::receiveLoop, "cairn-txpool-gossip-in-" + i));
                }
            }
        }
    }

    private static Thread start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
        return t;
    }

    private void sendLoop() {
        List<byte[]> batch = new ArrayList<>(BATCH_TXS);
        while (!closed) {
            try {
                byte[] first = out.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BATCH_MS);
                while (batch.size() < BATCH_TXS) {
                    long left = until - System.nanoTime();
                    byte[] next = left > 0 ? out.poll(left, TimeUnit.NANOSECONDS) : out.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                flush(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "txpool: gossiping a batch failed", e);
            }
            batch.clear();
        }
    }

    private void flush(List<byte[]> batch) {
        Network net = network.get();
        if (net == null) {
            dropped.addAndGet(batch.size());
            return;
        }
        int max = net.maxPayload();
        byte[] payload = encode(batch);
        if (payload.length > max && batch.size() > 1) {
            int half = batch.size() / 2;
            flush(new ArrayList<>(batch.subList(0, half)));
            flush(new ArrayList<>(batch.subList(half, batch.size())));
            return;
        }
        net.broadcast(TOPIC, payload);
        sent.addAndGet(batch.size());
    }

    private void receiveLoop() {
        while (!closed) {
            try {
                List<byte[]> txs = in.poll(100, TimeUnit.MILLISECONDS);
                if (txs != null) {
                    admitAll(txs);
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "txpool: admitting gossiped transactions failed", e);
            }
        }
    }

    private void admitAll(List<byte[]> txs) {
        for (byte[] t : txs) {
            admit.accept(t);
            received.incrementAndGet();
        }
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

    void close() {
        List<Thread> threads = new ArrayList<>();
        synchronized (lifecycle) {
            closed = true;
            if (sender != null) {
                threads.add(sender);
            }
            threads.addAll(receivers);
        }
        for (Thread t : threads) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
