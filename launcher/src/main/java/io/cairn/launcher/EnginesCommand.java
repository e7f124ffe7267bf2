package io.cairn.launcher;

import io.cairn.crypto.Suites;
import io.cairn.launcher.node.Composition;
import io.cairn.launcher.node.FeatureSource;
import io.cairn.launcher.node.RuntimeDir;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cairn engines}: per component, the engines this distribution holds and what each is made of. */
@Command(name = "engines", mixinStandardHelpOptions = true,
        description = {"List, per component, the engines this distribution can compose a node of (cairn init --storage,"
                + " --consensus, --ledger, --suite), with the bundles of each."})
final class EnginesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        RuntimeDir runtime = EngineOptions.runtime();
        FeatureSource source = runtime != null ? runtime.featureSource() : FeatureSource.bundled();
        Map<String, List<Composition.Engine>> engines = Composition.engines(source);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-13s %-9s %-22s %s%n", "component", "engine", "choose with", "bundles");
        for (Composition.Part p : Composition.PARTS) {
            for (Composition.Engine e : engines.getOrDefault(p.component(), List.of())) {
                List<String> bundles = new ArrayList<>();
                for (String b : e.bundles()) {
                    boolean there = runtime == null || Files.isRegularFile(runtime.bundle(b));
                    bundles.add(there ? b : b + " (MISSING)");
                }
                out.printf("%-13s %-9s %-22s %s%n", p.component(), e.engine(), p.option() + " " + e.engine(),
                        String.join(", ", bundles));
            }
        }
        for (String suite : Suites.names()) {
            out.printf("%-13s %-9s %-22s %s%n", "crypto", suite, "--suite " + suite, "cairn-crypto");
        }
        out.println();
        out.println("Every node also runs the base feature (core, ledger, executor, txpool, rpc, shell, admin, ssh).");
        out.println("Features: " + (runtime != null ? runtime.features() : source) + "; a new engine is one more feature there.");
        out.flush();
        return 0;
    }
}
