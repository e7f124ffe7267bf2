package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.TxRejectedException.Reason;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Transfers at a fixed offered rate for as long as it is told, with commits watched by block: the load
 * kept up while a node's engines are upgraded. Transfers are signed ahead by a signer thread into one
 * bounded queue per connection; the queues are filled before the clock starts, then topped up as they
 * drain, so signing costs this machine the same all through the run. Each connection owns a fixed set
 * of accounts and sends them nonce by nonce, so an account's transfers never overtake each other; a
 * transfer the node turns away for a passing reason (pool full, not ready, RPC restarting) is sent
 * again before the next one, so an upgrade costs time, never a nonce gap.
 */
final class PacedLoad {
    /** What a connection's queue holds after the last round: the supply is spent. */
    private static final List<String> END = List.of();
    private static final Duration GIVE_UP = Duration.ofSeconds(60);
    private static final Duration DRAIN = Duration.ofSeconds(30);
    private static final int MAX_RECEIPT_CHECKS = 20_000;

    private final NodeRpc rpc;
    private final CryptoSuite suite;
    private final long chainId;
    private final byte[][] keys;
    private final byte[][] pubs;
    private final long rounds;
    private final int rate;
    private final int batch;
    private final int connections;
    private final long prefillRounds;
    private final PrintStream log;

    private final List<BlockingQueue<List<String>>> queues = new ArrayList<>();
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> rejected = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final BlockTimeline timeline = new BlockTimeline();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder alreadyKnown = new LongAdder();
    private final LongAdder resent = new LongAdder();
    private final LongAdder transportErrors = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder committedBeforeAnswer = new LongAdder();
    private final LongAdder starvedNanos = new LongAdder();
    private final AtomicLong signedRounds = new AtomicLong();
    private final CountDownLatch prefilled = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    /** How long {@link #stop} waits for accepted transfers to show up in blocks; shortened by tests. */
    Duration drain = DRAIN;
    private volatile boolean sending = true;
    private volatile boolean watching = true;
    private volatile boolean exhausted;
    private volatile String phase = "warmup";
    private volatile Throwable failure;
    private long startBlock;

    /**
     * @param rounds transfers per account over the whole run (each account is funded for them)
     * @param prefillRounds rounds signed before {@link #start}; the rest are signed as the queues drain
     */
    PacedLoad(NodeRpc rpc, CryptoSuite suite, long chainId, byte[][] keys, byte[][] pubs, long rounds, int rate,
            int batch, int connections, long prefillRounds, PrintStream log) {
        if (rate < 1 || batch < 1 || connections < 1 || rounds < 1 || keys.length < connections) {
            throw new IllegalArgumentException("rate, batch, connections and rounds must be positive and accounts >= connections");
        }
        this.rpc = rpc;
        this.suite = suite;
        this.chainId = chainId;
        this.keys = keys;
        this.pubs = pubs;
        this.rounds = rounds;
        this.rate = rate;
        this.batch = batch;
        this.connections = connections;
        this.prefillRounds = Math.min(rounds, Math.max(1, prefillRounds));
        this.log = log;
        int batchesPerRound = (keys.length / connections + 1 + batch - 1) / batch;
        int capacity = (int) Math.min(Integer.MAX_VALUE - 1, this.prefillRounds * batchesPerRound + 1);
        for (int c = 0; c < connections; c++) {
            queues.add(new ArrayBlockingQueue<>(capacity));
        }
    }

    /** Signs the first rounds on every core and returns once they are queued. */
    void prefill() throws InterruptedException {
        Thread signer = daemon("bench-signer", this::sign);
        signer.setPriority(Thread.NORM_PRIORITY - 1);
        signer.start();
        while (!prefilled.await(200, TimeUnit.MILLISECONDS)) {
            if (failure != null) {
                throw new IllegalStateException("signing failed: " + failure, failure);
            }
        }
    }

    /** Starts the senders and the block watcher; blocks produced from now on are counted. */
    void start() throws IOException, InterruptedException {
        startBlock = rpc.call("getBlockNumber").asLong();
        long t0 = System.nanoTime();
        long nanosPerTx = Math.max(1, connections * 1_000_000_000L / rate);
        for (int c = 0; c < connections; c++) {
            BlockingQueue<List<String>> q = queues.get(c);
            daemon("bench-sender-" + c, () -> send(q, t0, nanosPerTx)).start();
        }
        daemon("bench-watcher", this::watch).start();
    }

    /** Names the stretch that commit latencies observed from now on belong to. */
    void phase(String name) {
        this.phase = name;
    }

    /** Stops sending, waits (bounded) for what was accepted to commit, then stops watching and signing. */
    void stop() throws InterruptedException {
        sending = false;
        for (Thread t : threads) {
            if (t.getName().startsWith("bench-sender")) {
                t.join(GIVE_UP.toMillis() + 5000);
            }
        }
        long deadline = System.nanoTime() + drain.toNanos();
        while (!sentAt.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000);
        }
        watching = false;
        for (Thread t : threads) {
            t.interrupt();
            t.join(5000);
        }
        settleLeftovers();
    }

    /**
     * A transfer can be sealed before the answer to its batch reaches the sender, and the watcher then sees
     * it in a block before the sender has recorded it: ask the node for the receipts of what is left, so that
     * only transfers the node really has not committed count as uncommitted.
     */
    private void settleLeftovers() {
        List<String> left = new ArrayList<>(sentAt.keySet());
        for (int i = 0; i < Math.min(left.size(), MAX_RECEIPT_CHECKS); i += 200) {
            List<String> chunk = left.subList(i, Math.min(left.size(), Math.min(i + 200, MAX_RECEIPT_CHECKS)));
            try {
                JsonNode[] receipts = rpc.callEach("getTransactionReceipt", chunk);
                for (int k = 0; k < receipts.length; k++) {
                    if (receipts[k] != null && !receipts[k].isNull()) {
                        sentAt.remove(chunk.get(k));
                        committedBeforeAnswer.increment();
                    }
                }
            } catch (IOException e) {
                log.println("bench: could not check receipts of uncommitted transfers: " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    BlockTimeline timeline() {
        return timeline;
    }

    long startBlock() {
        return startBlock;
    }

    /** Whether the signed supply ran out before {@link #stop} (the run outlasted what was funded). */
    boolean exhausted() {
        return exhausted;
    }

    Throwable failure() {
        return failure;
    }

    long signedRounds() {
        return signedRounds.get();
    }

    /** Totals over the run, for the report. */
    Map<String, Object> totals() {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("offeredRatePerSecond", rate);
        r.put("accepted", accepted.sum());
        r.put("alreadyKnownOnResend", alreadyKnown.sum());
        r.put("resent", resent.sum());
        r.put("transportErrors", transportErrors.sum());
        r.put("abandoned", abandoned.sum());
        Map<String, Long> byCode = new TreeMap<>();
        rejected.forEach((k, v) -> byCode.put(Integer.toString(k), v.sum()));
        r.put("rejectedByCode", byCode);
        r.put("uncommittedAfterDrain", sentAt.size());
        r.put("committedBeforeTheirAnswer", committedBeforeAnswer.sum());
        r.put("senderStarvedMs", starvedNanos.sum() / 1_000_000);
        r.put("supplyExhausted", exhausted);
        r.put("blocks", timeline.blocks());
        return r;
    }

    /** Commit latency p50/p99/max (ms) of the transfers seen committed during a phase. */
    Map<String, Object> latency(String phaseName) {
        Histogram h = latency.get(phaseName);
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        if (h == null || h.getTotalCount() == 0) {
            return r;
        }
        r.put("p50", h.getValueAtPercentile(50) / 1000.0);
        r.put("p99", h.getValueAtPercentile(99) / 1000.0);
        r.put("max", h.getMaxValue() / 1000.0);
        r.put("count", h.getTotalCount());
        return r;
    }

    // ---- signer

    private void sign() {
        int cores = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(cores, r -> {
            Thread t = new Thread(r, "bench-prefill");
            t.setDaemon(true);
            return t;
        });
        try {
            Address[] to = new Address[pubs.length];
            for (int a = 0; a < pubs.length; a++) {
                to[a] = suite.address(pubs[(a + 1) % pubs.length]);
            }
            String[] round = new String[pubs.length];
            for (long n = 0; n < rounds; n++) {
                long nonce = n;
                if (n < prefillRounds) {
                    // Before the clock: every core. After: this one thread, at the rate the queues drain.
                    List<Future<?>> jobs = new ArrayList<>();
                    for (int t = 0; t < cores; t++) {
                        int from = t;
                        jobs.add(pool.submit(() -> {
                            for (int a = from; a < pubs.length; a += cores) {
                                round[a] = signed(nonce, a, to[a]);
                            }
                        }));
                    }
                    for (Future<?> f : jobs) {
                        f.get();
                    }
                } else {
                    pool.shutdown();
                    for (int a = 0; a < pubs.length; a++) {
                        round[a] = signed(nonce, a, to[a]);
                    }
                }
                for (int c = 0; c < connections; c++) {
                    List<String> slice = new ArrayList<>(batch);
                    for (int a = c; a < pubs.length; a += connections) {
                        slice.add(round[a]);
                        if (slice.size() == batch) {
                            queues.get(c).put(slice);
                            slice = new ArrayList<>(batch);
                        }
                    }
                    if (!slice.isEmpty()) {
                        queues.get(c).put(slice);
                    }
                }
                if (signedRounds.incrementAndGet() == prefillRounds) {
                    prefilled.countDown();
                }
            }
            for (BlockingQueue<List<String>> q : queues) {
                q.put(END);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure = e;
            log.println("bench: signer failed: " + e);
        } finally {
            pool.shutdownNow();
            prefilled.countDown();
        }
    }

    private String signed(long nonce, int account, Address to) {
        return Bytes.toHex(NodeRpc.sign(suite, chainId, nonce, to, BigInteger.ONE, keys[account], pubs[account]).encoded());
    }

    // ---- senders

    private void send(BlockingQueue<List<String>> queue, long t0, long nanosPerTx) {
        long sent = 0;
        try {
            while (sending) {
                long waitStart = System.nanoTime();
                List<String> txs = queue.poll(100, TimeUnit.MILLISECONDS);
                if (txs == null) {
                    starvedNanos.add(System.nanoTime() - waitStart);
                    continue;
                }
                if (txs == END) {
                    exhausted = true;
                    return;
                }
                long due = t0 + sent * nanosPerTx;
                for (long now; (now = System.nanoTime()) < due && sending; ) {
                    LockSupport.parkNanos(Math.min(due - now, 50_000_000));
                }
                if (!sending) {
                    return;
                }
                deliver(txs);
                sent += txs.size();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
            log.println("bench: sender failed: " + e);
        }
    }

    /** Sends until every transfer is accepted, known already, or turned away for good. */
    private void deliver(List<String> txs) throws InterruptedException {
        long t = System.nanoTime();
        long giveUp = t + GIVE_UP.toNanos();
        List<String> pending = txs;
        int lastCode = 0;
        while (!pending.isEmpty()) {
            if (System.nanoTime() > giveUp) {
                abandoned.add(pending.size());
                rejected.computeIfAbsent(lastCode, c -> new LongAdder()).add(pending.size());
                return;
            }
            JsonNode[] answers;
            try {
                answers = rpc.sendTransactions(pending);
            } catch (IOException e) {
                // The RPC engine itself may be restarting: its port is closed for a moment.
                transportErrors.increment();
                LockSupport.parkNanos(20_000_000);
                continue;
            }
            List<String> again = new ArrayList<>();
            for (int i = 0; i < answers.length; i++) {
                JsonNode r = answers[i];
                if (r.has("result")) {
                    sentAt.put(r.get("result").asText(), t);
                    accepted.increment();
                    continue;
                }
                int code = r.path("error").path("code").asInt();
                if (code == Reason.DUPLICATE.code || code == Reason.NONCE_REPLAYED.code) {
                    // Accepted by an attempt whose answer was lost (the connection dropped).
                    alreadyKnown.increment();
                } else if (code == Reason.POOL_FULL.code || code == Reason.NOT_READY.code
                        || code == Reason.NONCE_TOO_HIGH.code) {
                    again.add(pending.get(i));
                    lastCode = code;
                } else {
                    rejected.computeIfAbsent(code, c -> new LongAdder()).increment();
                }
            }
            if (!again.isEmpty()) {
                resent.add(again.size());
                LockSupport.parkNanos(20_000_000);
            }
            pending = again;
        }
    }

    // ---- watcher

    private void watch() {
        long next = startBlock + 1;
        while (watching) {
            try {
                long head = rpc.call("getBlockNumber").asLong();
                while (next <= head && watching) {
                    JsonNode block = rpc.call("getBlockByNumber", next, false);
                    long now = System.nanoTime();
                    JsonNode hashes = block.get("transactions");
                    timeline.add(block.get("timestamp").asLong(), hashes.size());
                    Histogram h = latency.computeIfAbsent(phase, p -> new Histogram(3_600_000_000L, 3));
                    for (JsonNode hash : hashes) {
                        Long sent = sentAt.remove(hash.asText());
                        if (sent != null) {
                            h.recordValue(Math.max(0, (now - sent) / 1000));
                        }
                    }
                    next++;
                }
                LockSupport.parkNanos(10_000_000);
            } catch (IOException e) {
                // the RPC engine restarting: try again shortly
                LockSupport.parkNanos(50_000_000);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                failure = e;
                log.println("bench: watcher failed: " + e);
                return;
            }
        }
    }

    private Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        return t;
    }
}
