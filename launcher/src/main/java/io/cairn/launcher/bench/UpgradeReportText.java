package io.cairn.launcher.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The upgrade benchmark's verdict, statistics and its report as text: the console table and bench-upgrades.md. */
final class UpgradeReportText {
    private UpgradeReportText() {}

    /** Targets met by every component, and nothing the node accepted went missing. */
    static String verdict(boolean componentsPass, long uncommittedAfterDrain) {
        return componentsPass && uncommittedAfterDrain == 0 ? "PASS" : "FAIL";
    }

    /** The median; of an even count, the mean of the middle two rounded down. */
    static Long median(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> s = values.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> report) {
        StringBuilder b = new StringBuilder();
        b.append("| component | bundle | upgrades | outcomes | median pause ms | max pause ms | tx/s during | ratio to steady "
                + "| worst window | longest block gap ms | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> c : (List<Map<String, Object>>) report.get("components")) {
            b.append("| ").append(c.get("component")).append(" | ").append(c.get("bundle")).append(" | ")
                    .append(c.get("upgrades")).append(" | ").append(outcomes((Map<String, Integer>) c.get("outcomes")))
                    .append(" | ").append(dash(c.get("medianPauseMs"))).append(" | ").append(dash(c.get("maxPauseMs")))
                    .append(" | ").append(dash(c.get("phaseTps"))).append(" | ").append(dash(c.get("ratioToSteady")))
                    .append(" | ").append(dash(c.get("minWindowRatio"))).append(" | ")
                    .append(dash(c.get("longestBlockGapMs"))).append(" | ")
                    .append(Boolean.TRUE.equals(c.get("pass")) ? "pass" : "FAIL" + reasons(c)).append(" |\n");
        }
        return b.toString();
    }

    private static String reasons(Map<String, Object> c) {
        List<String> why = new ArrayList<>();
        if (!Boolean.TRUE.equals(c.get("pausePass"))) {
            why.add("pause");
        }
        if (!Boolean.TRUE.equals(c.get("throughputPass"))) {
            why.add("throughput");
        }
        if (!Boolean.TRUE.equals(c.get("allCommitted"))) {
            why.add("not all committed");
        }
        return why.isEmpty() ? "" : " (" + String.join(", ", why) + ")";
    }

    private static String outcomes(Map<String, Integer> o) {
        List<String> parts = new ArrayList<>();
        o.forEach((k, v) -> parts.add(v + " " + k.toLowerCase().replace('_', ' ')));
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    /** Text safe inside a Markdown table cell. */
    static String cell(Object o) {
        return String.valueOf(o).replaceAll("\\s+", " ").replace("|", "\\|");
    }

    private static String dash(Object o) {
        return o == null ? "-" : o.toString();
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> report) {
        StringBuilder b = new StringBuilder("# Cairn upgrade benchmark\n\n");
        Map<String, Object> steady = (Map<String, Object>) report.get("steady");
        Map<String, Object> load = (Map<String, Object>) report.get("load");
        b.append("Verdict: **").append(report.get("verdict")).append("** (targets: median block-production pause < ")
                .append(UpgradeBench.PAUSE_TARGET_MS).append(" ms per component; committed throughput around its upgrades at least ")
                .append(Math.round(UpgradeBench.THROUGHPUT_TARGET * 100)).append("% of steady state).\n\n");
        if (report.containsKey("aborted")) {
            b.append("**Aborted:** ").append(report.get("aborted")).append("\n\n");
        }
        if (report.containsKey("warning")) {
            b.append("**Warning:** ").append(report.get("warning")).append("\n\n");
        }
        b.append("- ").append(report.get("time")).append(", ").append(report.get("suite")).append(", ")
                .append(report.get("cores")).append(" cores, ").append(report.get("rounds")).append(" upgrades per component, ")
                .append(report.get("spacingMs")).append(" ms apart\n");
        b.append("- offered load ").append(load.get("offeredRatePerSecond")).append(" tx/s; steady state ")
                .append(steady.get("committedTps")).append(" tx/s committed over ").append(steady.get("seconds"))
                .append(" s (longest block gap ").append(steady.get("longestBlockGapMs")).append(" ms, latency ")
                .append(steady.get("latencyMs")).append(")\n");
        Map<String, Object> after = (Map<String, Object>) report.get("steadyAfterUpgrades");
        if (after != null) {
            b.append("- after all upgrades ").append(after.get("committedTps")).append(" tx/s (ratio ")
                    .append(after.get("ratioToSteady")).append(")\n");
        }
        b.append("- load: accepted ").append(load.get("accepted")).append(", rejected ").append(load.get("rejectedByCode"))
                .append(", resent ").append(load.get("resent")).append(", transport errors ")
                .append(load.get("transportErrors")).append(", uncommitted after drain ")
                .append(load.get("uncommittedAfterDrain")).append("\n");
        b.append("- window: ").append(report.get("windowDefinition")).append("\n\n");
        b.append(table(report)).append('\n');
        for (Map<String, Object> c : (List<Map<String, Object>>) report.get("components")) {
            b.append("## ").append(c.get("component")).append(" (").append(c.get("bundle")).append(" from ")
                    .append(c.get("fromVersion")).append(")\n\n");
            b.append("Latency during its upgrades: ").append(c.get("latencyMs")).append("\n\n");
            b.append("| round | version | outcome | pause ms | absent ms | mode | command ms | window tx/s | ratio "
                    + "| longest block gap ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
            for (Map<String, Object> u : (List<Map<String, Object>>) c.get("perUpgrade")) {
                b.append("| ").append(u.get("round")).append(" | ").append(u.get("version")).append(" | ")
                        .append(u.get("outcome")).append(u.containsKey("detail") ? ": " + cell(u.get("detail")) : "")
                        .append(" | ").append(u.get("pauseMs")).append(" | ").append(u.get("absentMs")).append(" | ")
                        .append(u.get("mode")).append(" | ").append(u.get("commandMs")).append(" | ")
                        .append(u.get("windowTps")).append(" | ").append(u.get("windowRatio")).append(" | ")
                        .append(u.get("longestBlockGapMs")).append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
