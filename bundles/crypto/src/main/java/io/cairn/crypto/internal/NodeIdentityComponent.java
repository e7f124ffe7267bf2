package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import io.cairn.crypto.KeyFiles;
import io.cairn.api.runtime.NodeHome;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Hashtable;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Provides {@link NodeIdentity} from the node key file ({@code nodeKey} of {@code io.cairn.crypto},
 * relative to {@code cairn.home}). A missing or bad key fails activation with an exception naming the
 * file and the problem, and nothing is registered. Registered by hand for the same reason as
 * {@link CryptoSuiteComponent}: the properties depend on the configured suite.
 */
// registered by hand, so declare the service capability that DS would have generated (for resolvers)
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=io.cairn.api.crypto.NodeIdentity",
        uses = NodeIdentity.class)
@Component(service = {}, immediate = true, configurationPid = CryptoSuiteComponent.PID)
public final class NodeIdentityComponent {
    private final NodeKey key;
    private final ServiceRegistration<NodeIdentity> registration;

    @Activate
    public NodeIdentityComponent(BundleContext context, CryptoSuiteComponent.Config config) {
        CryptoSuite suite = Suites.byName(config.suite());
        key = load(suite, resolve(NodeHome.of(context), config.nodeKey()));
        Hashtable<String, Object> props = CryptoSuiteComponent.serviceProperties(suite);
        props.put("cairn.node.address", key.address().toHex());
        registration = context.registerService(NodeIdentity.class, key, props);
    }

    static Path resolve(Path home, String nodeKey) {
        if (nodeKey == null || nodeKey.isBlank()) {
            throw new IllegalArgumentException("io.cairn.crypto: nodeKey is empty; give the node key file path");
        }
        return NodeHome.resolve(home, nodeKey.trim());
    }

    static NodeKey load(CryptoSuite suite, Path file) {
        byte[] priv;
        try {
            priv = KeyFiles.read(file);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("node key file " + file + " does not exist (create it with `cairn init`"
                    + " or point nodeKey in etc/io.cairn.crypto.cfg at it)", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot load the node key: " + e.getMessage(), e);
        }
        try {
            return new NodeKey(suite, priv);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("node key file " + file + " does not hold a valid " + suite.name()
                    + " key: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(priv, (byte) 0);
        }
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        }
        key.destroy();
    }
}
