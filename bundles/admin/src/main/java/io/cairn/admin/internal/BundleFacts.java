package io.cairn.admin.internal;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/** An installed bundle as an upgrade sees it, with the rules version it declares ({@code Cairn-Rules}, 1 if none). */
record BundleFacts(long id, String bsn, Version version, String location, int state, int rules) {
    BundleFacts(long id, String bsn, Version version, String location, int state) {
        this(id, bsn, version, location, state, 1);
    }

    static BundleFacts of(Bundle b) {
        int rules;
        try {
            rules = JarVerifier.rules(b.getHeaders("").get(io.cairn.api.node.ChainRules.RULES_HEADER),
                    b.getSymbolicName());
        } catch (java.io.IOException malformed) {
            rules = 0; // matches no jar's: an upgrade over it is refused, naming the header
        }
        return new BundleFacts(b.getBundleId(), b.getSymbolicName(), b.getVersion(), b.getLocation(), b.getState(),
                rules);
    }

    boolean active() {
        return state == Bundle.ACTIVE;
    }

    String stateName() {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> Integer.toString(state);
        };
    }

    @Override
    public String toString() {
        return bsn + " " + version;
    }
}
