package io.cairn.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpgradeBenchTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path tmp;

    // ---- the node's answers

    @Test
    void readsThePauseOfACommittedUpgrade() {
        UpgradeResult r = UpgradeResult.parse("upgrade txpool from /x.jar\n  jar        cairn-txpool 1.0.1.bench\n"
                + "COMMITTED (stop-first): block production paused 87 ms, txpool absent 12 ms");
        assertEquals(UpgradeResult.Outcome.COMMITTED, r.outcome());
        assertEquals(87, r.pauseMs());
        assertEquals(12, r.gapMs());
        assertEquals("stop-first", r.mode());
    }

    @Test
    void readsRollbacksRefusalsAndAnswersWithoutAnOutcome() {
        UpgradeResult back = UpgradeResult.parse("ROLLED BACK: activate threw boom (paused 140 ms)");
        assertEquals(UpgradeResult.Outcome.ROLLED_BACK, back.outcome());
        assertEquals(140, back.pauseMs());
        assertEquals("activate threw boom", back.detail());
        UpgradeResult refused = UpgradeResult.parse("REFUSED: no signature file /x.jar.sig");
        assertEquals(UpgradeResult.Outcome.REFUSED, refused.outcome());
        assertEquals("no signature file /x.jar.sig", refused.detail());
        UpgradeResult garbage = UpgradeResult.parse("gogo: CommandNotFoundException: cairn:upgrade");
        assertEquals(UpgradeResult.Outcome.FAILED, garbage.outcome());
        assertTrue(garbage.detail().contains("CommandNotFoundException"));
    }

    @Test
    void findsALostAnswerInTheJournal() throws Exception {
        Path journal = tmp.resolve("journal");
        Files.writeString(journal, String.join("\n",
                "time=2026-01-01T00:00:00Z\ttx=a\tcomponent=txpool\tstep=BEGIN\ttoVersion=1.0.1.bench\tpauseMs=-1\tgapMs=-1",
                "time=2026-01-01T00:00:01Z\ttx=a\tcomponent=txpool\tstep=COMMIT\ttoVersion=1.0.1.bench\tpauseMs=55\tgapMs=3",
                "time=2026-01-01T00:00:02Z\ttx=b\tcomponent=txpool\tstep=BEGIN\ttoVersion=1.0.2.bench\tpauseMs=-1\tgapMs=-1",
                "time=2026-01-01T00:00:03Z\ttx=b\tcomponent=txpool\tstep=ROLLBACK\ttoVersion=1.0.2.bench\tpauseMs=99\t"
                        + "gapMs=-1\treason=never ready",
                "time=2026-01-01T00:00:04Z\ttx=c\tcomponent=rpc\tstep=COMMIT\ttoVersion=1.0.1.bench\tpauseMs=7\tgapMs=1",
                ""));
        UpgradeResult first = UpgradeResult.fromJournal(journal, "txpool", "1.0.1.bench");
        assertEquals(UpgradeResult.Outcome.COMMITTED, first.outcome());
        assertEquals(55, first.pauseMs());
        UpgradeResult second = UpgradeResult.fromJournal(journal, "txpool", "1.0.2.bench");
        assertEquals(UpgradeResult.Outcome.ROLLED_BACK, second.outcome());
        assertEquals(99, second.pauseMs());
        assertEquals("never ready", second.detail());
        assertNull(UpgradeResult.fromJournal(journal, "txpool", "1.0.3.bench"));
        assertNull(UpgradeResult.fromJournal(tmp.resolve("none"), "txpool", "1.0.1.bench"));
    }

    @Test
    void takesTheActiveEngineOfEachComponentFromCairnEngines() {
        Map<String, UpgradeBench.Engine> e = UpgradeBench.parseEngines(String.join("\n",
                "crypto",
                "  installed  cairn-crypto 1.0.0.SNAPSHOT [27] ACTIVE (active)",
                "  available  system/cairn-crypto.jar (cairn-crypto 1.0.0.SNAPSHOT)",
                "txpool",
                "  installed  cairn-txpool 1.0.3.bench [80] RESOLVED",
                "  installed  cairn-txpool 1.0.4.bench [81] ACTIVE (active)",
                "ssh",
                "  installed  none",
                ""));
        assertEquals(new UpgradeBench.Engine("crypto", "cairn-crypto", "1.0.0.SNAPSHOT", 27), e.get("crypto"));
        assertEquals(new UpgradeBench.Engine("txpool", "cairn-txpool", "1.0.4.bench", 81), e.get("txpool"));
        assertFalse(e.containsKey("ssh"));
    }

    // ---- new versions

    @Test
    void newVersionsClimbFromTheRunningOne() {
        assertEquals(List.of("1.0.1.bench", "1.0.2.bench", "1.0.3.bench"), BenchJars.versionsAfter("1.0.0.SNAPSHOT", 3));
        assertEquals(List.of("1.0.11.bench"), BenchJars.versionsAfter("1.0.10.bench", 1));
        assertEquals(List.of("2.0.1.bench"), BenchJars.versionsAfter("2", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchJars.versionsAfter("v1", 1));
        assertTrue(e.getMessage().contains("'v1'"));
    }

    @Test
    void aNewVersionIsTheSameJarUnderAnotherBundleVersion() throws Exception {
        Path source = bundle(tmp.resolve("cairn-txpool.jar"), "cairn-txpool", "1.0.0.SNAPSHOT");
        Path copy = BenchJars.withVersion(source, tmp.resolve("out/cairn-txpool-1.0.1.bench.jar"), "1.0.1.bench");
        assertEquals(List.of("cairn-txpool", "1.0.1.bench"), List.of(BenchJars.identity(copy)));
        try (JarInputStream in = new JarInputStream(Files.newInputStream(copy))) {
            assertEquals("Cairn txpool", in.getManifest().getMainAttributes().getValue("Bundle-Name"));
            JarEntry e = in.getNextJarEntry();
            assertEquals("io/cairn/txpool/internal/Pool.class", e.getName());
            assertEquals("class bytes", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Path notABundle = Files.writeString(tmp.resolve("x.jar"), "text");
        assertThrows(java.io.IOException.class, () -> BenchJars.withVersion(notABundle, tmp.resolve("y.jar"), "1.0.1"));
    }

    @Test
    void newVersionsAreMadeFromTheJarTheNodeRunsNotFromARebuiltSystemJar() throws Exception {
        Path cache = tmp.resolve("felix-cache");
        bundle(Files.createDirectories(cache.resolve("bundle31/version0.0")).resolve("bundle.jar"), "cairn-txpool", "1.0.2.bench");
        bundle(Files.createDirectories(cache.resolve("bundle31/version0.1")).resolve("bundle.jar"), "cairn-txpool", "1.0.3.bench");
        UpgradeBench.Engine running = new UpgradeBench.Engine("txpool", "cairn-txpool", "1.0.3.bench", 31);
        assertEquals(cache.resolve("bundle31/version0.1/bundle.jar"), UpgradeBench.runningJar(cache, running));
        // another version than the node reports, another bundle, or no id: not the running jar
        assertNull(UpgradeBench.runningJar(cache, new UpgradeBench.Engine("txpool", "cairn-txpool", "1.0.4.bench", 31)));
        assertNull(UpgradeBench.runningJar(cache, new UpgradeBench.Engine("txpool", "cairn-txpool", "1.0.3.bench", 32)));
        assertNull(UpgradeBench.runningJar(cache, new UpgradeBench.Engine("txpool", "cairn-txpool", "1.0.3.bench", -1)));
    }

    // ---- measuring

    @Test
    void throughputAndStallsComeFromBlockTimestamps() {
        BlockTimeline t = new BlockTimeline();
        t.add(1000, 100);
        t.add(1500, 100);
        t.add(2000, 100);
        t.add(2900, 300); // after a 900 ms stall
        t.add(3000, 50);
        assertEquals(200.0, t.tps(1000, 2000)); // the blocks at 1000 and 1500
        assertEquals(600.0 / 2, t.tps(1000, 3000)); // the block at 3000 is outside
        assertEquals(900, t.longestGapMs(1000, 3100));
        assertEquals(700, t.longestGapMs(2200, 3500)); // the edge counts: 2200 -> 2900
        assertEquals(List.of(200L, 400L, 50L), toList(t.perSecond(1000, 3001)));
        assertThrows(IllegalArgumentException.class, () -> t.tps(5, 5));
    }

    @Test
    void aComponentPassesOnlyWithMedianPauseThroughputAndEveryUpgradeCommitted() {
        BlockTimeline t = new BlockTimeline();
        for (long ms = 0; ms < 20_000; ms += 100) {
            if (ms < 10_000 || ms >= 10_500) {
                t.add(ms, 100); // 1000 tx/s, but no block from 9.9 s to 10.5 s
            }
        }
        UpgradeBench.Engine txpool = new UpgradeBench.Engine("txpool", "cairn-txpool", "1.0.0", 31);
        List<UpgradeBench.Upgrade> fine = List.of(
                upgrade(1, 2000, 2100, UpgradeResult.parse("COMMITTED (beside): block production paused 100 ms, x absent 0 ms")),
                upgrade(2, 4000, 4100, UpgradeResult.parse("COMMITTED (beside): block production paused 400 ms, x absent 0 ms")),
                upgrade(3, 6000, 6100, UpgradeResult.parse("COMMITTED (beside): block production paused 200 ms, x absent 0 ms")));
        Map<String, Object> ok = UpgradeBench.summary(txpool, null, fine, t, 1000, 2000, null);
        assertEquals(200L, ok.get("medianPauseMs"));
        assertEquals(400L, ok.get("maxPauseMs"));
        assertEquals(1.0, ok.get("ratioToSteady"));
        assertEquals(true, ok.get("pass"), ok.toString());

        List<UpgradeBench.Upgrade> stalled = List.of(
                upgrade(1, 9900, 10_000, UpgradeResult.parse("COMMITTED (beside): block production paused 100 ms, x absent 0 ms")),
                upgrade(2, 10_000, 10_100, UpgradeResult.parse("ROLLED BACK: never ready (paused 120 ms)")));
        Map<String, Object> bad = UpgradeBench.summary(txpool, null, stalled, t, 1000, 1000, null);
        assertEquals(false, bad.get("throughputPass")); // 700 tx over [9.4 s, 10.6 s)
        assertEquals(0.583, bad.get("ratioToSteady"));
        assertEquals(false, bad.get("allCommitted"));
        assertEquals(Map.of("COMMITTED", 1, "ROLLED_BACK", 1), bad.get("outcomes"));
        assertEquals(600L, bad.get("longestBlockGapMs"));
        assertEquals(false, bad.get("pass"));

        List<UpgradeBench.Upgrade> slow = List.of(
                upgrade(1, 2000, 2100, UpgradeResult.parse("COMMITTED (beside): block production paused 350 ms, x absent 0 ms")));
        assertEquals(false, UpgradeBench.summary(txpool, null, slow, t, 1000, 2000, null).get("pausePass"));
    }

    @Test
    void aRunThatLostAcceptedTransfersFailsWhateverTheComponents() {
        assertEquals("PASS", UpgradeReportText.verdict(true, 0));
        assertEquals("FAIL", UpgradeReportText.verdict(true, 2));
        assertEquals("FAIL", UpgradeReportText.verdict(false, 0));
    }

    @Test
    void mediansOfOddAndEvenCounts() {
        assertEquals(3L, UpgradeReportText.median(List.of(5L, 1L, 3L)));
        assertEquals(2L, UpgradeReportText.median(List.of(4L, 1L, 3L, 1L)));
        assertNull(UpgradeReportText.median(List.of()));
    }

    @Test
    void theFundedSupplyOutlastsThePlannedRun() {
        double seconds = UpgradeBench.loadSeconds(Duration.ofSeconds(5), 9, 10, Duration.ofSeconds(20), Duration.ofSeconds(3));
        assertEquals(5 + 40 + 90 * 4.5 + 3, seconds, 1e-9);
        long perAccount = UpgradeBench.roundsPerAccount(seconds, 30, 2000, 1000);
        assertTrue(perAccount * 1000 >= 2000 * seconds * 1.5, "funded " + perAccount);
    }

    // ---- against a fake node

    @Test
    void theLoadResendsWhatWasTurnedAwayInNonceOrderAndEverythingCommits() throws Exception {
        CryptoSuite suite = Suites.byName(CryptoSuite.SECP256K1);
        int accounts = 8;
        byte[][] keys = new byte[accounts][];
        byte[][] pubs = new byte[accounts][];
        for (int i = 0; i < accounts; i++) {
            CryptoSuite.KeyPair kp = suite.generateKeyPair();
            keys[i] = kp.privateKey();
            pubs[i] = kp.publicKey();
        }
        try (FakeChain chain = new FakeChain()) {
            chain.poolFullFor.set(5);
            PacedLoad load = new PacedLoad(new NodeRpc(chain.endpoint()), suite, 1, keys, pubs, 12, 400, 3, 2, 4, QUIET);
            load.prefill();
            assertTrue(load.signedRounds() >= 4);
            chain.unavailableFor.set(2);
            load.start();
            await(() -> load.exhausted() && chain.committedCount() == accounts * 12, Duration.ofSeconds(30));
            load.stop();
            assertEquals(List.of(), chain.nonceViolations);
            assertEquals(List.of(), chain.formatViolations);
            assertEquals(accounts * 12, chain.accepted.get());
            Map<String, Object> totals = load.totals();
            assertEquals((long) accounts * 12, (long) totals.get("accepted") + (long) totals.get("alreadyKnownOnResend"));
            assertTrue((long) totals.get("resent") >= 5, totals.toString());
            assertTrue((long) totals.get("transportErrors") >= 1, totals.toString());
            assertEquals(0, totals.get("uncommittedAfterDrain"));
            assertEquals(Map.of(), totals.get("rejectedByCode"));
            assertEquals((long) accounts * 12, load.timeline().transactions(Long.MIN_VALUE, Long.MAX_VALUE));
            assertTrue(load.failure() == null, String.valueOf(load.failure()));
        }
    }

    @Test
    void transfersSealedBeforeTheirAnswerCountAsCommitted() throws Exception {
        CryptoSuite suite = Suites.byName(CryptoSuite.SECP256K1);
        byte[][] keys = new byte[4][];
        byte[][] pubs = new byte[4][];
        for (int i = 0; i < keys.length; i++) {
            CryptoSuite.KeyPair kp = suite.generateKeyPair();
            keys[i] = kp.privateKey();
            pubs[i] = kp.publicKey();
        }
        try (FakeChain chain = new FakeChain()) {
            chain.sealBeforeAnswer = true;
            PacedLoad load = new PacedLoad(new NodeRpc(chain.endpoint()), suite, 1, keys, pubs, 3, 1000, 4, 1, 3, QUIET);
            load.drain = Duration.ofMillis(500);
            load.prefill();
            load.start();
            await(() -> load.exhausted() && chain.committedCount() == 12, Duration.ofSeconds(30));
            LockSupport.parkNanos(300_000_000); // let the watcher pass the last block before the answer is recorded
            load.stop();
            Map<String, Object> totals = load.totals();
            assertEquals(0, totals.get("uncommittedAfterDrain"), totals.toString());
            assertTrue((long) totals.get("committedBeforeTheirAnswer") > 0, totals.toString());
        }
    }

    @Test
    void upgradesEachComponentWithSignedClimbingVersionsAndReportsTheVerdict() throws Exception {
        Path system = Files.createDirectories(tmp.resolve("system"));
        bundle(system.resolve("cairn-txpool.jar"), "cairn-txpool", "1.0.0.SNAPSHOT");
        bundle(system.resolve("cairn-executor.jar"), "cairn-executor", "1.0.0.SNAPSHOT");
        Path home = Files.createDirectories(tmp.resolve("home"));
        List<String> commands = new ArrayList<>();
        UpgradeBench.NodeShell shell = line -> {
            commands.add(line);
            if (line.equals("cairn:engines")) {
                return "txpool\n  installed  cairn-txpool 1.0.0.SNAPSHOT [31] ACTIVE (active)\n"
                        + "executor\n  installed  cairn-executor 1.0.0.SNAPSHOT [30] ACTIVE (active)\n";
            }
            String[] f = line.split(" ");
            Path jar = Path.of(f[2]);
            if (!Files.exists(jar.resolveSibling(jar.getFileName() + ".sig"))) {
                return "REFUSED: no signature file";
            }
            if (f[1].equals("executor") && jar.toString().contains("1.0.2.bench")) {
                return "ROLLED BACK: activate threw (paused 40 ms)";
            }
            if (f[1].equals("executor")) {
                throw new java.io.IOException("the node closed the shell channel");
            }
            return "COMMITTED (stop-first): block production paused " + (jar.toString().contains("1.0.1") ? 12 : 20)
                    + " ms, txpool absent 3 ms";
        };
        // The executor's first answer is lost; the journal has it.
        Files.createDirectories(home.resolve("data/upgrades"));
        Files.writeString(home.resolve("data/upgrades/journal"),
                "time=2026-01-01T00:00:00Z\tcomponent=executor\tstep=COMMIT\ttoVersion=1.0.1.bench\tpauseMs=33\tgapMs=0\n");
        CryptoSuite suite = Suites.byName(CryptoSuite.SECP256K1);
        byte[] funder = suite.generateKeyPair().privateKey();
        Path out = tmp.resolve("report");
        try (FakeChain chain = new FakeChain()) {
            UpgradeBench bench = new UpgradeBench(new UpgradeBench.Settings(chain.endpoint(), funder, home, system,
                    List.of("txpool", "executor"), 2, Duration.ofMillis(600), Duration.ofMillis(200), 300, 6, 3, 2,
                    Duration.ofSeconds(10), out), shell, jar -> Files.writeString(jar.resolveSibling(jar.getFileName()
                            + ".sig"), "signed"), QUIET);
            bench.warmup = Duration.ofMillis(200);
            bench.spareSeconds = 1;
            Map<String, Object> report = bench.run();

            assertEquals(List.of("cairn:engines",
                    "cairn:upgrade txpool " + out.resolve("jars/cairn-txpool-1.0.1.bench.jar").toAbsolutePath(),
                    "cairn:upgrade txpool " + out.resolve("jars/cairn-txpool-1.0.2.bench.jar").toAbsolutePath(),
                    "cairn:upgrade executor " + out.resolve("jars/cairn-executor-1.0.1.bench.jar").toAbsolutePath(),
                    "cairn:upgrade executor " + out.resolve("jars/cairn-executor-1.0.2.bench.jar").toAbsolutePath()),
                    commands);
            assertEquals("FAIL", report.get("verdict"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> components = (List<Map<String, Object>>) report.get("components");
            assertEquals(16L, components.get(0).get("medianPauseMs"));
            assertEquals(20L, components.get(0).get("maxPauseMs"));
            assertEquals(Map.of("COMMITTED", 2), components.get(0).get("outcomes"));
            assertEquals(Map.of("COMMITTED", 1, "ROLLED_BACK", 1), components.get(1).get("outcomes"));
            assertEquals(33L, components.get(1).get("medianPauseMs"));
            assertEquals(false, components.get(1).get("pass"));
            assertTrue(((Map<?, ?>) report.get("steady")).get("committedTps") instanceof Double);
            assertEquals(0, ((Map<?, ?>) report.get("load")).get("uncommittedAfterDrain"));
            assertEquals(List.of(), chain.nonceViolations);
            assertEquals(List.of(), chain.formatViolations);
            String md = Files.readString(out.resolve("bench-upgrades.md"));
            assertTrue(md.contains("Verdict: **FAIL**"), md);
            assertTrue(md.contains("| executor | cairn-executor | 2 | 1 committed, 1 rolled back | 33 |"), md);
            assertTrue(Files.isRegularFile(out.resolve("bench-upgrades.json")));
            assertEquals(List.of("cairn-executor", "1.0.2.bench"),
                    List.of(BenchJars.identity(out.resolve("jars/cairn-executor-1.0.2.bench.jar"))));
        }
    }

    // ---- helpers

    private static UpgradeBench.Upgrade upgrade(int round, long start, long end, UpgradeResult r) {
        return new UpgradeBench.Upgrade("txpool", round, "1.0." + round + ".bench", Path.of("x.jar"), start, end, r);
    }

    static Path bundle(Path jar, String bsn, String version) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", bsn + ";singleton:=true");
        m.getMainAttributes().putValue("Bundle-Version", version);
        m.getMainAttributes().putValue("Bundle-Name", "Cairn txpool");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.putNextEntry(new JarEntry("io/cairn/txpool/internal/Pool.class"));
            j.write("class bytes".getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
        return jar;
    }

    private static List<Long> toList(long[] values) {
        List<Long> out = new ArrayList<>();
        for (long v : values) {
            out.add(v);
        }
        return out;
    }

    private static void await(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + limit);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }
}
