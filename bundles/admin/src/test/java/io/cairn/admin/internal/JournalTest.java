package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.admin.internal.UpgradeJournal.Entry;
import io.cairn.admin.internal.UpgradeJournal.Side;
import io.cairn.admin.internal.UpgradeJournal.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

class JournalTest {
    @TempDir
    Path tmp;

    static final Side OLD = new Side("cairn-txpool", "1.0.0.SNAPSHOT", "file:/s/cairn-txpool.jar");
    static final Side NEW = new Side("cairn-txpool", "1.0.1", "file:/h/data/upgrades/bundles/cairn-txpool-1.0.1.jar");

    static Entry entry(String tx, Step step, long pause, String reason) {
        return new Entry(Instant.parse("2025-01-02T03:04:05Z"), tx, "txpool", step, step.name().toLowerCase(), OLD, NEW,
                pause, 0, reason);
    }

    @Test
    void linesRoundTripWithAwkwardReasons() throws Exception {
        UpgradeJournal j = new UpgradeJournal(tmp.resolve("upgrades/journal"));
        Entry e = entry("t1", Step.ROLLBACK, 12, "line one\nline\ttwo \\ three");
        j.append(e);
        j.append(entry("t2", Step.BEGIN, -1, ""));
        assertEquals(List.of(e, entry("t2", Step.BEGIN, -1, "")), j.entries());
        assertEquals(2, Files.readAllLines(j.file()).size(), "one line per step");
    }

    @Test
    void aTornLastLineIsSkipped() throws Exception {
        UpgradeJournal j = new UpgradeJournal(tmp.resolve("journal"));
        j.append(entry("t1", Step.BEGIN, -1, ""));
        Files.writeString(j.file(), "time=2025-01-02T03:0", StandardOpenOption.APPEND);
        assertEquals(1, j.entries().size());
    }

    @Test
    void anUpgradeWithoutCommitOrRollbackIsUnfinished() {
        assertTrue(UpgradeJournal.unfinished(List.of()).isEmpty());
        assertTrue(UpgradeJournal.unfinished(List.of(entry("t1", Step.BEGIN, -1, ""), entry("t1", Step.COMMIT, 5, ""))).isEmpty());
        assertTrue(UpgradeJournal.unfinished(List.of(entry("t1", Step.BEGIN, -1, ""), entry("t1", Step.ROLLBACK, 5, "x"))).isEmpty());
        assertEquals(Step.SWITCHING, UpgradeJournal.unfinished(List.of(entry("t1", Step.COMMIT, 5, ""),
                entry("t2", Step.BEGIN, -1, ""), entry("t2", Step.SWITCHING, -1, ""))).orElseThrow().step());
        assertTrue(UpgradeJournal.unfinished(List.of(entry("t2", Step.BEGIN, -1, ""), entry("t2", Step.RECOVERED, -1, "")))
                .isEmpty(), "recovered once, not again");
    }

    @Test
    void historyHasOneOutcomePerTransactionAndRollbackFindsTheLastCommit() {
        List<Entry> all = List.of(entry("t1", Step.BEGIN, -1, ""), entry("t1", Step.COMMIT, 7, "blue/green"),
                entry("t2", Step.REFUSED, -1, "no signature file"), entry("t3", Step.BEGIN, -1, ""),
                entry("t3", Step.ROLLBACK, 9, "did not become ready"));
        List<Entry> h = UpgradeJournal.outcomes(all);
        assertEquals(List.of(Step.COMMIT, Step.REFUSED, Step.ROLLBACK), h.stream().map(Entry::step).toList());
        assertEquals("t1", UpgradeJournal.lastCommit(all, "txpool").orElseThrow().tx());
        assertTrue(UpgradeJournal.lastCommit(all, "rpc").isEmpty());
    }

    static BundleFacts bundle(long id, String bsn, String version) {
        return new BundleFacts(id, bsn, Version.parseVersion(version), "file:/" + bsn + "-" + version, Bundle.ACTIVE);
    }

    @Test
    void recoveryPrefersTheOldVersionAndUninstallsTheNew() {
        Recovery r = Recovery.decide(entry("t", Step.SWITCHING, -1, ""),
                List.of(bundle(1, "cairn-api", "1.0.0"), bundle(20, "cairn-txpool", "1.0.0.SNAPSHOT"), bundle(40, "cairn-txpool", "1.0.1")));
        assertEquals(20, r.keep().id());
        assertEquals(List.of(40L), r.uninstall().stream().map(BundleFacts::id).toList());
        assertFalse(r.reinstallOld());
    }

    @Test
    void recoveryKeepsTheNewVersionWhenTheOldIsGone() {
        Recovery r = Recovery.decide(entry("t", Step.SWITCHING, -1, ""), List.of(bundle(40, "cairn-txpool", "1.0.1")));
        assertEquals(40, r.keep().id());
        assertTrue(r.uninstall().isEmpty());
    }

    @Test
    void recoveryReinstallsTheOldWhenNeitherIsThere() {
        Recovery r = Recovery.decide(entry("t", Step.BEGIN, -1, ""), List.of(bundle(1, "cairn-api", "1.0.0")));
        assertNull(r.keep());
        assertTrue(r.reinstallOld());
    }

    @Test
    void recoveryWithOnlyTheOldChangesNothing() {
        Recovery r = Recovery.decide(entry("t", Step.BEGIN, -1, ""), List.of(bundle(20, "cairn-txpool", "1.0.0.SNAPSHOT")));
        assertEquals(20, r.keep().id());
        assertTrue(r.uninstall().isEmpty());
        assertFalse(r.reinstallOld());
    }

    @Test
    void replacedEnginesAreRecordedBothWays() throws Exception {
        UpgradeStore s = new UpgradeStore(tmp.resolve("upgrades"));
        s.replaced("cairn-storage-memory", "cairn-storage-rocksdb");
        assertEquals("cairn-storage-rocksdb", s.engines().getProperty("replaced.cairn-storage-memory"));
        s.replaced("cairn-storage-rocksdb", "cairn-storage-memory");
        assertNull(s.engines().getProperty("replaced.cairn-storage-memory"), "swapped back: memory is no longer replaced");
        assertEquals("cairn-storage-memory", s.engines().getProperty("replaced.cairn-storage-rocksdb"));
    }

    @Test
    void theReplacedJarIsArchivedOnce() throws Exception {
        UpgradeStore s = new UpgradeStore(tmp.resolve("upgrades"));
        Path jar = Files.writeString(tmp.resolve("cairn-txpool.jar"), "v1");
        BundleFacts old = new BundleFacts(20, "cairn-txpool", Version.parseVersion("1.0.0"), jar.toUri().toString(), Bundle.ACTIVE);
        s.archive(old);
        Files.writeString(jar, "rebuilt");
        s.archive(old);
        assertEquals("v1", Files.readString(s.archived("cairn-txpool", "1.0.0")));
        s.archive(new BundleFacts(21, "x", Version.emptyVersion, "inputstream:x", Bundle.ACTIVE));
        assertFalse(Files.exists(s.archived("x", "0.0.0")), "nothing to archive from a non-file location");
    }
}
