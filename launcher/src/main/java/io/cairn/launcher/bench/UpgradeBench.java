package io.cairn.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The upgrade benchmark: under a steady offered load, measures committed throughput, then upgrades each
 * component {@code rounds} times in a row through the node's shell, and reports per component the
 * block-production pause the node measured and the throughput around its upgrades against the steady state.
 */
public final class UpgradeBench {
    /** Targets of the hot-swap contract (issue 3): median pause per component, throughput around upgrades. */
    public static final long PAUSE_TARGET_MS = 300;
    public static final double THROUGHPUT_TARGET = 0.90;
    static final Duration WARMUP = Duration.ofSeconds(5);
    /** What one upgrade is assumed to take, for the plan's estimate only. */
    static final Duration ESTIMATED_UPGRADE = Duration.ofMillis(1500);

    /** The node's Gogo shell: one command line in, its answer (output and errors) out. */
    public interface NodeShell {
        String run(String commandLine) throws IOException;
    }

    /** Writes {@code JAR.sig} with a key the node trusts. */
    public interface JarSigner {
        void sign(Path jar) throws IOException;
    }

    /** What to run. {@code system} holds the engine jars the new versions are copied from ({@code <bsn>.jar}). */
    public record Settings(URI rpc, byte[] funderKey, Path home, Path system, List<String> components, int rounds,
            Duration steady, Duration spacing, int rate, int accounts, int batch, int connections,
            Duration upgradeTimeout, Path out) {}

    /** An engine bundle as {@code cairn:engines} lists it; id -1 when not given. */
    record Engine(String component, String bsn, String version, long id) {}

    /** One upgrade as measured: wall-clock start and end (ms) around the shell command. */
    record Upgrade(String component, int round, String version, Path jar, long startMs, long endMs, UpgradeResult result) {}

    private final Settings settings;
    private final NodeShell shell;
    private final JarSigner signer;
    private final PrintStream log;
    private final NodeRpc rpc;
    private final Map<String, Path> sources = new LinkedHashMap<>();
    /** Shortened by tests, which have no JIT to warm up and no time to sign spares. */
    Duration warmup = WARMUP;
    double spareSeconds = 30;

    public UpgradeBench(Settings settings, NodeShell shell, JarSigner signer, PrintStream log) {
        if (settings.components().isEmpty() || settings.rounds() < 1 || settings.rate() < 1 || settings.accounts() < 1
                || settings.batch() < 1 || settings.connections() < 1 || !positive(settings.steady())
                || !positive(settings.spacing()) || !positive(settings.upgradeTimeout())) {
            throw new IllegalArgumentException("components, rounds, rate, accounts, batch, connections, steady, spacing "
                    + "and the upgrade timeout must all be given and positive");
        }
        if (settings.accounts() < settings.connections()) {
            throw new IllegalArgumentException("need at least as many accounts (" + settings.accounts() + ") as connections ("
                    + settings.connections() + ")");
        }
        this.settings = settings;
        this.shell = shell;
        this.signer = signer;
        this.log = log;
        this.rpc = new NodeRpc(settings.rpc());
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isZero() && !d.isNegative();
    }

    // ---- the plan

    /** Seconds the load runs: warm-up, steady state, every upgrade with its spacing, steady state again. */
    static double loadSeconds(Duration warmup, int components, int rounds, Duration steady, Duration spacing) {
        double perUpgrade = (spacing.toMillis() + ESTIMATED_UPGRADE.toMillis()) / 1000.0;
        return warmup.toMillis() / 1000.0 + 2 * steady.toMillis() / 1000.0 + components * rounds * perUpgrade
                + spacing.toMillis() / 1000.0;
    }

    /**
     * Transfers per account to fund and sign: the estimate's load at the offered rate, half again as much in
     * case upgrades are slower than estimated, and {@code spareSeconds} more for good measure.
     */
    static long roundsPerAccount(double loadSeconds, double spareSeconds, int rate, int accounts) {
        double transfers = rate * (loadSeconds * 1.5 + spareSeconds);
        return Math.max(10, (long) Math.ceil(transfers / accounts));
    }

    // ---- the run

    public Map<String, Object> run() throws Exception {
        JsonNode info = rpc.call("getNodeInfo");
        long chainId = info.get("chainId").asLong();
        CryptoSuite suite = io.cairn.crypto.Suites.byName(info.get("suite").asText());

        List<Engine> engines = new ArrayList<>();
        Map<String, Engine> running = parseEngines(shell.run("cairn:engines"));
        for (String c : settings.components()) {
            Engine e = running.get(c);
            if (e == null) {
                throw new IOException("the node lists no running engine for component '" + c + "' (cairn:engines); "
                        + "components: " + String.join(", ", running.keySet()));
            }
            engines.add(e);
        }
        Map<String, List<Path>> jars = prepareJars(engines);

        double loadSeconds = loadSeconds(warmup, engines.size(), settings.rounds(), settings.steady(), settings.spacing());
        long perAccount = roundsPerAccount(loadSeconds, spareSeconds, settings.rate(), settings.accounts());
        // Enough for warm-up and steady state with room to spare; the signer tops the queues up from there.
        long prefillRounds = Math.min(perAccount, (long) Math.ceil(settings.rate()
                * (warmup.toMillis() / 1000.0 + settings.steady().toMillis() / 1000.0 + spareSeconds) / settings.accounts()));
        long prefillTx = prefillRounds * settings.accounts();
        double setupSeconds = 5 + prefillTx / 8000.0;
        log.printf("bench-upgrades: plan: %s chain %d, %d tx/s offered by %d accounts over %d connections (batches of %d)%n",
                suite.name(), chainId, settings.rate(), settings.accounts(), settings.connections(), settings.batch());
        log.printf("bench-upgrades: plan: warm-up %d s, steady %d s, then %d upgrades of each of %s %d s apart, steady "
                + "%d s again%n", warmup.toSeconds(), settings.steady().toSeconds(), settings.rounds(),
                String.join(", ", settings.components()), settings.spacing().toSeconds(), settings.steady().toSeconds());
        log.printf("bench-upgrades: plan: %d transfers funded, %d signed before the clock; estimated %.0f s "
                + "(%.0f s setup, %.0f s under load, up to %d s to drain); each upgrade given at most %d s%n",
                perAccount * settings.accounts(), prefillTx, setupSeconds + loadSeconds + 30, setupSeconds, loadSeconds,
                30, settings.upgradeTimeout().toSeconds());

        byte[][] keys = new byte[settings.accounts()][];
        byte[][] pubs = new byte[settings.accounts()][];
        for (int i = 0; i < keys.length; i++) {
            CryptoSuite.KeyPair kp = suite.generateKeyPair();
            keys[i] = kp.privateKey();
            pubs[i] = kp.publicKey();
        }
        rpc.fund(suite, chainId, settings.funderKey(), pubs, BigInteger.valueOf(perAccount * 2 + 10), log);
        PacedLoad load = new PacedLoad(rpc, suite, chainId, keys, pubs, perAccount, settings.rate(), settings.batch(),
                settings.connections(), prefillRounds, log);
        long signStart = System.nanoTime();
        load.prefill();
        log.printf("bench-upgrades: signed %d transfers in %.1f s; the rest are signed as they are sent%n",
                load.signedRounds() * settings.accounts(), (System.nanoTime() - signStart) / 1e9);

        List<Upgrade> upgrades = new ArrayList<>();
        long[] steady = new long[2];
        long[] after = new long[2];
        String aborted = null;
        long spacing = settings.spacing().toMillis();
        ExecutorService commands = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-upgrade-shell");
            t.setDaemon(true);
            return t;
        });
        load.start();
        long loadStart = System.currentTimeMillis();
        try {
            load.phase("warmup");
            sleepUntil(loadStart + warmup.toMillis());
            load.phase("steady");
            steady[0] = System.currentTimeMillis();
            sleepUntil(steady[0] + settings.steady().toMillis());
            steady[1] = System.currentTimeMillis();
            log.printf("bench-upgrades: steady state %.1f tx/s committed%n", tpsSoon(load, steady[0], steady[1]));
            long next = steady[1] + spacing / 2;
            run:
            for (Engine e : engines) {
                load.phase(e.component());
                List<Path> mine = jars.get(e.component());
                for (int k = 0; k < mine.size(); k++) {
                    if (load.failure() != null) {
                        aborted = "the load generator failed: " + load.failure();
                        break run;
                    }
                    sleepUntil(next);
                    Path jar = mine.get(k);
                    String version = BenchJars.identity(jar)[1];
                    long start = System.currentTimeMillis();
                    UpgradeResult result = upgrade(commands, e.component(), jar, version);
                    long end = System.currentTimeMillis();
                    upgrades.add(new Upgrade(e.component(), k + 1, version, jar, start, end, result));
                    log.printf("bench-upgrades: %-12s %2d/%d -> %s: %s%s (%d ms)%n", e.component(), k + 1, mine.size(),
                            version, result.outcome(), result.pauseMs() >= 0 ? ", paused " + result.pauseMs() + " ms" : "",
                            end - start);
                    if (result.outcome() == UpgradeResult.Outcome.FAILED && result.detail().startsWith("no answer within")) {
                        aborted = e.component() + " upgrade " + (k + 1) + ": " + result.detail();
                        break run;
                    }
                    next = end + spacing;
                }
            }
            if (aborted == null) {
                sleepUntil(next - spacing / 2);
                load.phase("after");
                after[0] = System.currentTimeMillis();
                sleepUntil(after[0] + settings.steady().toMillis());
                after[1] = System.currentTimeMillis();
            }
        } finally {
            commands.shutdownNow();
            log.println("bench-upgrades: stopping the load and waiting for accepted transfers to commit");
            load.stop();
        }
        if (aborted != null) {
            log.println("bench-upgrades: ABORTED: " + aborted);
        }
        Map<String, Object> report = report(suite, chainId, engines, upgrades, load, loadStart, steady, after, aborted);
        write(report);
        return report;
    }

    /** The steady-state figure as soon as the watcher has seen the window's last blocks (bounded wait). */
    private static double tpsSoon(PacedLoad load, long from, long to) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (load.timeline().lastTimestamp() < to && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000);
        }
        return load.timeline().tps(from, to);
    }

    private UpgradeResult upgrade(ExecutorService commands, String component, Path jar, String version)
            throws InterruptedException, IOException {
        String path = jar.toAbsolutePath().toString();
        String line = "cairn:upgrade " + component + " " + (path.matches(".*\\s.*") ? '"' + path + '"' : path);
        Future<String> answer = commands.submit(() -> shell.run(line));
        UpgradeResult result;
        try {
            result = UpgradeResult.parse(answer.get(settings.upgradeTimeout().toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            answer.cancel(true);
            return UpgradeResult.failed("no answer within " + settings.upgradeTimeout().toSeconds() + " s");
        } catch (ExecutionException e) {
            result = UpgradeResult.failed("shell: " + e.getCause().getMessage());
        }
        if (result.outcome() == UpgradeResult.Outcome.FAILED) {
            // The answer was lost, not necessarily the upgrade: the node's journal knows.
            UpgradeResult journaled = UpgradeResult.fromJournal(settings.home().resolve("data/upgrades/journal"), component,
                    version);
            if (journaled != null) {
                return journaled;
            }
        }
        return result;
    }

    /**
     * New versions of each engine, signed: copies of the running jar with successive Bundle-Versions. The
     * running jar is the framework's cached copy of the bundle; system/&lt;bsn&gt;.jar only when that is not
     * readable, since system/ may have been rebuilt against an API the running node does not have.
     */
    private Map<String, List<Path>> prepareJars(List<Engine> engines) throws IOException {
        Path dir = settings.out().resolve("jars");
        Files.createDirectories(dir);
        Map<String, List<Path>> out = new LinkedHashMap<>();
        for (Engine e : engines) {
            Path source = runningJar(settings.home().resolve("data/felix-cache"), e);
            if (source == null) {
                source = settings.system().resolve(e.bsn() + ".jar");
            }
            if (!Files.isRegularFile(source)) {
                throw new IOException("no jar to make new versions of " + e.bsn() + " from: " + source + " is missing");
            }
            String bsn = BenchJars.identity(source)[0];
            if (!bsn.equals(e.bsn())) {
                throw new IOException(source + " is " + bsn + ", not " + e.bsn() + " as the node runs for " + e.component());
            }
            sources.put(e.component(), source);
            List<Path> list = new ArrayList<>();
            for (String v : BenchJars.versionsAfter(e.version(), settings.rounds())) {
                Path jar = BenchJars.withVersion(source, dir.resolve(e.bsn() + "-" + v + ".jar"), v);
                signer.sign(jar);
                list.add(jar);
            }
            out.put(e.component(), list);
        }
        log.printf("bench-upgrades: made and signed %d jars in %s%n", engines.size() * settings.rounds(), dir);
        return out;
    }

    /**
     * The jar Felix runs for {@code e}: {@code bundle<id>/version<n>.<m>/bundle.jar} under the framework
     * cache, the newest revision, if its manifest names the running bundle and version; else null.
     */
    static Path runningJar(Path felixCache, Engine e) throws IOException {
        Path bundleDir = felixCache.resolve("bundle" + e.id());
        if (e.id() < 0 || !Files.isDirectory(bundleDir)) {
            return null;
        }
        Path newest = null;
        int[] best = {-1, -1};
        try (var dirs = Files.list(bundleDir)) {
            for (Path d : dirs.toList()) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("version(\\d+)\\.(\\d+)")
                        .matcher(d.getFileName().toString());
                if (m.matches() && Files.isRegularFile(d.resolve("bundle.jar"))) {
                    int major = Integer.parseInt(m.group(1));
                    int minor = Integer.parseInt(m.group(2));
                    if (major > best[0] || major == best[0] && minor > best[1]) {
                        best = new int[] {major, minor};
                        newest = d.resolve("bundle.jar");
                    }
                }
            }
        }
        if (newest == null) {
            return null;
        }
        String[] identity = BenchJars.identity(newest);
        return identity[0].equals(e.bsn()) && identity[1].equals(e.version()) ? newest : null;
    }

    /**
     * The running engine of each component from {@code cairn:engines}: a component name alone on a line,
     * then {@code installed  BSN VERSION [ID] STATE (active)} lines; the active one wins.
     */
    static Map<String, Engine> parseEngines(String answer) {
        Map<String, Engine> out = new LinkedHashMap<>();
        String component = null;
        for (String raw : answer.split("\\R")) {
            if (raw.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(raw.charAt(0))) {
                component = raw.strip();
                continue;
            }
            String[] f = raw.strip().split("\\s+");
            if (component == null || f.length < 3 || !f[0].equals("installed") || f[1].equals("none")) {
                continue;
            }
            boolean active = raw.contains("(active)");
            long id = -1;
            if (f.length > 3 && f[3].matches("\\[\\d+\\]")) {
                id = Long.parseLong(f[3].substring(1, f[3].length() - 1));
            }
            if (active || !out.containsKey(component)) {
                out.put(component, new Engine(component, f[1], f[2], id));
            }
        }
        return out;
    }

    // ---- the report

    private Map<String, Object> report(CryptoSuite suite, long chainId, List<Engine> engines, List<Upgrade> upgrades,
            PacedLoad load, long loadStart, long[] steady, long[] after, String aborted) {
        BlockTimeline t = load.timeline();
        double steadyTps = t.tps(steady[0], steady[1]);
        long spacing = settings.spacing().toMillis();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("time", Instant.now().toString());
        r.put("suite", suite.name());
        r.put("chainId", chainId);
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("rounds", settings.rounds());
        r.put("spacingMs", spacing);
        r.put("windowDefinition", "committed tx/s over [upgrade start - spacing/2, upgrade end + spacing/2]; a "
                + "component's phase spans its first window's start to its last window's end");
        r.put("targets", Map.of("medianPauseMsBelow", PAUSE_TARGET_MS, "throughputRatioAtLeast", THROUGHPUT_TARGET));
        r.put("load", load.totals());
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("seconds", (steady[1] - steady[0]) / 1000.0);
        st.put("committedTps", round1(steadyTps));
        st.put("longestBlockGapMs", t.longestGapMs(steady[0], steady[1]));
        st.put("latencyMs", load.latency("steady"));
        r.put("steady", st);
        if (after[1] > after[0]) {
            Map<String, Object> af = new LinkedHashMap<>();
            af.put("seconds", (after[1] - after[0]) / 1000.0);
            af.put("committedTps", round1(t.tps(after[0], after[1])));
            af.put("ratioToSteady", ratio(t.tps(after[0], after[1]), steadyTps));
            af.put("longestBlockGapMs", t.longestGapMs(after[0], after[1]));
            af.put("latencyMs", load.latency("after"));
            r.put("steadyAfterUpgrades", af);
        }
        List<Map<String, Object>> components = new ArrayList<>();
        boolean allPass = aborted == null;
        for (Engine e : engines) {
            List<Upgrade> mine = upgrades.stream().filter(u -> u.component().equals(e.component())).toList();
            Map<String, Object> c = summary(e, sources.get(e.component()), mine, t, steadyTps, spacing, load);
            allPass &= Boolean.TRUE.equals(c.get("pass"));
            components.add(c);
        }
        r.put("components", components);
        long uncommitted = ((Number) load.totals().get("uncommittedAfterDrain")).longValue();
        r.put("verdict", UpgradeReportText.verdict(allPass, uncommitted));
        if (uncommitted > 0) {
            r.put("warning", uncommitted + " transfers the node accepted were not committed within the drain time "
                    + "(lost, or stuck behind a lost nonce): no accepted transaction may be lost");
        }
        if (aborted != null) {
            r.put("aborted", aborted);
        }
        r.put("perSecondCommitted", t.perSecond(loadStart, Math.max(after[1], steady[1])));
        return r;
    }

    static Map<String, Object> summary(Engine e, Path source, List<Upgrade> mine, BlockTimeline t, double steadyTps, long spacing,
            PacedLoad load) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("component", e.component());
        c.put("bundle", e.bsn());
        c.put("fromVersion", e.version());
        if (source != null) {
            c.put("madeFrom", source.toString());
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        List<Long> pauses = new ArrayList<>();
        List<Long> gaps = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        double minWindowRatio = Double.MAX_VALUE;
        for (Upgrade u : mine) {
            outcomes.merge(u.result().outcome().name(), 1, Integer::sum);
            if (u.result().outcome() == UpgradeResult.Outcome.COMMITTED) {
                pauses.add(u.result().pauseMs());
                gaps.add(u.result().gapMs());
            }
            long from = u.startMs() - spacing / 2;
            long to = u.endMs() + spacing / 2;
            double tps = t.tps(from, to);
            minWindowRatio = Math.min(minWindowRatio, ratio(tps, steadyTps));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("round", u.round());
            row.put("version", u.version());
            row.put("outcome", u.result().outcome().name());
            row.put("pauseMs", u.result().pauseMs());
            row.put("absentMs", u.result().gapMs());
            row.put("mode", u.result().mode());
            if (!u.result().detail().isEmpty()) {
                row.put("detail", u.result().detail());
            }
            row.put("commandMs", u.endMs() - u.startMs());
            row.put("windowTps", round1(tps));
            row.put("windowRatio", ratio(tps, steadyTps));
            row.put("longestBlockGapMs", t.longestGapMs(from, to));
            rows.add(row);
        }
        c.put("upgrades", mine.size());
        c.put("outcomes", outcomes);
        Long median = UpgradeReportText.median(pauses);
        c.put("medianPauseMs", median);
        c.put("maxPauseMs", pauses.stream().max(Long::compare).orElse(null));
        c.put("medianAbsentMs", UpgradeReportText.median(gaps));
        if (!mine.isEmpty()) {
            long from = mine.get(0).startMs() - spacing / 2;
            long to = mine.get(mine.size() - 1).endMs() + spacing / 2;
            double tps = t.tps(from, to);
            c.put("phaseSeconds", (to - from) / 1000.0);
            c.put("phaseTps", round1(tps));
            c.put("ratioToSteady", ratio(tps, steadyTps));
            c.put("minWindowRatio", minWindowRatio);
            c.put("longestBlockGapMs", t.longestGapMs(from, to));
            if (load != null) {
                c.put("latencyMs", load.latency(e.component()));
            }
        }
        boolean allCommitted = !mine.isEmpty() && outcomes.getOrDefault("COMMITTED", 0) == mine.size();
        boolean pausePass = median != null && median < PAUSE_TARGET_MS;
        boolean throughputPass = c.containsKey("ratioToSteady") && (double) c.get("ratioToSteady") >= THROUGHPUT_TARGET;
        c.put("pausePass", pausePass);
        c.put("throughputPass", throughputPass);
        c.put("allCommitted", allCommitted);
        c.put("pass", pausePass && throughputPass && allCommitted);
        c.put("perUpgrade", rows);
        return c;
    }

    static double ratio(double value, double reference) {
        return reference <= 0 ? 0 : Math.round(value / reference * 1000) / 1000.0;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static void sleepUntil(long wallMs) throws InterruptedException {
        for (long now; (now = System.currentTimeMillis()) < wallMs; ) {
            Thread.sleep(Math.min(wallMs - now, 200));
        }
    }

    private void write(Map<String, Object> report) throws IOException {
        Files.createDirectories(settings.out());
        Path json = settings.out().resolve("bench-upgrades.json");
        NodeRpc.JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
        Files.writeString(settings.out().resolve("bench-upgrades.md"), UpgradeReportText.markdown(report));
        log.print(UpgradeReportText.table(report));
        if (report.containsKey("warning")) {
            log.println("bench-upgrades: WARNING: " + report.get("warning"));
        }
        log.printf("bench-upgrades: %s; report %s and bench-upgrades.md%n", report.get("verdict"), json);
    }
}
