package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Load generator: funds fresh accounts from a genesis account, signs every transfer before the
 * clock starts, sends them in JSON-RPC batches (one transaction per account per batch, so nonces
 * arrive in order), watches blocks for commits, and measures this machine's verification bound.
 */
public final class Bench {
    /** What to run. */
    public record Settings(URI rpc, byte[] funderKey, int accounts, int batch, int connections, Duration warmup,
            Duration duration, Duration verifyFor, Path out, List<URI> targets, List<Profile.Target> profile) {}

    private static final ObjectMapper JSON = NodeRpc.JSON;

    private final Settings settings;
    private final NodeRpc rpc;
    /** Where the load goes: connection c sends to node c mod n, so a chain is loaded through all its nodes. */
    private final List<NodeRpc> targets;
    private final java.io.PrintStream log;

    public Bench(Settings settings, java.io.PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.rpc = new NodeRpc(settings.rpc());
        this.targets = settings.targets().stream().map(NodeRpc::new).toList();
    }

    public Map<String, Object> run() throws Exception {
        JsonNode info = call("getNodeInfo");
        Profile profile = settings.profile().isEmpty() ? null
                : new Profile(settings.profile(), settings.out(), log);
        if (profile != null) {
            // JFR's start compiles for seconds in a JVM that never recorded: let that happen while the bench funds
            // and signs, not in the measured window (it showed as a third of a core of JIT there)
            profile.startRecordings();
        }
        long chainId = info.get("chainId").asLong();
        CryptoSuite suite = io.cairn.crypto.Suites.byName(info.get("suite").asText());
        int threads = Runtime.getRuntime().availableProcessors();
        int nAccounts = settings.accounts();
        String ledger = info.path("ledger").asText("account");
        long perAccount = Math.max(1, estimateTransactions(BenchLedger.of(ledger, suite, chainId, new byte[0][],
                new byte[0][], settings.connections())) / nAccounts);
        log.printf("bench: %s %s chain %d, %d accounts x %d transfers, batches of %d over %d connections%n",
                suite.name(), info.path("ledger").asText("account"), chainId, nAccounts, perAccount, settings.batch(), settings.connections());

        byte[][] keys = new byte[nAccounts][];
        byte[][] pubs = new byte[nAccounts][];
        for (int i = 0; i < nAccounts; i++) {
            CryptoSuite.KeyPair kp = suite.generateKeyPair();
            keys[i] = kp.privateKey();
            pubs[i] = kp.publicKey();
        }
        BenchLedger model = BenchLedger.of(ledger, suite, chainId, keys, pubs, settings.connections());
        model.fund(rpc, settings.funderKey(), BigInteger.valueOf(perAccount * 2 + 10), log);

        // Sign everything before the clock starts: signing costs as much as verifying.
        long signStart = System.nanoTime();
        String[][] signed = new String[nAccounts][(int) perAccount];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> jobs = new ArrayList<>();
        List<int[]> groups = model.groups();
        for (int t = 0; t < threads; t++) {
            int from = t;
            jobs.add(pool.submit(() -> {
                for (int g = from; g < groups.size(); g += threads) {
                    // the chains of a group depend on each other's transactions: signed together, in order
                    for (int n = 0; n < perAccount; n++) {
                        for (int a : groups.get(g)) {
                            signed[a][n] = Bytes.toHex(model.sign(a, n).encoded());
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : jobs) {
            f.get();
        }
        pool.shutdown();
        log.printf("bench: signed %d transfers in %.1f s%n", (long) nAccounts * perAccount,
                (System.nanoTime() - signStart) / 1e9);

        // Measured before the load, while the nodes idle: afterwards they are still busy committing.
        double bound = verificationBound(suite, signed, keys, pubs, chainId);
        Load load = new Load(signed, profile);
        Map<String, Object> loadResult = load.run();
        JsonNode after = call("getNodeInfo");

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("time", Instant.now().toString());
        report.put("suite", suite.name());
        report.put("ledger", ledger);
        report.put("verifiedBy", suite.toString());
        report.put("chainId", chainId);
        report.put("cores", threads);
        report.put("accounts", nAccounts);
        report.put("batch", settings.batch());
        report.put("connections", settings.connections());
        report.put("nodes", settings.targets().size());
        report.put("durationSeconds", settings.duration().toMillis() / 1000.0);
        report.putAll(loadResult);
        report.put("verifyBoundPerSecond", Math.round(bound));
        // Every node of a chain on this machine verifies every transaction once: n nodes share the bound.
        double chainBound = bound / settings.targets().size();
        if (settings.targets().size() > 1) {
            report.put("chainVerifyBoundPerSecond", Math.round(chainBound));
        }
        double tps = ((Number) loadResult.get("committedTps")).doubleValue();
        report.put("ratioToBound", Math.round(tps / chainBound * 1000) / 1000.0);
        if (after.has("memory")) {
            report.put("nodeMemory", JSON.convertValue(after.get("memory"), Map.class));
        }
        if (profile != null) {
            report.put("profile", profile.report(((Number) loadResult.get("committedInWindow")).longValue()));
        }
        write(report);
        return report;
    }

    private long estimateTransactions(BenchLedger model) {
        // Enough for what a node or a local chain can take of the model's load over the whole run; the load stops
        // at the deadline regardless. Signing costs about as much as verifying, before the clock.
        long perSecond = model.perSecondCeiling(settings.targets().size() > 1);
        return Math.max(1000, perSecond * Math.max(1, settings.warmup().plus(settings.duration()).toSeconds()));
    }

    static Envelope sign(CryptoSuite suite, long chainId, long nonce, Address to, BigInteger value, byte[] key,
            byte[] pub) {
        return NodeRpc.sign(suite, chainId, nonce, to, value, key, pub);
    }

    /** JSON-RPC code of POOL_FULL: the node is busy, the client should send again a little later. */
    static final int POOL_FULL = io.cairn.api.node.TxRejectedException.Reason.POOL_FULL.code;

    /** One JSON-RPC batch of sendTransaction calls: the answers in the order of the transactions. */
    @FunctionalInterface
    interface BatchSender {
        JsonNode[] send(List<String> txs) throws IOException, InterruptedException;
    }

    /**
     * A well-behaved client's sending: what the node refuses as busy (POOL_FULL, its admission control)
     * is sent again after a pause, until accepted or the deadline. The pause is kept per connection and
     * adapts (doubles on a busy answer up to {@value #MAX_BACKOFF_MS} ms, halves when a batch goes through
     * whole), so a client does not hammer a busy node with requests it must parse and refuse.
     */
    static final class BusyRetry {
        static final long MIN_BACKOFF_MS = 5;
        static final long MAX_BACKOFF_MS = 200;
        private long backoffMs = MIN_BACKOFF_MS;
        final LongAdder busy = new LongAdder();

        /**
         * Returns accepted hashes with the time of the accepted attempt and of the first ({@code nanoTime}),
         * and hands each to {@code onAccepted} as soon as its attempt is answered: while the busy rest is
         * resent, the accepted part may already be committed. Counts other rejections by code in
         * {@code rejected} (or throws when it is null).
         */
        List<Accepted> send(BatchSender to, List<String> txs, Map<Integer, LongAdder> rejected, long deadline,
                java.util.function.Consumer<Accepted> onAccepted) throws IOException, InterruptedException {
            List<Accepted> ok = new ArrayList<>(txs.size());
            List<String> todo = txs;
            long first = System.nanoTime();
            while (true) {
                List<String> again = new ArrayList<>();
                long attempt = System.nanoTime();
                JsonNode[] answers = to.send(todo);
                for (int i = 0; i < answers.length; i++) {
                    JsonNode r = answers[i];
                    int code = r.path("error").path("code").asInt();
                    if (r.has("result")) {
                        Accepted a = new Accepted(r.get("result").asText(), attempt, first);
                        onAccepted.accept(a);
                        ok.add(a);
                    } else if (code == POOL_FULL) {
                        busy.increment();
                        again.add(todo.get(i));
                    } else if (rejected != null) {
                        rejected.computeIfAbsent(code, c -> new LongAdder()).increment();
                    } else {
                        throw new IOException("transaction rejected: " + r.path("error"));
                    }
                }
                if (again.isEmpty()) {
                    backoffMs = Math.max(MIN_BACKOFF_MS, backoffMs / 2);
                    return ok;
                }
                if (System.nanoTime() - deadline >= 0) {
                    return ok;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(backoffMs * 1_000_000);
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                todo = again;
            }
        }
    }

    /** An accepted transaction: when the accepted attempt and the first attempt were sent ({@code nanoTime}). */
    record Accepted(String hash, long acceptedAttempt, long firstAttempt) {}

    JsonNode call(String method, Object... params) throws IOException, InterruptedException {
        return rpc.call(method, params);
    }

    /** The load phase: senders push batches until the deadline; a watcher records commits. */
    private final class Load {
        private final String[][] signed;
        private final Map<Integer, LongAdder> rejected = new ConcurrentHashMap<>();
        /** Accepted, not yet committed: when the accepted attempt was sent, and the first attempt. */
        private final Map<String, long[]> sentAt = new ConcurrentHashMap<>();
        /**
         * Seen in a block before its sender had processed the node's answer (a large batch's first
         * transactions can commit while the answer is still being read): hash to when it was seen.
         */
        private final Map<String, Long> committedFirst = new HashMap<>();
        private final Object matching = new Object();

        /** A sender's accepted transaction: wait for its block, or count it now if the block came first. */
        void accepted(Accepted x, long start, long deadline) {
            long[] sent = {x.acceptedAttempt(), x.firstAttempt()};
            Long seen;
            synchronized (matching) {
                seen = committedFirst.remove(x.hash());
                if (seen == null) {
                    sentAt.put(x.hash(), sent);
                    return;
                }
            }
            record(sent, seen, start, deadline);
        }

        /** The watcher saw {@code hash} in a block at {@code now}. */
        void committed(String hash, long now, long start, long deadline) {
            long[] sent;
            synchronized (matching) {
                sent = sentAt.remove(hash);
                if (sent == null) {
                    committedFirst.put(hash, now);
                    return;
                }
            }
            record(sent, now, start, deadline);
        }

        /** Histograms are not thread-safe: senders and the watcher both record, under the lock. */
        private void record(long[] sent, long now, long start, long deadline) {
            if (now - start >= 0 && now <= deadline) {
                committedInWindow.incrementAndGet(); // whenever it was sent
            }
            if (sent[1] - start >= 0) { // latency of what was sent after the warm-up
                synchronized (matching) {
                    latency.recordValue(Math.max(0, (now - sent[0]) / 1000));
                    latencyFromFirstAttempt.recordValue(Math.max(0, (now - sent[1]) / 1000));
                }
            }
        }
        private final LongAdder accepted = new LongAdder();
        private final LongAdder busy = new LongAdder();
        private final LongAdder warmupAccepted = new LongAdder();
        private final AtomicLong committedInWindow = new AtomicLong();
        private final Histogram latency = new Histogram(3_600_000_000L, 3);
        private final Histogram latencyFromFirstAttempt = new Histogram(3_600_000_000L, 3);

        private final Profile profile;

        Load(String[][] signed, Profile profile) {
            this.signed = signed;
            this.profile = profile;
        }

        Map<String, Object> run() throws Exception {
            int conns = settings.connections();
            int nAccounts = signed.length;
            long startBlock = call("getBlockNumber").asLong();
            long start = System.nanoTime();
            // The JIT of a fresh node needs load to compile its hot paths: the first `warmup` is sent
            // but not measured.
            long measureFrom = start + settings.warmup().toNanos();
            long deadline = measureFrom + settings.duration().toNanos();
            java.util.concurrent.ScheduledExecutorService profiling = null;
            if (profile != null) {
                profiling = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "bench-profile");
                    t.setDaemon(true);
                    return t;
                });
                profiling.schedule(profile::windowStarts, measureFrom - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            ExecutorService senders = Executors.newFixedThreadPool(conns);
            List<Future<?>> jobs = new ArrayList<>();
            for (int c = 0; c < conns; c++) {
                int conn = c;
                jobs.add(senders.submit(() -> {
                    // This connection owns accounts conn, conn+conns, ...; each batch carries the next
                    // nonce of up to `batch` of them, so no account's transfers overtake each other.
                    List<Integer> mine = new ArrayList<>();
                    for (int a = conn; a < nAccounts; a += conns) {
                        mine.add(a);
                    }
                    int perAccount = signed[0].length;
                    BusyRetry retry = new BusyRetry();
                    NodeRpc target = targets.get(conn % targets.size());
                    for (int n = 0; n < perAccount && System.nanoTime() < deadline; n++) {
                        for (int off = 0; off < mine.size() && System.nanoTime() < deadline; off += settings.batch()) {
                            List<String> batch = new ArrayList<>();
                            for (int i = off; i < Math.min(mine.size(), off + settings.batch()); i++) {
                                batch.add(signed[mine.get(i)][n]);
                            }
                            List<Accepted> got = retry.send(target::sendTransactions, batch, rejected, deadline,
                                    x -> accepted(x, measureFrom, deadline));
                            (System.nanoTime() < measureFrom ? warmupAccepted : accepted).add(got.size());
                        }
                    }
                    busy.add(retry.busy.sum());
                    return null;
                }));
            }
            Timeline timeline = new Timeline(start);
            Watcher watcher = new Watcher(startBlock, measureFrom, deadline, timeline);
            Thread w = new Thread(watcher, "bench-watcher");
            w.setDaemon(true);
            w.start();
            for (Future<?> f : jobs) {
                f.get();
            }
            senders.shutdown();
            long sendEnd = System.nanoTime();
            if (profiling != null) {
                profiling.submit(profile::windowEnds).get(); // after windowStarts: one thread, in order
                profiling.shutdown();
            }
            // Let what was accepted commit (for latency), bounded.
            long drainDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!sentAt.isEmpty() && System.nanoTime() < drainDeadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            watcher.stop = true;
            w.join(5000);
            double window = Math.min(sendEnd, deadline) - measureFrom;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("warmupSeconds", settings.warmup().toMillis() / 1000.0);
            r.put("acceptedInWarmup", warmupAccepted.sum());
            r.put("accepted", accepted.sum());
            long rej = rejected.values().stream().mapToLong(LongAdder::sum).sum();
            r.put("rejected", rej);
            Map<String, Long> byCode = new HashMap<>();
            rejected.forEach((k, v) -> byCode.put(Integer.toString(k), v.sum()));
            r.put("rejectedByCode", byCode);
            r.put("busyAnswersResent", busy.sum());
            r.put("committedInWindow", committedInWindow.get());
            r.put("committedTps", Math.round(committedInWindow.get() / (window / 1e9) * 10) / 10.0);
            r.put("uncommittedAfterDrain", sentAt.size());
            // As Hyperledger Caliper counts it: from the submission the node accepted to the block that holds it.
            r.put("latencyMs", percentiles(latency));
            // What the client saw, push-back included: from its first attempt (earlier ones refused as busy).
            r.put("latencyFromFirstAttemptMs", percentiles(latencyFromFirstAttempt));
            r.put("blocks", watcher.blocks);
            // The first minute of a fresh node: how soon the load reached most of what it committed at the end.
            List<Long> perSecond = timeline.perSecond(sendEnd);
            r.put("steadyTps", Math.round(Timeline.steady(perSecond) * 10) / 10.0);
            java.util.OptionalInt reached = Timeline.secondsToReach(perSecond, 0.8);
            r.put("secondsTo80PercentOfSteady", reached.isPresent() ? reached.getAsInt() : "never");
            r.put("committedPerSecond", perSecond);
            return r;
        }

        /**
         * Watches the chain's head and reads the new blocks in one batch per look: asked one block per call, each
         * call waits behind the senders' batches at the node, and at tens of blocks a second the watcher fell
         * seconds behind, counting commits late (out of the window) and adding its lag to every latency.
         */
        private final class Watcher implements Runnable {
            static final int BLOCKS_PER_CALL = 256;
            final long start;
            final long deadline;
            long next;
            volatile boolean stop;
            long blocks;
            final Timeline timeline;

            /** @param start when measuring starts: transactions first sent earlier (warm-up) are not measured */
            Watcher(long startBlock, long start, long deadline, Timeline timeline) {
                this.next = startBlock + 1;
                this.start = start;
                this.deadline = deadline;
                this.timeline = timeline;
            }

            @Override
            public void run() {
                while (!stop) {
                    try {
                        // A block is final once any node holds it with its seals: watch the node furthest ahead
                        // (on a chain, the slowest node lags its quorum).
                        long head = -1;
                        NodeRpc from = rpc;
                        for (NodeRpc t : targets) {
                            long h = t.call("getBlockNumber").asLong();
                            if (h > head) {
                                head = h;
                                from = t;
                            }
                        }
                        while (next <= head) {
                            long to = Math.min(head, next + BLOCKS_PER_CALL - 1);
                            JsonNode[] got = from.blocks(next, to);
                            long now = System.nanoTime();
                            for (JsonNode block : got) {
                                if (now - start >= 0) {
                                    blocks++;
                                }
                                JsonNode txs = block.get("transactions");
                                timeline.committed(now, txs.size());
                                for (JsonNode h : txs) {
                                    committed(h.asText(), now, start, deadline);
                                }
                            }
                            next = to + 1;
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                    } catch (Exception e) {
                        log.println("bench: watcher: " + why(e));
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
                    }
                }
            }
        }
    }

    /**
     * What went wrong, in words: the exception's message, or its kind when it has none (the JDK's HTTP client throws
     * a ConnectException without one when a node does not answer), with its cause's.
     */
    public static String why(Throwable e) {
        String m = e.getMessage();
        String own = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        Throwable c = e.getCause();
        return c == null || c == e ? own : own + " (" + why(c) + ")";
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", h.getValueAtPercentile(50) / 1000.0);
        m.put("p99", h.getValueAtPercentile(99) / 1000.0);
        m.put("max", h.getMaxValue() / 1000.0);
        m.put("count", h.getTotalCount());
        return m;
    }

    /** Verifications per second on all cores, with the chain's suite, on real signed transactions. */
    private double verificationBound(CryptoSuite suite, String[][] signed, byte[][] keys, byte[][] pubs, long chainId)
            throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        List<byte[][]> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(256, signed.length); i++) {
            Envelope tx = Envelope.decode(Bytes.fromHex(signed[i][0]));
            samples.add(new byte[][] {suite.hash(tx.payload()), tx.signatures().get(0), tx.publicKeys().get(0)});
        }
        // Warm up the JIT first, as the node is warm.
        for (int i = 0; i < 3000; i++) {
            byte[][] s = samples.get(i % samples.size());
            suite.verify(s[0], s[1], s[2]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        LongAdder count = new LongAdder();
        long end = System.nanoTime() + settings.verifyFor().toNanos();
        long start = System.nanoTime();
        List<Future<?>> jobs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int off = t;
            jobs.add(pool.submit(() -> {
                int i = off;
                while (System.nanoTime() < end) {
                    byte[][] s = samples.get(i++ % samples.size());
                    if (!suite.verify(s[0], s[1], s[2])) {
                        throw new IllegalStateException("a signed transaction did not verify");
                    }
                    count.increment();
                }
                return null;
            }));
        }
        for (Future<?> f : jobs) {
            f.get();
        }
        pool.shutdown();
        return count.sum() / ((System.nanoTime() - start) / 1e9);
    }

    private void write(Map<String, Object> report) throws IOException {
        Files.createDirectories(settings.out());
        Path json = settings.out().resolve("bench.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
        StringBuilder md = new StringBuilder("# Cairn benchmark\n\n| metric | value |\n|---|---|\n");
        report.forEach((k, v) -> {
            if (!k.equals("profile")) {
                md.append("| ").append(k).append(" | ").append(v).append(" |\n");
            }
        });
        if (report.get("profile") instanceof Map<?, ?> profile) {
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) profile;
            md.append(Profile.markdown(p));
        }
        Files.writeString(settings.out().resolve("bench.md"), md);
        log.printf("bench: committed %.1f tx/s, p50 %s ms, p99 %s ms; verification bound %s/s (ratio %s); report %s%n",
                ((Number) report.get("committedTps")).doubleValue(), ((Map<?, ?>) report.get("latencyMs")).get("p50"),
                ((Map<?, ?>) report.get("latencyMs")).get("p99"), report.get("verifyBoundPerSecond"),
                report.get("ratioToBound"), json);
    }
}
