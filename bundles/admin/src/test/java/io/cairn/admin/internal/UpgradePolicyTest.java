package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** The switch is what the running engine declares, never a name admin knows. */
class UpgradePolicyTest {

    private static ServiceReference<?> service(Map<String, Object> props) {
        return (ServiceReference<?>) Proxy.newProxyInstance(UpgradePolicyTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> props.get((String) a[0]);
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
    }

    private static Bundle bundle(List<ServiceReference<?>> services, Map<String, String> headers) {
        Dictionary<String, String> h = new Hashtable<>(headers);
        return (Bundle) Proxy.newProxyInstance(UpgradePolicyTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getRegisteredServices" -> services.isEmpty() ? null : services.toArray(ServiceReference<?>[]::new);
                    case "getHeaders" -> h;
                    case "getSymbolicName" -> h.get("Bundle-SymbolicName");
                    case "getVersion" -> org.osgi.framework.Version.parseVersion(h.get("Bundle-Version"));
                    case "getBundleId", "getState" -> m.getReturnType() == long.class ? (Object) 0L : (Object) 0;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
    }

    @Test
    void anEngineThatDeclaresStopFirstIsStoppedFirstAndStorageMigrates() {
        Bundle consensus = bundle(List.of(service(Map.of("cairn.component", "consensus", "cairn.upgrade", "stop-first"))), Map.of());
        assertEquals(new UpgradePolicy(true, false), UpgradePolicy.of(consensus, "consensus"));
        Bundle storage = bundle(List.of(service(Map.of("cairn.component", "storage", "cairn.upgrade", "stop-first",
                "cairn.upgrade.migrate", Boolean.TRUE))), Map.of());
        UpgradePolicy s = UpgradePolicy.of(storage, "storage");
        assertTrue(s.stopFirst() && s.migrates());
        assertTrue(s.describe(true).startsWith("replace the engine that holds the data"), s.describe(true));
        assertEquals("stop the old engine, then start the new one", s.describe(false));
    }

    /** An engine bundle of the ledger model: symbolic name, version and rules version. */
    private static Bundle model(String bsn, String version, int rules) {
        return bundle(List.of(), Map.of("Bundle-SymbolicName", bsn, "Bundle-Version", version, "Cairn-Rules",
                String.valueOf(rules)));
    }

    @Test
    void aFixOfOneOfTwoSideBySideVersionsRetiresTheOneOfItsRules() {
        // after a chain-wide upgrade: rules 1 runs the blocks before the height, rules 2 those after
        Bundle rules1 = model("cairn-ledger-account", "1.0.0", 1);
        Bundle rules2 = model("cairn-ledger-account", "2.0.0", 2);
        List<Bundle> current = List.of(rules1, rules2);
        assertTrue(UpgradeTransaction.retired(current, "cairn-ledger-account", 2) == rules2, "2.0.1 of rules 2");
        assertTrue(UpgradeTransaction.retired(current, "cairn-ledger-account", 1) == rules1, "1.0.1 of rules 1");
        assertTrue(UpgradeTransaction.retired(List.of(rules2, rules1), "cairn-ledger-account", 1) == rules1);
        // one version: it is retired; another engine (a replacement): the first provider
        assertTrue(UpgradeTransaction.retired(List.of(rules1), "cairn-ledger-account", 1) == rules1);
        assertTrue(UpgradeTransaction.retired(current, "cairn-ledger-other", 1) == rules1);
        assertTrue(UpgradeTransaction.retired(List.of(), "cairn-ledger-account", 1) == null);
    }

    @Test
    void anEngineThatDeclaresNothingIsSwitchedBlueGreen() {
        Bundle executor = bundle(List.of(service(Map.of("cairn.component", "executor"))), Map.of());
        assertEquals(UpgradePolicy.BLUE_GREEN, UpgradePolicy.of(executor, "executor"));
        // another component's service in the same bundle does not speak for this one
        Bundle both = bundle(List.of(service(Map.of("cairn.component", "executor")),
                service(Map.of("cairn.component", "rpc", "cairn.upgrade", "stop-first"))), Map.of());
        assertFalse(UpgradePolicy.of(both, "executor").stopFirst());
        assertEquals(UpgradePolicy.BLUE_GREEN, UpgradePolicy.of(null, "rpc"), "nothing running: nothing to conflict with");
        assertTrue(UpgradePolicy.BLUE_GREEN.describe(false).startsWith("blue/green"));
    }

    @Test
    void aManagementBundleWithoutComponentServicesDeclaresItInItsManifest() {
        assertTrue(UpgradePolicy.of(bundle(List.of(), Map.of("Cairn-Upgrade", "stop-first")), "ssh").stopFirst());
        assertFalse(UpgradePolicy.of(bundle(List.of(), Map.of()), "shell").stopFirst());
    }
}
