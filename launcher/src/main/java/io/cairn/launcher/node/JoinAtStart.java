package io.cairn.launcher.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceRegistration;

/**
 * {@code cairn start --join} (docs/snapshots.md): the node joins the chain by state sync in its own framework before
 * its pipeline starts. With the import marker service up ({@link FelixNode#markImportMode}, registered before the
 * framework starts) it starts what an import
 * runs with, plus its network (to fetch) and its JSON-RPC server (where getSyncStatus shows the join), calls the
 * snapshot bundle's join, lifts the marker and stops the node's own bundles that read the chain ({@link #restart});
 * the node's start then starts everything, pipeline included, on the imported chain. One JVM and one framework
 * from the first peer to the first synced block: no second start.
 */
public final class JoinAtStart {
    /** What the join is given: how long the node may take to come up for it, and where its progress lines go. */
    public record Options(Duration timeout, Consumer<String> progress) {}

    /** The prefix of the progress lines a joining node prints (the detached start echoes them). */
    public static final String PREFIX = "join: ";
    /** The pipeline bundles that run during the join (their {@value FelixNode#PIPELINE_HEADER} values). */
    static final Set<String> PARTS = Set.of("network", "rpc");
    /** The node's own bundles: those restarted after the import carry this symbolic-name prefix. */
    private static final String OWN = "cairn-";
    /**
     * The node's bundles with components that keep running across the import: the stable core (cairn-core: threads,
     * metrics, peer reputation; cairn-admin: upgrades) and cairn-crypto (suites and the node's identity, from its key
     * files), none of which reads the chain; restarting them would also restart the network that uses them.
     */
    private static final Set<String> STAY = Set.of("cairn-core", "cairn-admin", "cairn-crypto");

    private final FelixNode node;
    private final NodeHome home;
    private final Options options;

    JoinAtStart(FelixNode node, NodeHome home, Options options) {
        this.node = node;
        this.home = home;
        this.options = options;
    }

    /** Whether a bundle that ran for the join restarts after the import ({@link #restart}). */
    static boolean restarts(String symbolicName, boolean pipeline, boolean components) {
        return symbolicName != null && symbolicName.startsWith(OWN) && !STAY.contains(symbolicName) && !pipeline
                && components;
    }

    /** Where a join fetches the snapshot: {@code <home>/snapshots/.joining}, never listed as a snapshot. */
    public static Path directory(NodeHome home) {
        return home.dir().toAbsolutePath().resolve("snapshots").resolve(".joining");
    }

    /**
     * Joins; null when the node goes on to start (joined, or its home holds the chain already), else the line the
     * node prints before it exits with status 1.
     */
    String run(BundleContext ctx, List<Bundle> installed, ServiceRegistration<?> mode, BooleanSupplier refused)
            throws IOException, InterruptedException {
        Path into = directory(home);
        Path marker = FelixNode.importMarker(home);
        // a home an earlier join left under construction stays so until a join succeeds
        boolean underConstruction = Files.exists(marker);
        Consumer<String> progress = line -> {
            try {
                if (!Files.exists(marker)) {
                    // the join got past its checks and begins: a crash from here leaves the home under construction
                    Files.createDirectories(marker.getParent());
                    Files.writeString(marker, into + "\n");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            options.progress().accept(PREFIX + line);
        };
        List<Bundle> started = new ArrayList<>();
        String answer;
        try {
            for (Bundle b : installed) {
                if (FelixNode.startsForImport(b, PARTS) && node.start(b)) {
                    started.add(b);
                }
            }
            answer = FelixNode.awaitService(ctx, options.timeout(), "(cairn.snapshot=join)", BiFunction.class, joiner -> {
                @SuppressWarnings("unchecked")
                var f = (BiFunction<String, Consumer<String>, String>) joiner;
                return f.apply(into.toString(), progress);
            }, refused);
        } finally {
            mode.unregister();
        }
        if (refused.getAsBoolean()) {
            return "the node refused to run (above)";
        }
        if (answer.startsWith("HELD")) {
            options.progress().accept(PREFIX + answer.substring(answer.indexOf(':') + 1).strip()
                    + ": the node starts without a join");
        } else if (answer.contains("imported snapshot")) {
            for (String line : answer.split("\n")) {
                options.progress().accept(PREFIX + line);
            }
        } else {
            if (answer.startsWith("REFUSED") && !underConstruction) {
                Files.deleteIfExists(marker); // refused before writing: the home is as new
                return answer;
            }
            return answer + "; home " + home + " stays under construction: start it with --join again to go on";
        }
        Files.deleteIfExists(marker);
        restart(started);
        return null;
    }

    /**
     * Stops, newest first, the node's own bundles with components that ran for the join, but those that {@link #STAY}
     * and the network and RPC server: the node's start starts them again, and their components read the imported
     * chain (the block store its head, the rules engine its plans, the executor's genesis bootstrap checks the head's
     * state root, now that no marker says import).
     */
    private void restart(List<Bundle> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            Bundle b = started.get(i);
            String bsn = b.getSymbolicName();
            if (restarts(bsn, b.getHeaders().get(FelixNode.PIPELINE_HEADER) != null,
                    b.getHeaders().get("Service-Component") != null)) {
                try {
                    b.stop(Bundle.STOP_TRANSIENT);
                } catch (BundleException e) {
                    options.progress().accept(PREFIX + "bundle " + b.getSymbolicName() + " did not stop: "
                            + FelixNode.describe(e));
                }
            }
        }
    }
}
