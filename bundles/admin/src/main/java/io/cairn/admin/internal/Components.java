package io.cairn.admin.internal;

import io.cairn.api.node.ComponentNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What can be upgraded: the node's components (a service interface each) plus the management bundles,
 * known by symbolic name. And how each must be switched.
 */
final class Components {
    /** Management bundles: upgraded by symbolic name; they provide no component service. */
    static final Map<String, String> BUNDLES = Map.of("shell", "cairn-shell", "ssh", "cairn-ssh");

    /**
     * Engines that cannot come up beside their old version: a port (rpc, ssh, network), the database
     * lock (storage), the right to seal and vote (consensus: two live PBFT engines could vote twice),
     * and the pool whose old instance hands its pending transactions over in storage on deactivate,
     * which the new instance reads on activate.
     */
    static final Set<String> STOP_FIRST = Set.of("rpc", "storage", "consensus", "txpool", "ssh", "network");

    private Components() {}

    static List<String> names() {
        List<String> all = new ArrayList<>(ComponentNames.ALL);
        all.add("shell");
        all.add("ssh");
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
