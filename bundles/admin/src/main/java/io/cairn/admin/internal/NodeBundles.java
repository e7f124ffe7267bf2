package io.cairn.admin.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/** The running node's bundles, seen through the framework: who provides a component, what is exported. */
final class NodeBundles {
    private final BundleContext context;

    NodeBundles(BundleContext context) {
        this.context = context;
    }

    FrameworkWiring wiring() {
        return context.getBundle(0).adapt(FrameworkWiring.class);
    }

    /**
     * Installed bundles that provide the component: they register its service, or declare it in
     * Provide-Capability, or (shell, ssh) carry its symbolic name.
     */
    List<Bundle> providers(String component) {
        Map<Long, Bundle> out = new LinkedHashMap<>();
        String bsn = Components.BUNDLES.get(component);
        String service = Components.serviceOf(component);
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            if (bsn != null ? bsn.equals(b.getSymbolicName()) : declares(b, service) || registers(b, service)) {
                out.put(b.getBundleId(), b);
            }
        }
        return new ArrayList<>(out.values());
    }

    /** A bundle providing a component. */
    record Provider(String component, Bundle bundle) {}

    /** The engines that declare they hand state over into storage ({@link io.cairn.api.node.Component#HANDS_OVER}). */
    List<Provider> handingOver() {
        List<Provider> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            ServiceReference<?>[] refs = b.getState() == Bundle.UNINSTALLED ? null : b.getRegisteredServices();
            if (refs == null) {
                continue;
            }
            for (ServiceReference<?> r : refs) {
                Object flag = r.getProperty(io.cairn.api.node.Component.HANDS_OVER);
                Object component = r.getProperty(io.cairn.api.node.Component.COMPONENT);
                if (component != null && (Boolean.TRUE.equals(flag) || "true".equals(String.valueOf(flag)))) {
                    out.add(new Provider(component.toString(), b));
                    break;
                }
            }
        }
        return out;
    }

    static boolean declares(Bundle b, String service) {
        String header = b.getHeaders("").get("Provide-Capability");
        return header != null && ManifestClauses.parse(header).serviceObjectClasses().contains(service);
    }

    private static boolean registers(Bundle b, String service) {
        ServiceReference<?>[] refs = b.getRegisteredServices();
        if (refs == null) {
            return false;
        }
        for (ServiceReference<?> r : refs) {
            Object oc = r.getProperty("objectClass");
            if (oc instanceof String[] names) {
                for (String n : names) {
                    if (n.equals(service)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    List<BundleFacts> facts(Collection<Bundle> bundles) {
        return bundles.stream().map(BundleFacts::of).toList();
    }

    List<BundleFacts> all() {
        return facts(List.of(context.getBundles()));
    }

    /** Packages exported by resolved bundles (the system bundle included). */
    List<ExportedPackage> exports() {
        List<ExportedPackage> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            BundleWiring w = b.adapt(BundleWiring.class);
            if (w == null) {
                continue;
            }
            for (BundleCapability c : w.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                Object name = c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                Object v = c.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE);
                out.add(new ExportedPackage(String.valueOf(name), v instanceof Version ver ? ver : Version.emptyVersion,
                        b.getSymbolicName()));
            }
        }
        return out;
    }

    /** What refreshing {@code b} would restart: b and every bundle wired to it. */
    List<String> dependencyClosure(Bundle b) {
        return wiring().getDependencyClosure(List.of(b)).stream()
                .map(x -> x.getSymbolicName() + " " + x.getVersion()).toList();
    }

    BundleContext context() {
        return context;
    }
}
