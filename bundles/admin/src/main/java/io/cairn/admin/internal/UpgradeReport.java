package io.cairn.admin.internal;

import java.util.ArrayList;
import java.util.List;

/** What an upgrade did or, for a dry run, would do; rendered by the shell commands. */
record UpgradeReport(String component, String source, Outcome outcome, JarVerifier.Verification verification,
        List<String> wouldStop, List<String> wouldRefresh, String switchMode, long pauseMs, long gapMs, String reason) {

    enum Outcome { DRY_RUN, COMMITTED, ROLLED_BACK, REFUSED }

    String text() {
        List<String> l = new ArrayList<>();
        JarVerifier.Verification v = verification;
        l.add((outcome == Outcome.DRY_RUN ? "dry run: " : "") + "upgrade " + component + " from " + source);
        if (v != null && v.facts() != null) {
            l.add("  jar        " + v.facts().bsn() + " " + v.facts().version()
                    + (v.kind() == null ? "" : " (" + v.kind() + ")"));
        }
        if (v != null) {
            l.add("  running    " + (v.current().isEmpty() ? "nothing" : String.join(", ",
                    v.current().stream().map(b -> b.bsn() + " " + b.version() + " [" + b.id() + " " + b.stateName() + "]").toList())));
            l.add("  signature  " + v.trust());
            l.add("  imports    " + (v.facts() == null ? "not checked"
                    : v.unresolved().isEmpty() ? "all resolve against the running node" : "unresolved: " + String.join(", ", v.unresolved())));
        }
        if (outcome == Outcome.DRY_RUN || outcome == Outcome.REFUSED) {
            l.add("  stop       " + (wouldStop.isEmpty() ? "nothing" : String.join(", ", wouldStop)));
            l.add("  refresh    " + (wouldRefresh.isEmpty() ? "nothing" : String.join(", ", wouldRefresh)));
            if (switchMode != null) {
                l.add("  switch     " + switchMode);
            }
        }
        switch (outcome) {
            case DRY_RUN -> l.add(v != null && v.ok() ? "result: would upgrade; nothing was changed"
                    : "result: would be refused: " + String.join("; ", v == null ? List.of(reason) : v.problems()));
            case REFUSED -> l.add("REFUSED: " + reason);
            case COMMITTED -> l.add("COMMITTED (" + switchMode + "): block production paused " + pauseMs + " ms, "
                    + component + " absent " + gapMs + " ms");
            case ROLLED_BACK -> l.add("ROLLED BACK: " + reason + " (paused " + pauseMs + " ms)");
        }
        return String.join("\n", l);
    }
}
