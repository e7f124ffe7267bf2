package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import io.cairn.api.crypto.CryptoSuite;
import java.util.Hashtable;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Provides the configured {@link CryptoSuite}. The service is registered by hand rather than by DS
 * because its properties ({@code cairn.engine}, {@code cairn.suite}) depend on the configured suite,
 * which DS component properties cannot express; a configuration change re-activates the component,
 * which replaces the registration.
 */
// registered by hand, so declare the service capability that DS would have generated (for resolvers)
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=io.cairn.api.crypto.CryptoSuite",
        uses = CryptoSuite.class)
@Component(service = {}, immediate = true, configurationPid = CryptoSuiteComponent.PID)
@Designate(ocd = CryptoSuiteComponent.Config.class, factory = false)
public final class CryptoSuiteComponent {
    public static final String PID = "io.cairn.crypto";
    public static final String COMPONENT = "crypto";

    /** Configuration of the crypto component; {@link NodeIdentityComponent} reads the same PID. */
    @ObjectClassDefinition(name = "Cairn crypto", description = "The chain's crypto suite and this node's key")
    public @interface Config {
        @AttributeDefinition(description = "secp256k1 (ECDSA + Keccak-256) or sm2 (SM2 + SM3); must match the genesis suite")
        String suite() default CryptoSuite.SECP256K1;

        @AttributeDefinition(description = "the node's private key file, relative to the node home (cairn.home)")
        String nodeKey() default "keys/node.key";

        @AttributeDefinition(description = "verify secp256k1 signatures with libsecp256k1 (cairn-secp256k1-lib) where it loads; false: Bouncy Castle")
        boolean nativeSecp256k1() default true;
    }

    private final ServiceRegistration<CryptoSuite> registration;

    @Activate
    public CryptoSuiteComponent(BundleContext context, Config config) {
        CryptoSuite suite = Suites.byName(config.suite(), config.nativeSecp256k1());
        registration = context.registerService(CryptoSuite.class, suite, serviceProperties(suite));
    }

    static Hashtable<String, Object> serviceProperties(CryptoSuite suite) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("cairn.component", COMPONENT);
        props.put("cairn.engine", suite.name());
        props.put("cairn.suite", suite.name());
        return props;
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        }
    }
}
