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
 * A node profile, flattened: its bundles in start order (included features first, each bundle once)
 * and its default configuration by PID (later lines win, so a feature overrides what it includes).
 * Format: {@code bundle <artifactId>}, {@code include <feature>}, {@code config <pid> <key>=<value>},
 * and {@code #} comment lines (docs/architecture.md).
 */
public record Feature(String name, List<String> bundles, Map<String, Map<String, String>> config) {

    public Feature {
        bundles = List.copyOf(bundles);
        Map<String, Map<String, String>> copy = new LinkedHashMap<>();
        config.forEach((pid, props) -> copy.put(pid, Collections.unmodifiableMap(new LinkedHashMap<>(props))));
        config = Collections.unmodifiableMap(copy);
    }

    /** Reads {@code name} and everything it includes from {@code source}. */
    public static Feature resolve(String name, FeatureSource source) {
        List<String> bundles = new ArrayList<>();
        Map<String, Map<String, String>> config = new LinkedHashMap<>();
        String text = read(source, name, null);
        expand(name, text, source, new ArrayDeque<>(), new LinkedHashSet<>(bundles), config, bundles);
        return new Feature(name, bundles, config);
    }

    private static void expand(String name, String text, FeatureSource source, Deque<String> path,
            Set<String> seen, Map<String, Map<String, String>> config, List<String> bundles) {
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
                    if (seen.add(rest)) {
                        bundles.add(rest);
                    }
                }
                case "include" -> {
                    if (rest.isEmpty() || rest.contains(" ") || rest.contains("\t")) {
                        throw new FeatureException(where + ": 'include' takes one feature name, got '" + line + "'");
                    }
                    expand(rest, read(source, rest, name), source, path, seen, config, bundles);
                }
                case "config" -> {
                    String[] pidAndSetting = rest.split("\\s+", 2);
                    int eq = pidAndSetting.length == 2 ? pidAndSetting[1].indexOf('=') : -1;
                    if (eq <= 0) {
                        throw new FeatureException(where + ": expected 'config <pid> <key>=<value>', got '" + line + "'");
                    }
                    String setting = pidAndSetting[1];
                    config.computeIfAbsent(pidAndSetting[0], k -> new LinkedHashMap<>())
                            .put(setting.substring(0, eq).strip(), setting.substring(eq + 1).strip());
                }
                default -> throw new FeatureException(where + ": unknown directive '" + words[0]
                        + "' (expected bundle, include or config)");
            }
        }
        path.pop();
    }

    private static String read(FeatureSource source, String name, String includedBy) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
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
