package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The snapshot benchmark ({@code cairn bench-snapshot}): a one-sealer chain with two observers on this machine
 * commits {@code transactions} transfers, each to a new account (so the state holds about as many accounts) or each
 * to another sender (so the state stays small); then
 * node0 exports a snapshot (export rate), observer node1 joins by state sync and follows to the head (join time,
 * import rate), and observer node2 replays the chain from genesis by block sync (replay time). Writes
 * bench-snapshot.json and bench-snapshot.md.
 */
public final class SnapshotBench {
    /** What to run. */
    public record Settings(Path chain, long transactions, int senders, boolean newAccounts, Path out) {}

    /** Runs a cairn command line; throws with its output when it exits non-zero; answers its standard output. */
    public interface Cli {
        String run(String... args) throws IOException;
    }

    private static final Pattern EXPORTED = Pattern.compile(
            "snapshot of block (\\d+) \\(.*\\) written to .*: (\\d+) entries in (\\d+) chunks, (\\d+) bytes, (\\d+) ms");
    private static final Pattern IMPORTED = Pattern.compile(
            "imported snapshot of block (\\d+) .*: (\\d+) entries and (\\d+) derived in (\\d+) chunks, (\\d+) bytes; "
                    + "proven in (\\d+) ms, written in (\\d+) ms");
    private static final Pattern FETCHED = Pattern.compile("fetched the snapshot of block \\d+ .* in (\\d+) ms");

    private final Settings settings;
    private final Cli cli;
    private final PrintStream log;

    public SnapshotBench(Settings settings, Cli cli, PrintStream log) {
        this.settings = settings;
        this.cli = cli;
        this.log = log;
    }

    /**
     * Runs it on the chain in {@code settings.chain()} (three homes from {@code cairn init --nodes 1 --observers 2},
     * never started), funded from node0's account {@code funderKey}.
     */
    public Map<String, Object> run(List<Path> homes, List<URI> rpcs, byte[] funderKey) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("transactions", settings.transactions());
        report.put("recipients", settings.newAccounts() ? "new accounts" : "the senders");
        report.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            cli.run("start", "--home", homes.get(0).toString(), "--detach");
            NodeRpc rpc0 = new NodeRpc(rpcs.get(0));
            long loadStart = System.nanoTime();
            long committed = load(rpc0, funderKey);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            long head = rpc0.call("getBlockNumber").asLong();
            log.printf("bench-snapshot: %d transactions committed in %.1f s (%.0f TPS); head %d%n", committed, loadSeconds,
                    committed / loadSeconds, head);
            report.put("committedTransactions", committed);
            report.put("loadSeconds", round(loadSeconds));
            report.put("chainHeight", head);

            // export on node0
            // the state alone: what a join fetches (a full snapshot's blocks are for imports that keep the history)
            String out = cli.run("snapshot", "export", "--home", homes.get(0).toString(), "--state-only");
            Matcher e = find(EXPORTED, out);
            long entries = Long.parseLong(e.group(2));
            long bytes = Long.parseLong(e.group(4));
            long exportMs = Math.max(1, Long.parseLong(e.group(5)));
            long snapshotHeight = Long.parseLong(e.group(1));
            report.put("snapshot", Map.of("height", snapshotHeight, "entries", entries, "chunks",
                    Long.parseLong(e.group(3)), "bytes", bytes));
            report.put("export", rates(entries, bytes, exportMs));
            log.printf("bench-snapshot: export of block %d: %d entries, %d bytes in %d ms%n", snapshotHeight, entries,
                    bytes, exportMs);

            // node2 replays from genesis (first: so that every peer of node1 runs when it joins, as on a chain
            // whose nodes all run)
            head = rpc0.call("getBlockNumber").asLong();
            long replayStart = System.nanoTime();
            cli.run("start", "--home", homes.get(2).toString(), "--detach");
            waitFor(new NodeRpc(rpcs.get(2)), head);
            double replaySeconds = (System.nanoTime() - replayStart) / 1e9;
            report.put("replay", Map.of("seconds", round(replaySeconds), "toBlock", head, "transactionsPerSecond",
                    Math.round(committed / replaySeconds)));
            log.printf("bench-snapshot: node2 replayed blocks 1..%d from genesis in %.1f s%n", head, replaySeconds);

            // node1 joins by state sync as it starts (one JVM), then follows to the head
            head = rpc0.call("getBlockNumber").asLong();
            long joinStart = System.nanoTime();
            out = cli.run("start", "--home", homes.get(1).toString(), "--join", "--detach");
            double joinStarted = (System.nanoTime() - joinStart) / 1e9;
            Matcher i = find(IMPORTED, out);
            long provenMs = Math.max(1, Long.parseLong(i.group(6)));
            long writtenMs = Math.max(1, Long.parseLong(i.group(7)));
            long fetchMs = Long.parseLong(find(FETCHED, out).group(1));
            waitFor(new NodeRpc(rpcs.get(1)), head);
            double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
            report.put("import", Map.of("proven", rates(entries, bytes, provenMs), "written",
                    rates(entries, bytes, writtenMs)));
            report.put("join", Map.of("seconds", round(joinSeconds), "fetchMs", fetchMs, "runningSeconds",
                    round(joinStarted), "toBlock", head));
            log.printf("bench-snapshot: node1 joined by state sync and reached block %d in %.1f s (fetch %d ms, proof %d "
                    + "ms, write %d ms)%n", head, joinSeconds, fetchMs, provenMs, writtenMs);
            report.put("joinSpeedup", round(replaySeconds / joinSeconds));
            report.put("verdict", replaySeconds / joinSeconds >= 10 ? "PASS" : "FAIL");
        } finally {
            for (Path h : homes) {
                try {
                    cli.run("stop", "--home", h.toString());
                } catch (IOException | RuntimeException notRunning) {
                    log.println("bench-snapshot: " + notRunning.getMessage());
                }
            }
        }
        write(report);
        return report;
    }

    /** Funds the senders, then sends every transfer to a new account; returns the chain's transaction count. */
    private long load(NodeRpc rpc, byte[] funderKey) throws Exception {
        JsonNode info = rpc.call("getNodeInfo");
        long chainId = info.get("chainId").asLong();
        CryptoSuite suite = io.cairn.crypto.Suites.byName(info.get("suite").asText());
        int senders = settings.senders();
        long perSender = (settings.transactions() + senders - 1) / senders;
        byte[][] keys = new byte[senders][];
        byte[][] pubs = new byte[senders][];
        for (int s = 0; s < senders; s++) {
            keys[s] = suite.hash(("bench-snapshot sender " + s).getBytes());
            pubs[s] = suite.publicKey(keys[s]);
        }
        rpc.fund(suite, chainId, funderKey, pubs, BigInteger.valueOf(perSender + 1), log);
        long base = transactions(rpc);
        long total = perSender * senders;
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService signers = Executors.newFixedThreadPool(threads);
        long cap = 40_000; // uncommitted transfers in flight: well inside the pool
        long sent = 0;
        long lastReport = System.nanoTime();
        try {
            for (long n = 0; n < perSender; n++) {
                long nonce = n;
                // one transfer per sender per round, so that each sender's nonces arrive in order
                List<Future<List<String>>> parts = new ArrayList<>();
                int slice = (senders + threads - 1) / threads;
                for (int from = 0; from < senders; from += slice) {
                    int a = from;
                    int b = Math.min(senders, from + slice);
                    parts.add(signers.submit(() -> {
                        List<String> txs = new ArrayList<>(b - a);
                        for (int s = a; s < b; s++) {
                            Address to = settings.newAccounts() ? fresh(s, nonce)
                                    : suite.address(pubs[(s + 1) % senders]);
                            txs.add(Bytes.toHex(NodeRpc.sign(suite, chainId, nonce, to, BigInteger.ONE, keys[s], pubs[s])
                                    .encoded()));
                        }
                        return txs;
                    }));
                }
                List<String> round = new ArrayList<>(senders);
                for (Future<List<String>> f : parts) {
                    round.addAll(f.get());
                }
                while (sent - (transactions(rpc) - base) > cap) {
                    LockSupport.parkNanos(20_000_000); // the node commits at its pace; the load waits for it
                }
                for (int from = 0; from < round.size(); from += 500) {
                    send(rpc, round.subList(from, Math.min(round.size(), from + 500)));
                }
                sent += round.size();
                if (System.nanoTime() - lastReport > 5e9) {
                    lastReport = System.nanoTime();
                    log.printf("bench-snapshot: %d of %d transfers sent%n", sent, total);
                }
            }
        } finally {
            signers.shutdownNow();
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long count;
        while ((count = transactions(rpc)) < base + total) {
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + (count - base) + " of " + total + " transfers were committed within 5 min");
            }
            LockSupport.parkNanos(50_000_000);
        }
        return count;
    }

    /** The chain's committed transaction count (getTotalTransactionCount). */
    private static long transactions(NodeRpc rpc) throws IOException, InterruptedException {
        return rpc.call("getTotalTransactionCount").get("transactionCount").asLong();
    }

    /** Sends a batch, resending what a busy pool refused until it is taken. */
    private static void send(NodeRpc rpc, List<String> batch) throws IOException, InterruptedException {
        List<String> pending = batch;
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            JsonNode[] answers = rpc.sendTransactions(pending);
            List<String> again = new ArrayList<>();
            for (int i = 0; i < answers.length; i++) {
                if (!answers[i].has("result")) {
                    String why = answers[i].path("error").toString();
                    if (!why.contains("full") && !why.contains("busy") && !why.contains("not ready")) {
                        throw new IOException("transfer refused: " + why);
                    }
                    again.add(pending.get(i));
                }
            }
            if (attempt > 1000) {
                throw new IOException("the node kept refusing transfers as busy");
            }
            pending = again;
            if (!pending.isEmpty()) {
                LockSupport.parkNanos(50_000_000);
            }
        }
    }

    /** A new account for sender {@code s}'s {@code n}-th transfer. */
    private static Address fresh(int s, long n) {
        byte[] a = new byte[Address.SIZE];
        ByteBuffer.wrap(a).putInt(0x62656e63).putInt(s).putLong(n);
        return Address.of(a);
    }

    private static void waitFor(NodeRpc rpc, long height) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (true) {
            try {
                if (rpc.call("getBlockNumber").asLong() >= height) {
                    return;
                }
            } catch (IOException starting) {
                // the node's RPC is not up yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the node did not reach block " + height + " within 30 min");
            }
            LockSupport.parkNanos(100_000_000);
        }
    }

    private static Matcher find(Pattern p, String out) throws IOException {
        Matcher m = p.matcher(out);
        if (!m.find()) {
            throw new IOException("unexpected output (no '" + p.pattern() + "'):\n" + out);
        }
        return m;
    }

    private static Map<String, Object> rates(long entries, long bytes, long ms) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ms", ms);
        r.put("entriesPerSecond", Math.round(entries * 1000.0 / ms));
        r.put("megabytesPerSecond", round(bytes / 1e6 * 1000.0 / ms));
        return r;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    @SuppressWarnings("unchecked")
    private void write(Map<String, Object> r) throws IOException {
        Files.createDirectories(settings.out());
        ObjectNode json = NodeRpc.JSON.valueToTree(r);
        Files.writeString(settings.out().resolve("bench-snapshot.json"),
                NodeRpc.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        Map<String, Object> snap = (Map<String, Object>) r.get("snapshot");
        Map<String, Object> export = (Map<String, Object>) r.get("export");
        Map<String, Map<String, Object>> imp = (Map<String, Map<String, Object>>) r.get("import");
        Map<String, Object> join = (Map<String, Object>) r.get("join");
        Map<String, Object> replay = (Map<String, Object>) r.get("replay");
        StringBuilder md = new StringBuilder();
        md.append("# cairn bench-snapshot\n\n");
        md.append(String.format("A one-sealer PBFT chain (RocksDB) with two observers on %d cores committed %d "
                + "transactions (%s transfers to %s) in %s s; chain height %s.%n%n", r.get("cores"),
                r.get("committedTransactions"), r.get("transactions"), r.get("recipients"), r.get("loadSeconds"),
                r.get("chainHeight")));
        md.append("| measure | value |\n|---|---|\n");
        md.append(String.format("| snapshot | block %s: %s entries in %s chunks, %s bytes |%n", snap.get("height"),
                snap.get("entries"), snap.get("chunks"), snap.get("bytes")));
        md.append(String.format("| export (running node) | %s ms: %s entries/s, %s MB/s |%n", export.get("ms"),
                export.get("entriesPerSecond"), export.get("megabytesPerSecond")));
        md.append(String.format("| import, proof pass | %s ms: %s entries/s, %s MB/s |%n", imp.get("proven").get("ms"),
                imp.get("proven").get("entriesPerSecond"), imp.get("proven").get("megabytesPerSecond")));
        md.append(String.format("| import, write pass | %s ms: %s entries/s, %s MB/s |%n", imp.get("written").get("ms"),
                imp.get("written").get("entriesPerSecond"), imp.get("written").get("megabytesPerSecond")));
        md.append(String.format("| join by state sync to block %s (`start --join`) | %s s (fetch %s ms; node running "
                + "after %s s) |%n", join.get("toBlock"), join.get("seconds"), join.get("fetchMs"),
                join.get("runningSeconds")));
        md.append(String.format("| full replay from genesis to block %s | %s s (%s TPS) |%n", replay.get("toBlock"),
                replay.get("seconds"), replay.get("transactionsPerSecond")));
        md.append(String.format("| join speed-up (target >= 10x) | %sx: %s |%n", r.get("joinSpeedup"), r.get("verdict")));
        Files.writeString(settings.out().resolve("bench-snapshot.md"), md.toString());
        log.println(md);
    }
}
