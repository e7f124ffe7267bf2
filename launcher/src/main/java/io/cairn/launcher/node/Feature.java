package io.cairn.launcher.node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's bundles and defaults, flattened from a feature file and what it includes: its bundles in start order
 * (included features first, each bundle once), its default configuration by PID (later lines win, so a feature
 * overrides what it includes), and what it declares of itself: the engines it provides per component and the
 * chains it can run on. Format (docs/architecture.md, Features): {@code bundle <artifactId>},
 * {@code include <feature>}, {@code config <pid> <key>=<value>}, {@code provides <component> <engine>},
 * {@code sealers <min>..[<max>]}, {@code chain}, and {@code #} comment lines.
 *
 * <p>A node home names what it runs as one feature ({@code solo-rocksdb}) or as a composition of features
 * separated by commas ({@code base,storage-rocksdb,consensus-solo,ledger-account}), resolved as if one feature
 * included each in turn.
 *
 * @param provides   component -> engine, for the engine features among those resolved
 * @param minSealers the fewest consensus nodes (genesis sealers) the resolved engines can run with
 * @param maxSealers the most ({@link Integer#MAX_VALUE}: no limit)
 * @param chain      whether an engine needs a chain's network identity (a certificate of the chain CA per node:
 *                   {@code cairn init --nodes N})
 * @param limitedBy  the features that declared a sealer range or a chain, for messages
 */
public record Feature(String name, List<String> bundles, Map<String, Map<String, String>> config,
        Map<String, String> provides, int minSealers, int maxSealers, boolean chain, List<String> limitedBy) {

    public Feature {
        bundles = List.copyOf(bundles);
        Map<String, Map<String, String>> copy = new LinkedHashMap<>();
        config.forEach((pid, props) -> copy.put(pid, Collections.unmodifiableMap(new LinkedHashMap<>(props))));
        config = Collections.unmodifiableMap(copy);
        provides = Collections.unmodifiableMap(new LinkedHashMap<>(provides));
        limitedBy = List.copyOf(limitedBy);
    }

    /** The ledger model the resolved engines provide, which a new chain's genesis names: {@code account} by default. */
    public String ledgerModel() {
        return provides.getOrDefault("ledger-model", "account");
    }

    /** Whether {@code sealers} consensus nodes are within what the resolved engines can run with. */
    public boolean allowsSealers(int sealers) {
        return sealers >= minSealers && sealers <= maxSealers;
    }

    /** The sealer range as text: {@code 1}, {@code 1..4}, {@code 1 or more}. */
    public String sealerRange() {
        if (maxSealers == Integer.MAX_VALUE) {
            return minSealers + " or more";
        }
        return minSealers == maxSealers ? Integer.toString(minSealers) : minSealers + ".." + maxSealers;
    }

    /** Reads {@code spec} (one feature's name, or several separated by commas) and everything it includes. */
    public static Feature resolve(String spec, FeatureSource source) {
        State s = new State();
        if (spec != null && spec.contains(",")) {
            StringBuilder composed = new StringBuilder();
            for (String part : spec.split(",")) {
                composed.append("include ").append(part.strip()).append('\n');
            }
            expand(spec, composed.toString(), source, new ArrayDeque<>(), s);
        } else {
            expand(spec, read(source, spec, null), source, new ArrayDeque<>(), s);
        }
        return new Feature(spec, s.bundles, s.config, s.provides, s.minSealers, s.maxSealers, s.chain,
                List.copyOf(s.limitedBy));
    }

    /** What the resolution has gathered so far. */
    private static final class State {
        final List<String> bundles = new ArrayList<>();
        final Set<String> seen = new LinkedHashSet<>();
        final Map<String, Map<String, String>> config = new LinkedHashMap<>();
        final Map<String, String> provides = new LinkedHashMap<>();
        int minSealers = 1;
        int maxSealers = Integer.MAX_VALUE;
        boolean chain;
        final Set<String> limitedBy = new LinkedHashSet<>();
    }

    private static void expand(String name, String text, FeatureSource source, Deque<String> path, State s) {
        if (path.contains(name)) {
            List<String> cycle = new ArrayList<>(path);
            Collections.reverse(cycle);
            cycle.add(name);
            throw new FeatureException("include cycle: " + String.join(" -> ", cycle));
        }
        path.push(name);
        int lineNo = 0;
        for (String raw : text.split("\r?\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = name + ".feature line " + lineNo;
            String[] words = line.split("\\s+", 2);
            String rest = words.length > 1 ? words[1].strip() : "";
            switch (words[0]) {
                case "bundle" -> {
                    if (rest.isEmpty() || rest.contains(" ") || rest.contains("\t")) {
                        throw new FeatureException(where + ": 'bundle' takes one artifactId, got '" + line + "'");
                    }
                    if (s.seen.add(rest)) {
                        s.bundles.add(rest);
                    }
                }
                case "include" -> {
                    if (rest.isEmpty() || rest.contains(" ") || rest.contains("\t")) {
                        throw new FeatureException(where + ": 'include' takes one feature name, got '" + line + "'");
                    }
                    expand(rest, read(source, rest, name), source, path, s);
                }
                case "config" -> {
                    String[] pidAndSetting = rest.split("\\s+", 2);
                    int eq = pidAndSetting.length == 2 ? pidAndSetting[1].indexOf('=') : -1;
                    if (eq <= 0) {
                        throw new FeatureException(where + ": expected 'config <pid> <key>=<value>', got '" + line + "'");
                    }
                    String setting = pidAndSetting[1];
                    s.config.computeIfAbsent(pidAndSetting[0], k -> new LinkedHashMap<>())
                            .put(setting.substring(0, eq).strip(), setting.substring(eq + 1).strip());
                }
                case "provides" -> provides(where, line, rest, s);
                case "sealers" -> {
                    sealers(where, line, rest, s);
                    s.limitedBy.add(name);
                }
                case "chain" -> {
                    if (!rest.isEmpty()) {
                        throw new FeatureException(where + ": 'chain' takes nothing, got '" + line + "'");
                    }
                    s.chain = true;
                    s.limitedBy.add(name);
                }
                default -> throw new FeatureException(where + ": unknown directive '" + words[0]
                        + "' (expected bundle, include, config, provides, sealers or chain)");
            }
        }
        path.pop();
    }

    private static void provides(String where, String line, String rest, State s) {
        String[] ce = rest.split("\\s+");
        if (ce.length != 2) {
            throw new FeatureException(where + ": expected 'provides <component> <engine>', got '" + line + "'");
        }
        String had = s.provides.putIfAbsent(ce[0], ce[1]);
        if (had != null && !had.equals(ce[1])) {
            throw new FeatureException(where + ": component " + ce[0] + " would have two engines, " + had + " and "
                    + ce[1] + ": choose one");
        }
    }

    private static void sealers(String where, String line, String rest, State s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\.\\.(\\d*)").matcher(rest);
        if (!m.matches()) {
            throw new FeatureException(where + ": expected 'sealers <min>..<max>' or 'sealers <min>..', got '" + line + "'");
        }
        int min = Integer.parseInt(m.group(1));
        int max = m.group(2).isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(m.group(2));
        if (min < 1 || max < min) {
            throw new FeatureException(where + ": need 1 <= min <= max in '" + line + "'");
        }
        s.minSealers = Math.max(s.minSealers, min);
        s.maxSealers = Math.min(s.maxSealers, max);
    }

    private static String read(FeatureSource source, String name, String includedBy) {
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            throw new FeatureException("bad feature name '" + name + "'");
        }
        return source.read(name).orElseThrow(() -> new FeatureException(includedBy == null
                ? "no feature named '" + name + "' in " + source
                : "feature '" + name + "' (included by " + includedBy + ") does not exist in " + source));
    }

    /** A feature file that cannot be used, with the file and line when known. */
    public static final class FeatureException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public FeatureException(String message) {
            super(message);
        }
    }
}
