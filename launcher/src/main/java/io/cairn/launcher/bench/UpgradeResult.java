package io.cairn.launcher.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code cairn:upgrade} did, as the node reported it: its outcome and the block-production pause
 * it measured. Read from the command's answer, or, when the answer was lost (the shell connection went
 * away mid-command), from the node's upgrade journal.
 */
record UpgradeResult(Outcome outcome, long pauseMs, long gapMs, String mode, String detail) {
    enum Outcome { COMMITTED, ROLLED_BACK, REFUSED, FAILED }

    private static final Pattern COMMITTED = Pattern.compile(
            "COMMITTED \\(([^)]*)\\): block production paused (-?\\d+) ms, \\S+ absent (-?\\d+) ms");
    private static final Pattern ROLLED_BACK = Pattern.compile("ROLLED BACK: (.*) \\(paused (-?\\d+) ms\\)");
    private static final Pattern REFUSED = Pattern.compile("REFUSED: (.*)");

    /** The answer of {@code cairn:upgrade}; FAILED (with the text) when it has none of the outcome lines. */
    static UpgradeResult parse(String answer) {
        Matcher m = COMMITTED.matcher(answer);
        if (m.find()) {
            return new UpgradeResult(Outcome.COMMITTED, Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    m.group(1), "");
        }
        m = ROLLED_BACK.matcher(answer);
        if (m.find()) {
            return new UpgradeResult(Outcome.ROLLED_BACK, Long.parseLong(m.group(2)), -1, "", m.group(1).strip());
        }
        m = REFUSED.matcher(answer);
        if (m.find()) {
            return new UpgradeResult(Outcome.REFUSED, -1, -1, "", m.group(1).strip());
        }
        return failed(answer.isBlank() ? "no answer" : answer.strip());
    }

    static UpgradeResult failed(String why) {
        return new UpgradeResult(Outcome.FAILED, -1, -1, "", why);
    }

    /**
     * The last finished upgrade of {@code component} to {@code version} in the journal
     * ({@code data/upgrades/journal}: tab-separated key=value lines), or null when there is none.
     */
    static UpgradeResult fromJournal(Path journal, String component, String version) throws IOException {
        if (!Files.isRegularFile(journal)) {
            return null;
        }
        UpgradeResult found = null;
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            Map<String, String> f = fields(line);
            if (!component.equals(f.get("component")) || !version.equals(f.get("toVersion"))) {
                continue;
            }
            long pause = parseLong(f.get("pauseMs"));
            long gap = parseLong(f.get("gapMs"));
            String reason = f.getOrDefault("reason", "");
            switch (f.getOrDefault("step", "")) {
                case "COMMIT" -> found = new UpgradeResult(Outcome.COMMITTED, pause, gap, "", "from the journal");
                case "ROLLBACK" -> found = new UpgradeResult(Outcome.ROLLED_BACK, pause, -1, "", reason);
                case "REFUSED" -> found = new UpgradeResult(Outcome.REFUSED, -1, -1, "", reason);
                default -> { }
            }
        }
        return found;
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> f = new HashMap<>();
        for (String part : List.of(line.split("\t"))) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return f;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
