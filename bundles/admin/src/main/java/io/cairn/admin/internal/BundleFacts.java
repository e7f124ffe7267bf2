package io.cairn.admin.internal;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/** An installed bundle as an upgrade sees it. */
record BundleFacts(long id, String bsn, Version version, String location, int state) {
    static BundleFacts of(Bundle b) {
        return new BundleFacts(b.getBundleId(), b.getSymbolicName(), b.getVersion(), b.getLocation(), b.getState());
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
