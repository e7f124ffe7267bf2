package io.cairn.snapshot.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The progress lines of {@code cairn:snapshot create} (docs/snapshots.md): told of each entry and block an export
 * writes, it prints a line at most once a second (the first a second after the export began), so that a long export
 * shows where it stands and a short one prints nothing but its result. Counts only: it holds no entry.
 *
 * <p>Two phases: the state (entries, of the estimate {@code ~T} when there is one: the entry count of the newest
 * snapshot in the home, {@link #estimate}) and, of a full snapshot, the blocks 1..H (of an exact total). Bytes are the
 * uncompressed records written so far (entries and blocks with their receipts), the rate is those bytes over the time
 * since the export began, the time left is the phase's remaining count at the phase's own rate.
 */
final class ExportProgress implements Snapshots.Progress {
    /** Every progress line begins with this, so that {@code ./cairn snapshot export} can tell them from the result. */
    static final String PREFIX = "export: ";
    static final long INTERVAL_NANOS = 1_000_000_000L;

    private final Consumer<String> out;
    private final LongSupplier nanos;
    private final long estimate;
    private final long blocksTotal;
    private final long start;
    private long last;
    private long entries;
    private long bytes;
    private long block = -1;
    private long blocksDone;
    private long blocksStart;

    /**
     * @param out         where each line goes (flushed by the receiver)
     * @param nanos       the clock, in nanoseconds ({@code System::nanoTime})
     * @param estimate    the entries the state is expected to hold; 0 or less: none known
     * @param blocksTotal the blocks of a full snapshot (H); 0 for a state snapshot
     */
    ExportProgress(Consumer<String> out, LongSupplier nanos, long estimate, long blocksTotal) {
        this.out = out;
        this.nanos = nanos;
        this.estimate = estimate;
        this.blocksTotal = blocksTotal;
        this.start = nanos.getAsLong();
        this.last = start;
    }

    @Override
    public void entry(long bytes) {
        entries++;
        this.bytes += bytes;
        tick();
    }

    @Override
    public void block(long number, long bytes) {
        long now = nanos.getAsLong();
        if (block < 0) {
            blocksStart = now;
        }
        block = number;
        blocksDone++;
        this.bytes += bytes;
        tick(now);
    }

    private void tick() {
        tick(nanos.getAsLong());
    }

    private void tick(long now) {
        if (now - last >= INTERVAL_NANOS) {
            last = now;
            out.accept(line(now));
        }
    }

    /** The line as of {@code now}. */
    String line(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        String size = mb(bytes) + ", " + mb((long) (bytes / seconds)) + "/s";
        if (block >= 0) {
            double inPhase = (now - blocksStart) / 1e9;
            String left = inPhase <= 0 ? "" : ", " + secondsLeft(Math.max(0, blocksTotal - block) * inPhase / blocksDone)
                    + " s left";
            return PREFIX + "blocks " + block + " of " + blocksTotal + " (" + percent(block, blocksTotal) + "%), entries "
                    + entries + ", " + size + left;
        }
        if (estimate <= 0 || entries >= estimate) {
            return PREFIX + "entries " + entries + ", " + size;
        }
        String left = entries == 0 ? "" : ", " + secondsLeft((estimate - entries) * seconds / entries)
                + (blocksTotal > 0 ? " s to the blocks" : " s left");
        return PREFIX + "entries " + entries + " of ~" + estimate + " (" + percent(entries, estimate) + "%), " + size
                + left;
    }

    private static long percent(long done, long total) {
        return total <= 0 ? 0 : done * 100 / total;
    }

    private static long secondsLeft(double seconds) {
        return (long) Math.ceil(seconds);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /**
     * The entries the state is expected to hold: those of the newest snapshot (the highest block) whose manifest reads
     * in {@code root} ({@code <home>/snapshots}); empty when there is none. The storage engines give no count of the
     * state's keys (RocksDB's own estimate counts every key space, blocks included), so this is the one at hand.
     */
    static OptionalLong estimate(Path root) {
        if (!Files.isDirectory(root)) {
            return OptionalLong.empty();
        }
        long height = -1;
        long entries = 0;
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.toList()) {
                if (d.getFileName().toString().startsWith(".") || !Files.isRegularFile(d.resolve(Manifest.FILE))) {
                    continue;
                }
                try {
                    Manifest m = Manifest.read(d);
                    if (m.height() > height) {
                        height = m.height();
                        entries = m.entries();
                    }
                } catch (RuntimeException unreadable) {
                    // not a snapshot to go by
                }
            }
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return height < 0 || entries <= 0 ? OptionalLong.empty() : OptionalLong.of(entries);
    }
}
