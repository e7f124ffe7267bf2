package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress lines of {@code cairn:snapshot create}: their exact text in each phase, and at most one a second (the
 * first a second after the export began), on a clock the test moves.
 */
class ExportProgressTest {
    static final long MS = 1_000_000L;

    @TempDir
    Path tmp;

    long now = 5_000 * MS; // any origin: only differences count
    final List<String> lines = new ArrayList<>();

    ExportProgress progress(long estimate, long blocks) {
        return new ExportProgress(lines::add, () -> now, estimate, blocks);
    }

    @Test
    void aLineAtMostOnceASecondTheFirstASecondAfterTheStart() {
        ExportProgress p = progress(10, 0);
        p.entry(1_000_000);
        now += 500 * MS;
        p.entry(1_000_000);
        now += 499 * MS;
        p.entry(1_000_000);
        assertEquals(List.of(), lines, "nothing in the first second");
        now += MS;
        p.entry(1_000_000);
        assertEquals(List.of("export: entries 4 of ~10 (40%), 4.0 MB, 4.0 MB/s, 2 s left"), lines);
        now += 200 * MS;
        p.entry(1_000_000);
        now += 799 * MS;
        p.entry(1_000_000);
        assertEquals(1, lines.size(), "a second since the last line has not passed: " + lines);
        now += MS;
        p.entry(1_000_000);
        // 7 entries of 1 MB in 2 s: 3.5 MB/s; 3 entries left at 3.5 entries a second: 0.86 s, shown as 1 s
        assertEquals("export: entries 7 of ~10 (70%), 7.0 MB, 3.5 MB/s, 1 s left", lines.get(1));
        assertEquals(2, lines.size());
    }

    @Test
    void withoutAnEstimateOrOnceItIsPassedTheLineHasNoTotalAndNoTimeLeft() {
        ExportProgress none = progress(0, 0);
        none.entry(250_000);
        now += 1_000 * MS;
        none.entry(250_000);
        assertEquals(List.of("export: entries 2, 0.5 MB, 0.5 MB/s"), lines);
        lines.clear();

        ExportProgress passed = progress(2, 0);
        for (int i = 0; i < 3; i++) {
            passed.entry(1_000);
        }
        now += 2_000 * MS;
        passed.entry(1_000);
        assertEquals(List.of("export: entries 4, 0.0 MB, 0.0 MB/s"), lines);
    }

    @Test
    void aFullSnapshotSaysTheBlocksFollowThenCountsThemToTheirExactTotal() {
        ExportProgress p = progress(100, 40);
        for (int i = 0; i < 24; i++) {
            p.entry(100_000);
        }
        now += 1_200 * MS;
        p.entry(100_000);
        // 25 of 100 entries in 1.2 s: 75 left at 20.8 a second, 3.6 s
        assertEquals(List.of("export: entries 25 of ~100 (25%), 2.5 MB, 2.1 MB/s, 4 s to the blocks"), lines);
        for (int i = 0; i < 75; i++) {
            p.entry(100_000);
        }
        p.block(1, 500_000); // the block phase begins here, at 1.2 s
        now += 500 * MS;
        for (long n = 2; n <= 9; n++) {
            p.block(n, 500_000);
        }
        assertEquals(1, lines.size());
        now += 500 * MS;
        p.block(10, 500_000);
        // 10 blocks in 1 s of the block phase: 30 left, 3 s; 100 entries and 10 blocks: 15 MB in 2.2 s
        assertEquals("export: blocks 10 of 40 (25%), entries 100, 15.0 MB, 6.8 MB/s, 3 s left", lines.get(1));
        assertEquals(2, lines.size());
    }

    @Test
    void theEstimateIsTheEntryCountOfTheNewestSnapshotInTheHome() throws Exception {
        Path root = tmp.resolve(SnapshotCommands.DIR);
        assertEquals(OptionalLong.empty(), ExportProgress.estimate(root), "no snapshots directory");
        Files.createDirectories(root);
        assertEquals(OptionalLong.empty(), ExportProgress.estimate(root), "no snapshot in it");
        manifest(root.resolve("7"), 7, 700);
        manifest(root.resolve("30"), 30, 3_000);
        manifest(root.resolve("12"), 12, 1_200);
        manifest(root.resolve(".creating-1"), 99, 9_900); // unfinished: not a snapshot
        Files.createDirectories(root.resolve("50"));
        Files.writeString(root.resolve("50").resolve(Manifest.FILE), "not json"); // unreadable: left out
        assertEquals(OptionalLong.of(3_000), ExportProgress.estimate(root));
    }

    static void manifest(Path dir, long height, long entries) throws Exception {
        Files.createDirectories(dir);
        new Manifest(Manifest.FORMAT, Manifest.STATE, 7, "secp256k1", "account", "0x" + "00".repeat(32),
                new byte[] {1}, height, new byte[] {2}, List.of(), entries, List.of()).write(dir);
    }
}
