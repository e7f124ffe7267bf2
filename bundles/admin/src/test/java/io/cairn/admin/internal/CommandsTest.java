package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.admin.internal.UpgradeJournal.Entry;
import io.cairn.admin.internal.UpgradeJournal.Step;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

class CommandsTest {
    @Test
    void historyIsATable() {
        Entry commit = new Entry(Instant.parse("2025-01-02T03:04:05Z"), "t1", "txpool", Step.COMMIT, "committed",
                JournalTest.OLD, JournalTest.NEW, 42, 17, "stop-first");
        Entry refused = new Entry(Instant.parse("2025-01-02T03:05:00Z"), "t2", "rpc", Step.REFUSED, "refused",
                UpgradeJournal.Side.NONE, UpgradeJournal.Side.NONE, -1, -1, "no signature file x.sig");
        String t = UpgradeCommands.history(List.of(commit, refused));
        assertEquals("""
                time (UTC)           component  from                         to                  outcome  pauseMs  reason
                2025-01-02 03:04:05  txpool     cairn-txpool 1.0.0.SNAPSHOT  cairn-txpool 1.0.1  COMMIT   42       stop-first, gap 17 ms
                2025-01-02 03:05:00  rpc        -                            -                   REFUSED  -        no signature file x.sig""", t);
        assertEquals("no upgrades yet", UpgradeCommands.history(List.of()));
    }

    @Test
    void enginesListInstalledAndAvailable() {
        String t = UpgradeCommands.engines(List.of(
                new Upgrades.EngineRow("txpool", List.of(new BundleFacts(20, "cairn-txpool", Version.parseVersion("1.0.1"), "f", Bundle.ACTIVE)),
                        List.of("deploy/cairn-txpool-1.0.2.jar (cairn-txpool 1.0.2)")),
                new Upgrades.EngineRow("ssh", List.of(), List.of())));
        assertEquals("""
                txpool
                  installed  cairn-txpool 1.0.1 [20] ACTIVE (active)
                  available  deploy/cairn-txpool-1.0.2.jar (cairn-txpool 1.0.2)
                ssh
                  installed  none""", t);
    }

    @Test
    void reportsSayWhatWouldHappenAndWhy() {
        JarVerifier.Verification v = new JarVerifier.Verification(Path.of("/x.jar"), "txpool",
                new JarVerifier.JarFacts("cairn-txpool", Version.parseVersion("1.0.1"), List.of(), "", 1),
                "upgrade of cairn-txpool 1.0.0", JarVerifierTest.TXPOOL, "signed by a trusted key", List.of(), List.of());
        String dry = new UpgradeReport("txpool", "/x.jar", UpgradeReport.Outcome.DRY_RUN, v,
                List.of("cairn-txpool 1.0.0.SNAPSHOT [20]"), List.of("cairn-txpool 1.0.0.SNAPSHOT"),
                new UpgradePolicy(true, false).describe(false), -1, -1, null).text();
        assertTrue(dry.startsWith("dry run: upgrade txpool from /x.jar"), dry);
        assertTrue(dry.contains("  signature  signed by a trusted key"), dry);
        assertTrue(dry.contains("  imports    all resolve against the running node"), dry);
        assertTrue(dry.contains("  stop       cairn-txpool 1.0.0.SNAPSHOT [20]"), dry);
        assertTrue(dry.contains("  refresh    cairn-txpool 1.0.0.SNAPSHOT"), dry);
        assertTrue(dry.contains("  switch     stop the old engine, then start the new one"), dry);
        assertTrue(dry.endsWith("result: would upgrade; nothing was changed"), dry);
        String done = new UpgradeReport("txpool", "/x.jar", UpgradeReport.Outcome.COMMITTED, v, List.of(), List.of(),
                "stop-first", 35, 20, null).text();
        assertTrue(done.endsWith("COMMITTED (stop-first): block production paused 35 ms, txpool absent 20 ms"), done);
    }

    @Test
    void unknownComponentsAndOptionsAreNamed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Components.check("mempool"));
        assertTrue(e.getMessage().startsWith("unknown component 'mempool': one of crypto, storage"), e.getMessage());
        assertTrue(e.getMessage().endsWith("rpc, network, sync, shell, ssh, snapshot"), e.getMessage());
    }

    @Test
    void manifestClausesKeepQuotedCommas() {
        ManifestClauses c = ManifestClauses.parse("a.b;version=\"[1.0,2)\",c.d;e.f;resolution:=optional");
        assertEquals(2, c.clauses().size());
        assertEquals(List.of("a.b"), c.clauses().get(0).names());
        assertEquals("[1.0,2)", c.clauses().get(0).attribute("version"));
        assertEquals(List.of("c.d", "e.f"), c.clauses().get(1).names());
        assertEquals("optional", c.clauses().get(1).directives().get("resolution"));
    }
}
