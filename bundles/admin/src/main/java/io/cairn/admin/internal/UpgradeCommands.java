package io.cairn.admin.internal;

import io.cairn.admin.internal.UpgradeJournal.Entry;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code cairn:upgrade}, {@code cairn:upgrades}, {@code cairn:rollback}, {@code cairn:engines}: text over {@link Upgrades}. */
@Component(service = UpgradeCommands.class, property = {"osgi.command.scope=cairn", "osgi.command.function=upgrade",
        "osgi.command.function=upgrades", "osgi.command.function=rollback", "osgi.command.function=engines"})
public final class UpgradeCommands {
    static final String DRY_RUN = "--dry-run";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Upgrades upgrades;

    @Activate
    public UpgradeCommands(@Reference Upgrades upgrades) {
        this.upgrades = upgrades;
    }

    @Descriptor("upgrade a component from a signed jar or mvn:group/artifact/version")
    public String upgrade(@Descriptor("component") String component, @Descriptor("jar path or mvn: coordinates") String source)
            throws Exception {
        return upgrades.upgrade(component, source, false).text();
    }

    @Descriptor("upgrade a component; --dry-run only says what would happen")
    public String upgrade(@Descriptor("component") String component, @Descriptor("jar path or mvn: coordinates") String source,
            @Descriptor("--dry-run") String flag) throws Exception {
        boolean dry = DRY_RUN.equals(flag) || DRY_RUN.equals(source);
        if (!dry) {
            throw new IllegalArgumentException("unknown option '" + flag + "': the only option is " + DRY_RUN);
        }
        return upgrades.upgrade(component, DRY_RUN.equals(source) ? flag : source, true).text();
    }

    @Descriptor("history of upgrades: time, component, from, to, outcome, pause")
    public String upgrades() throws Exception {
        return history(UpgradeJournal.outcomes(upgrades.history()));
    }

    @Descriptor("reinstall the engine that the last upgrade of a component replaced")
    public String rollback(@Descriptor("component") String component) throws Exception {
        return upgrades.rollback(component).text();
    }

    @Descriptor("per component: installed engine bundles and jars available in deploy/ and system/")
    public String engines() throws Exception {
        return engines(upgrades.engines());
    }

    static String history(List<Entry> entries) {
        if (entries.isEmpty()) {
            return "no upgrades yet";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"time (UTC)", "component", "from", "to", "outcome", "pauseMs", "reason"});
        for (Entry e : entries) {
            rows.add(new String[] {TIME.format(e.time()), e.component(), e.from().toString(), e.to().toString(),
                    e.step().name(), e.pauseMs() < 0 ? "-" : Long.toString(e.pauseMs()),
                    e.step() == UpgradeJournal.Step.COMMIT ? e.reason() + ", gap " + e.gapMs() + " ms" : e.reason()});
        }
        return table(rows);
    }

    static String engines(List<Upgrades.EngineRow> rows) {
        StringBuilder b = new StringBuilder();
        for (Upgrades.EngineRow r : rows) {
            b.append(r.component()).append('\n');
            if (r.installed().isEmpty()) {
                b.append("  installed  none\n");
            }
            for (BundleFacts f : r.installed()) {
                b.append("  installed  ").append(f.bsn()).append(' ').append(f.version()).append(" [").append(f.id())
                        .append("] ").append(f.stateName()).append(f.active() ? " (active)" : "").append('\n');
            }
            for (String a : r.available()) {
                b.append("  available  ").append(a).append('\n');
            }
        }
        return b.toString().stripTrailing();
    }

    static String table(List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length - 1; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + w[i] + "s  ", r[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString().stripTrailing();
    }
}
