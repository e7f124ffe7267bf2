package io.cairn.admin.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The append-only record of upgrade transactions, {@code data/upgrades/journal}: one line per step, forced to
 * disk before the step is taken, so that a node killed mid-upgrade knows on restart what it was doing.
 * A line is tab-separated {@code key=value} fields; tabs, newlines and backslashes in values are escaped.
 */
final class UpgradeJournal {
    enum Step { BEGIN, SWITCHING, MIGRATED, COMMIT, ROLLBACK, REFUSED, RECOVERED;
        boolean ends() {
            return this == COMMIT || this == ROLLBACK || this == REFUSED || this == RECOVERED;
        }
    }

    /** One side of an upgrade: a bundle by name, version and location; empty fields when unknown. */
    record Side(String bsn, String version, String location) {
        static final Side NONE = new Side("", "", "");

        static Side of(BundleFacts b) {
            return b == null ? NONE : new Side(b.bsn(), b.version().toString(), b.location());
        }

        boolean isNone() {
            return bsn.isEmpty();
        }

        @Override
        public String toString() {
            return isNone() ? "-" : bsn + " " + version;
        }
    }

    record Entry(Instant time, String tx, String component, Step step, String outcome, Side from, Side to,
            long pauseMs, long gapMs, String reason) {}

    private final Path file;

    UpgradeJournal(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    synchronized void append(Entry e) throws IOException {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("time", e.time().toString());
        f.put("tx", e.tx());
        f.put("component", e.component());
        f.put("step", e.step().name());
        f.put("outcome", e.outcome());
        f.put("fromBsn", e.from().bsn());
        f.put("fromVersion", e.from().version());
        f.put("fromLocation", e.from().location());
        f.put("toBsn", e.to().bsn());
        f.put("toVersion", e.to().version());
        f.put("toLocation", e.to().location());
        f.put("pauseMs", Long.toString(e.pauseMs()));
        f.put("gapMs", Long.toString(e.gapMs()));
        f.put("reason", e.reason() == null ? "" : e.reason());
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> x : f.entrySet()) {
            if (b.length() > 0) {
                b.append('\t');
            }
            b.append(x.getKey()).append('=').append(escape(x.getValue()));
        }
        b.append('\n');
        Files.createDirectories(file.getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
        }
    }

    /** Every entry in order; a torn last line (a kill mid-write) is skipped. */
    synchronized List<Entry> entries() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Entry e = parse(line);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    static Entry parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (String field : line.split("\t", -1)) {
            int eq = field.indexOf('=');
            if (eq > 0) {
                f.put(field.substring(0, eq), unescape(field.substring(eq + 1)));
            }
        }
        try {
            return new Entry(Instant.parse(f.get("time")), f.getOrDefault("tx", ""), f.getOrDefault("component", ""),
                    Step.valueOf(f.get("step")), f.getOrDefault("outcome", ""),
                    new Side(f.getOrDefault("fromBsn", ""), f.getOrDefault("fromVersion", ""), f.getOrDefault("fromLocation", "")),
                    new Side(f.getOrDefault("toBsn", ""), f.getOrDefault("toVersion", ""), f.getOrDefault("toLocation", "")),
                    Long.parseLong(f.getOrDefault("pauseMs", "-1")), Long.parseLong(f.getOrDefault("gapMs", "-1")),
                    f.getOrDefault("reason", ""));
        } catch (RuntimeException torn) {
            return null;
        }
    }

    /** The last transaction's latest entry if it began but never ended: the node died in the middle of it. */
    static Optional<Entry> unfinished(List<Entry> entries) {
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        Entry last = entries.get(entries.size() - 1);
        if (last.step().ends()) {
            return Optional.empty();
        }
        // BEGIN names both sides; SWITCHING repeats them.
        return Optional.of(last);
    }

    /** Committed transactions' last entry per transaction, oldest first: the history an operator reads. */
    static List<Entry> outcomes(List<Entry> entries) {
        Map<String, Entry> last = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.step().ends()) {
                last.put(e.tx(), e);
            }
        }
        return new ArrayList<>(last.values());
    }

    /** The latest COMMIT of a component not undone since, for {@code cairn:rollback}. */
    static Optional<Entry> lastCommit(List<Entry> entries, String component) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (e.component().equals(component) && e.step() == Step.COMMIT) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
