package io.cairn.launcher.node;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node composed per component, the blockchain factory: the common {@code base} feature plus one engine feature
 * per component, {@code storage-<engine>}, {@code consensus-<engine>} and {@code ledger-<engine>}, each naming its
 * bundles and their default configuration and declaring what it provides. A new engine is one more such feature;
 * nothing here names an engine.
 */
public record Composition(String storage, String consensus, String ledger) {
    public static final String BASE = "base";

    /** A component a node is composed of, and the prefix of its engine features' names. */
    public record Part(String component, String option, String prefix) {}

    public static final List<Part> PARTS = List.of(new Part("storage", "--storage", "storage-"),
            new Part("consensus", "--consensus", "consensus-"), new Part("ledger-model", "--ledger", "ledger-"));

    /** The defaults: RocksDB, the account model, solo for one node and PBFT for a chain. */
    public static Composition of(String storage, String consensus, String ledger, boolean chain) {
        return new Composition(storage != null ? storage : "rocksdb", consensus != null ? consensus : chain ? "pbft" : "solo",
                ledger != null ? ledger : "account");
    }

    /** The feature spec a node home records: {@code base,storage-..,consensus-..,ledger-..}. */
    public String spec() {
        return String.join(",", BASE, "storage-" + storage, "consensus-" + consensus, "ledger-" + ledger);
    }

    /**
     * Resolves the composition, refusing an engine this distribution does not have (naming those it has).
     *
     * @throws IllegalArgumentException naming the option and what is wrong
     */
    public Feature resolve(FeatureSource source) {
        List<String> chosen = List.of(storage, consensus, ledger);
        for (int i = 0; i < PARTS.size(); i++) {
            Part p = PARTS.get(i);
            String engine = chosen.get(i);
            if (engine == null || !engine.matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException(p.option() + ": '" + engine + "' is not an engine name");
            }
            Feature f = source.read(p.prefix() + engine).isPresent() ? Feature.resolve(p.prefix() + engine, source) : null;
            if (f == null || !engine.equals(f.provides().get(p.component()))) {
                throw new IllegalArgumentException(p.option() + " " + engine + ": this distribution has no " + p.component()
                        + " engine '" + engine + "' (it has: " + String.join(", ", engines(source).getOrDefault(p.component(),
                                List.of()).stream().map(Engine::engine).toList()) + ")");
            }
        }
        return Feature.resolve(spec(), source);
    }

    /**
     * Checks that a node of {@code feature} can run in the chain being made: its engines' sealer range, and a
     * chain's network identity where an engine needs one.
     *
     * @param sealers the consensus nodes of the chain
     * @param chain   whether the homes are made as a chain ({@code --nodes}), with certificates of a chain CA
     */
    public static void checkShape(Feature feature, int sealers, boolean chain) {
        if (!feature.allowsSealers(sealers)) {
            throw new IllegalArgumentException(describe(feature) + " runs with " + feature.sealerRange() + " sealer(s), not "
                    + sealers + (sealers > 1 ? ": a chain of several nodes needs a consensus engine that votes (--consensus pbft)" : ""));
        }
        if (feature.chain() && !chain) {
            throw new IllegalArgumentException(describe(feature) + " needs a chain made by `cairn init --nodes N` (each node a "
                    + "certificate of the chain's CA for its key): add --nodes");
        }
    }

    /** Refuses a feature naming a bundle the assembled distribution does not hold. */
    public static void checkBundles(Feature feature, RuntimeDir runtime) {
        List<String> missing = new ArrayList<>();
        for (String b : feature.bundles()) {
            if (!Files.isRegularFile(runtime.bundle(b))) {
                missing.add(b);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(describe(feature) + " needs bundle(s) " + String.join(", ", missing)
                    + ", which this distribution does not hold (" + runtime.system() + ")");
        }
    }

    /** The engines whose declarations limit the node ({@code consensus solo}), else the feature's name. */
    private static String describe(Feature f) {
        List<String> parts = new ArrayList<>();
        f.provides().forEach((c, e) -> {
            for (Part p : PARTS) {
                if (p.component().equals(c) && f.limitedBy().contains(p.prefix() + e)) {
                    parts.add(c + " " + e);
                }
            }
        });
        return parts.isEmpty() ? "feature " + f.name() : String.join(", ", parts);
    }

    /** An engine a feature provides. */
    public record Engine(String component, String engine, String feature, List<String> bundles) {}

    /**
     * The engines of every component this source's features provide, by component (sorted): the features named
     * {@code <prefix><engine>} that declare {@code provides <component> <engine>}.
     */
    public static Map<String, List<Engine>> engines(FeatureSource source) {
        Map<String, List<Engine>> out = new TreeMap<>();
        for (String name : source.names()) {
            for (Part p : PARTS) {
                if (!name.startsWith(p.prefix())) {
                    continue;
                }
                String engine = name.substring(p.prefix().length());
                Feature f;
                try {
                    f = Feature.resolve(name, source);
                } catch (Feature.FeatureException e) {
                    continue; // a broken feature provides nothing; resolving it says why
                }
                if (engine.equals(f.provides().get(p.component()))) {
                    out.computeIfAbsent(p.component(), k -> new ArrayList<>()).add(new Engine(p.component(), engine, name,
                            f.bundles()));
                }
            }
        }
        return out;
    }
}
