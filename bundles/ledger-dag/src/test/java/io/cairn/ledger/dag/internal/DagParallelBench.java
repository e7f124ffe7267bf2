package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.WriteBatch;
import io.cairn.crypto.Suites;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Microbenchmark of block execution on 1 thread and on 2: a block of 10,000 independent transfers (sends from
 * distinct accounts, one wave), and a block of 5,000 sends with the 5,000 receives taking them (two waves). The
 * per-transaction work is the model's own: the account read, the writes and the secp256k1 suite's Keccak hashes and
 * LtHash expansions of every changed entry (the state root's work, which dominates). Signatures are left zero:
 * {@code apply} never checks them (the verifier did). The parent state is an in-memory map.
 *
 * <p>Warm-up (at least 15 s), then the 1- and 2-thread runs alternate (so that a background load falls on both);
 * each rep gets a fresh model (an empty expansion cache, as a new block's entries are new). Medians, and the median
 * of the per-rep ratios, go to {@code target/dag-bench.txt}. Run from the module directory after {@code install}
 * (docs/ledgers.md, "Performance"):
 *
 * <pre>
 * ../../mvnw -o -q dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$(cat target/test-classpath.txt) \
 *     io.cairn.ledger.dag.internal.DagParallelBench [transactions=10000] [warm-up reps=15] [measured reps=11]
 * </pre>
 */
public final class DagParallelBench {
    private static final long CHAIN = 1;
    private static final long WARM_UP_NANOS = 15_000_000_000L;

    private final CryptoSuite suite = Suites.byName("secp256k1");
    private final Map<ByteBuffer, byte[]> state = new HashMap<>();
    private final List<Address> accounts = new ArrayList<>();
    private final List<byte[]> keys = new ArrayList<>();

    private DagParallelBench(int n) {
        TreeMap<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            byte[] pub = suite.hash(ByteBuffer.allocate(4).putInt(i).array());
            pub = Arrays.copyOf(pub, 64);
            pub[63] = 1;
            keys.add(pub);
            accounts.add(suite.address(pub));
            alloc.put(accounts.get(i), BigInteger.valueOf(1_000_000));
        }
        WriteBatch g = new DagLedger(suite).genesis(new Genesis(CHAIN, suite.name(), "dag", 0, List.of(), alloc))
                .writes();
        for (WriteBatch.Op op : g.ops()) {
            state.put(ByteBuffer.wrap(op.key()), op.value());
        }
    }

    private byte[] get(byte[] key) {
        return state.get(ByteBuffer.wrap(key));
    }

    /** A transaction of account i, hashed by the suite, unsigned (apply reads no signature). */
    private VerifiedTransaction tx(int i, byte[] body) {
        byte[] payload = Envelope.payload(CHAIN, Envelope.DAG, body, List.of(keys.get(i)));
        Envelope e = Envelope.of(payload, List.of(new byte[64]));
        return new VerifiedTransaction(e, Hash.of(suite.hash(payload)), List.of(accounts.get(i)));
    }

    /** n sends, account i to account i+1: independent. */
    private List<VerifiedTransaction> transfers(int n) {
        List<VerifiedTransaction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(tx(i, DagBody.send(Hash.ZERO, accounts.get((i + 1) % n), BigInteger.valueOf(1 + i))));
        }
        return out;
    }

    /** n/2 sends, account i to account n/2+i, then the n/2 receives. */
    private List<VerifiedTransaction> pairs(int n) {
        int half = n / 2;
        List<VerifiedTransaction> out = new ArrayList<>(n);
        for (int i = 0; i < half; i++) {
            out.add(tx(i, DagBody.send(Hash.ZERO, accounts.get(half + i), BigInteger.valueOf(1 + i))));
        }
        for (int i = 0; i < half; i++) {
            out.add(tx(half + i, DagBody.receive(Hash.ZERO, out.get(i).hash())));
        }
        return out;
    }

    private long timeOnce(List<VerifiedTransaction> block, TestThreads.Fixed threads, Hash[] root) {
        DagLedger model = new DagLedger(suite); // a fresh expansion cache per rep
        StateView parent = this::get;
        long t0 = System.nanoTime();
        StateTransition t = model.applyInParallel(1, block, parent, threads, BlockRun.MIN_PARALLEL,
                BlockRun.PARTS_PER_THREAD);
        long ns = System.nanoTime() - t0;
        if (root[0] == null) {
            root[0] = t.stateRoot();
        } else if (!root[0].equals(t.stateRoot())) {
            throw new IllegalStateException("the schedules disagree: " + root[0] + " vs " + t.stateRoot());
        }
        return ns;
    }

    record Result(String scenario, int txs, double[] one, double[] two) {
        double median1() {
            return median(one);
        }

        double median2() {
            return median(two);
        }

        double speedup() {
            return median1() / median2();
        }

        /** The median of the per-rep ratios: each pair ran back to back, so a drift in speed hits both. */
        double pairedSpeedup() {
            double[] r = new double[one.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = one[i] / two[i];
            }
            return median(r);
        }
    }

    static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    Result measure(String scenario, List<VerifiedTransaction> block, int warmUp, int reps) {
        Hash[] root = new Hash[1];
        try (TestThreads.Fixed one = new TestThreads.Fixed(1); TestThreads.Fixed two = new TestThreads.Fixed(2)) {
            // at least warmUp rounds and WARM_UP_NANOS: the JIT settles late on ChaCha and the hashes
            long start = System.nanoTime();
            for (int i = 0; i < warmUp || (warmUp > 0 && System.nanoTime() - start < WARM_UP_NANOS); i++) {
                timeOnce(block, one, root);
                timeOnce(block, two, root);
            }
            double[] a = new double[reps];
            double[] b = new double[reps];
            for (int i = 0; i < reps; i++) {
                // alternate which goes first, so that neither always follows the other's garbage
                if (i % 2 == 0) {
                    a[i] = timeOnce(block, one, root) / 1e6;
                    b[i] = timeOnce(block, two, root) / 1e6;
                } else {
                    b[i] = timeOnce(block, two, root) / 1e6;
                    a[i] = timeOnce(block, one, root) / 1e6;
                }
            }
            return new Result(scenario, block.size(), a, b);
        }
    }

    static List<Result> run(int n, int warmUp, int reps) {
        DagParallelBench bench = new DagParallelBench(n);
        List<Result> out = new ArrayList<>();
        out.add(bench.measure("independent sends", bench.transfers(n), warmUp, reps));
        out.add(bench.measure("send+receive pairs", bench.pairs(n), warmUp, reps));
        return out;
    }

    static String report(List<Result> results, int warmUp, int reps) {
        StringBuilder s = new StringBuilder();
        s.append("# DagParallelBench: DagLedger.apply of one block, parallel schedule on 1 vs 2 threads\n");
        s.append(String.format(Locale.ROOT, "# java %s, %d processors, warm-up %d (15 s at least), reps %d (median),"
                + " load average %s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), warmUp, reps,
                loadAverage()));
        for (Result r : results) {
            s.append(String.format(Locale.ROOT,
                    "%-20s %6d txs  1 thread %8.1f ms (%7.0f tx/s)  2 threads %8.1f ms (%7.0f tx/s)  speedup %.2fx"
                            + " (paired %.2fx)%n",
                    r.scenario(), r.txs(), r.median1(), r.txs() / r.median1() * 1000, r.median2(),
                    r.txs() / r.median2() * 1000, r.speedup(), r.pairedSpeedup()));
            s.append("  reps 1 thread  ms: ").append(list(r.one())).append('\n');
            s.append("  reps 2 threads ms: ").append(list(r.two())).append('\n');
        }
        return s.toString();
    }

    private static String list(double[] ms) {
        StringBuilder s = new StringBuilder();
        for (double m : ms) {
            s.append(s.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", m));
        }
        return s.toString();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 11;
        String text = report(run(n, warmUp, reps), warmUp, reps);
        System.out.print(text);
        Path out = Path.of("target", "dag-bench.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, text);
        System.out.println("written to " + out.toAbsolutePath());
    }
}
