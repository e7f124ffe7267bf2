package io.cairn.api.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Which engine bundle provides each component, its version and readiness: what {@code cairn:components}
 * and {@code getNodeInfo} show. A component with no provider is listed with a null bundle.
 */
public record EngineInfo(String component, String engine, String bundle, String version, long bundleId,
        boolean ready, String detail) {

    public static List<EngineInfo> list(BundleContext context) {
        List<EngineInfo> out = new ArrayList<>();
        for (Map.Entry<String, Class<?>> c : ComponentNames.SERVICES.entrySet()) {
            ServiceReference<?>[] refs;
            try {
                refs = context.getAllServiceReferences(c.getValue().getName(), null);
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (refs == null || refs.length == 0) {
                if (ComponentNames.OPTIONAL.contains(c.getKey())) {
                    continue;
                }
                out.add(new EngineInfo(c.getKey(), null, null, null, -1, false, "no engine provides it"));
                continue;
            }
            for (ServiceReference<?> ref : refs) {
                Bundle b = ref.getBundle();
                if (b == null) {
                    continue;
                }
                Object engine = ref.getProperty("cairn.engine");
                Object service = context.getService(ref);
                try {
                    boolean ready = false;
                    String detail = "provider does not report health";
                    if (service instanceof Component comp) {
                        Component.Health h = comp.health();
                        ready = h.ready();
                        detail = h.detail();
                    } else if (service != null) {
                        ready = true;
                        detail = "up";
                    }
                    out.add(new EngineInfo(c.getKey(), engine == null ? null : engine.toString(), b.getSymbolicName(),
                            b.getVersion().toString(), b.getBundleId(), ready, detail));
                } finally {
                    if (service != null) {
                        context.ungetService(ref);
                    }
                }
            }
        }
        return out;
    }
}
