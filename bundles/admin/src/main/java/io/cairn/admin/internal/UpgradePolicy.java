package io.cairn.admin.internal;

import io.cairn.api.node.Component;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * How an engine must be switched, as the engine itself declares it: the service properties
 * {@value Component#UPGRADE} ({@value Component#STOP_FIRST} or {@value Component#BLUE_GREEN}) and
 * {@value Component#MIGRATE} on its component services, or, for a bundle that registers no component service
 * (the management bundles), the manifest header {@value #HEADER}. Nothing here knows an engine by name.
 *
 * @param stopFirst the old engine owns something exclusive (a port, a database lock, the right to vote) or hands
 *                  its state over on deactivate: it stops before the new one starts
 * @param migrates  the engine holds the node's data: replacing it by another engine copies the data over
 */
record UpgradePolicy(boolean stopFirst, boolean migrates) {
    /** Manifest header of a bundle without component services: {@code stop-first} or {@code blue-green}. */
    static final String HEADER = "Cairn-Upgrade";
    static final UpgradePolicy BLUE_GREEN = new UpgradePolicy(false, false);

    /** The policy the running engine declares; blue/green when there is none running (nothing to conflict with). */
    static UpgradePolicy of(Bundle running, String component) {
        if (running == null) {
            return BLUE_GREEN;
        }
        ServiceReference<?>[] refs = running.getRegisteredServices();
        boolean found = false;
        boolean stopFirst = false;
        boolean migrates = false;
        if (refs != null) {
            for (ServiceReference<?> ref : refs) {
                if (!component.equals(ref.getProperty(Component.COMPONENT))) {
                    continue;
                }
                found = true;
                stopFirst |= Component.STOP_FIRST.equals(ref.getProperty(Component.UPGRADE));
                migrates |= isTrue(ref.getProperty(Component.MIGRATE));
            }
        }
        if (!found) {
            String header = running.getHeaders("").get(HEADER);
            stopFirst = header != null && Component.STOP_FIRST.equals(header.strip());
        }
        return new UpgradePolicy(stopFirst, migrates);
    }

    private static boolean isTrue(Object v) {
        return v instanceof Boolean b ? b : v != null && Boolean.parseBoolean(v.toString());
    }

    String mode() {
        return stopFirst ? "stop-first" : "blue/green";
    }

    /** What the switch will do, for a dry run's report. */
    String describe(boolean replacement) {
        if (replacement && migrates) {
            return "replace the engine that holds the data: stop the engines that hand state over into it (the "
                    + "txpool's pending transactions), start the new engine beside the old one, copy every entry into it "
                    + "in batches of " + StorageMigration.BATCH + " and check it, retire the old engine, start them again";
        }
        return stopFirst ? "stop the old engine, then start the new one"
                : "blue/green: start the new engine beside the old one, then retire the old one";
    }
}
