package io.cairn.rules.internal;

import static io.cairn.api.node.ChainRules.RULES;
import static io.cairn.api.node.ChainRules.RULES_HEADER;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.osgi.framework.ServiceReference;

/**
 * The engines of one component with rules (ledger models, block formats) installed side by side, each with the
 * rules version it declares (docs/upgrades.md, Rules versions); an engine whose declaration does not parse is kept
 * apart with the reason, and runs no block.
 */
final class SideBySide<T> {
    /** An installed engine and the rules version it computes with. */
    record Version<T>(T engine, int rules) {}

    private static final System.Logger LOG = System.getLogger(SideBySide.class.getName());
    private final String what;
    private final List<Version<T>> versions = new CopyOnWriteArrayList<>();
    private final Map<T, String> refused = new ConcurrentHashMap<>();

    /** @param what the engines' name in log lines ("ledger model") */
    SideBySide(String what) {
        this.what = what;
    }

    /** Adds the engine of service {@code ref} at the rules version it declares, or keeps it apart if it cannot. */
    void bind(ServiceReference<?> ref, T engine) {
        try {
            add(engine, rulesOf(ref));
        } catch (IllegalArgumentException malformed) {
            // not an engine any block runs: said in the health and the log, never a guess at its version
            refused.put(engine, malformed.getMessage());
            LOG.log(System.Logger.Level.ERROR, "rules: " + malformed.getMessage() + "; that " + what + " is not used");
        }
    }

    void add(T engine, int rules) {
        versions.add(new Version<>(engine, rules));
    }

    void unbind(T engine) {
        refused.remove(engine);
        versions.removeIf(v -> v.engine() == engine);
    }

    boolean isEmpty() {
        return versions.isEmpty();
    }

    /** The installed engine of rules {@code rules} that {@code match} takes, or null; the latest bound wins. */
    T find(int rules, Predicate<T> match) {
        T found = null;
        for (Version<T> v : versions) {
            if (v.rules() == rules && match.test(v.engine())) {
                found = v.engine(); // a blue/green replacement of the same rules
            }
        }
        return found;
    }

    /** The rules version {@code engine} was installed with, 0 if it is not. */
    int rulesOf(T engine) {
        for (Version<T> v : versions) {
            if (v.engine() == engine) {
                return v.rules();
            }
        }
        return 0;
    }

    /** The rules versions installed of the engines {@code match} takes. */
    SortedSet<Integer> installed(Predicate<T> match) {
        SortedSet<Integer> out = new TreeSet<>();
        for (Version<T> v : versions) {
            if (match.test(v.engine())) {
                out.add(v.rules());
            }
        }
        return out;
    }

    List<Version<T>> versions() {
        return List.copyOf(versions);
    }

    /** Why the engines kept apart are not used. */
    List<String> refused() {
        return new ArrayList<>(refused.values());
    }

    /** The service's {@value io.cairn.api.node.ChainRules#RULES}, else its bundle's header, else 1. */
    static int rulesOf(ServiceReference<?> ref) {
        Object p = ref.getProperty(RULES);
        String text = p != null ? p.toString() : ref.getBundle() == null ? null
                : ref.getBundle().getHeaders("").get(RULES_HEADER);
        if (text == null || text.isBlank()) {
            return 1;
        }
        try {
            int r = Integer.parseInt(text.trim());
            if (r < 1) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            String bundle = ref.getBundle() == null ? "an engine" : "bundle " + ref.getBundle().getSymbolicName()
                    + " " + ref.getBundle().getVersion();
            throw new IllegalArgumentException(bundle + " declares " + (p != null ? "the service property " + RULES
                    : RULES_HEADER) + " '" + text + "': a rules version is an integer of 1 or more");
        }
    }
}
