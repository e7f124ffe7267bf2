package io.cairn.admin.internal;

import io.cairn.api.node.ComponentNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What can be upgraded: the node's components (a service interface each) plus the management bundles,
 * known by symbolic name. How each must be switched the engines declare themselves ({@link UpgradePolicy}).
 */
final class Components {
    /** Management bundles: upgraded by symbolic name; they provide no component service. */
    static final Map<String, String> BUNDLES = Map.of("shell", "cairn-shell", "ssh", "cairn-ssh", "snapshot",
            "cairn-snapshot");

    private Components() {}

    static List<String> names() {
        List<String> all = new ArrayList<>(ComponentNames.ALL);
        all.add("shell");
        all.add("ssh");
        all.add("snapshot");
        return all;
    }

    /** The service interface's name, or null for a management bundle. */
    static String serviceOf(String component) {
        Class<?> c = ComponentNames.SERVICES.get(component);
        return c == null ? null : c.getName();
    }

    static String check(String component) {
        if (component == null || !names().contains(component)) {
            throw new IllegalArgumentException("unknown component '" + component + "': one of " + String.join(", ", names()));
        }
        return component;
    }
}
