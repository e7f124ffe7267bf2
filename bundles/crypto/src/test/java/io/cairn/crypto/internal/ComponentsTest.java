package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import io.cairn.crypto.KeyFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

class ComponentsTest {
    @TempDir
    Path home;

    /** A BundleContext that records registrations and answers cairn.home. */
    final class FakeContext {
        final List<Object> services = new ArrayList<>();
        final List<Dictionary<String, ?>> properties = new ArrayList<>();
        int unregistered;

        BundleContext context() {
            return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                    (p, m, a) -> switch (m.getName()) {
                        case "getProperty" -> "cairn.home".equals(a[0]) ? home.toString() : null;
                        case "registerService" -> {
                            services.add(a[1]);
                            properties.add((Dictionary<String, ?>) a[2]);
                            yield Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                                    (p2, m2, a2) -> {
                                        if (m2.getName().equals("unregister")) {
                                            unregistered++;
                                        }
                                        return null;
                                    });
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }

    static CryptoSuiteComponent.Config config(String suite, String nodeKey) {
        return (CryptoSuiteComponent.Config) Proxy.newProxyInstance(ComponentsTest.class.getClassLoader(),
                new Class<?>[] {CryptoSuiteComponent.Config.class}, (p, m, a) -> switch (m.getName()) {
                    case "suite" -> suite;
                    case "nodeKey" -> nodeKey;
                    case "nativeSecp256k1" -> true;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void suiteComponentRegistersTheConfiguredSuiteWithEngineProperties() {
        FakeContext fake = new FakeContext();
        CryptoSuiteComponent c = new CryptoSuiteComponent(fake.context(), config("sm2", "keys/node.key"));
        assertEquals(1, fake.services.size());
        assertEquals("sm2", ((CryptoSuite) fake.services.get(0)).name());
        Dictionary<String, ?> props = fake.properties.get(0);
        assertEquals("crypto", props.get("cairn.component"));
        assertEquals("sm2", props.get("cairn.engine"));
        assertEquals("sm2", props.get("cairn.suite"));
        assertTrue(((io.cairn.api.node.Component) fake.services.get(0)).health().ready());
        c.deactivate();
        assertEquals(1, fake.unregistered);
    }

    @Test
    void unknownSuiteFailsActivation() {
        FakeContext fake = new FakeContext();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CryptoSuiteComponent(fake.context(), config("rsa", "k")));
        assertTrue(e.getMessage().contains("expected secp256k1 or sm2"));
        assertTrue(fake.services.isEmpty());
    }

    @Test
    void nodeIdentityLoadsTheKeyRelativeToTheNodeHome() throws Exception {
        CryptoSuite suite = Suites.byName("secp256k1");
        CryptoSuite.KeyPair kp = suite.generateKeyPair();
        KeyFiles.write(home.resolve("keys/node.key"), kp.privateKey());
        FakeContext fake = new FakeContext();
        NodeIdentityComponent c = new NodeIdentityComponent(fake.context(), config("secp256k1", "keys/node.key"));
        NodeIdentity id = (NodeIdentity) fake.services.get(0);
        assertEquals(suite.address(kp.publicKey()), id.address());
        byte[] hash = suite.hash(new byte[] {7});
        assertTrue(suite.verify(hash, id.sign(hash), id.publicKey()));
        assertEquals("crypto", fake.properties.get(0).get("cairn.component"));
        assertEquals("secp256k1", fake.properties.get(0).get("cairn.suite"));

        c.deactivate();
        assertEquals(1, fake.unregistered);
        assertThrows(IllegalStateException.class, () -> id.sign(hash), "a deactivated identity no longer signs");
        assertFalse(((io.cairn.api.node.Component) id).health().ready());
    }

    @Test
    void missingOrBadNodeKeyFailsActivationNamingTheFile() throws Exception {
        FakeContext fake = new FakeContext();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new NodeIdentityComponent(fake.context(), config("sm2", "keys/node.key")));
        assertTrue(e.getMessage().contains(home.resolve("keys/node.key").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

        Files.createDirectories(home.resolve("keys"));
        Files.writeString(home.resolve("keys/bad.key"), "0x12\n");
        e = assertThrows(IllegalStateException.class,
                () -> new NodeIdentityComponent(fake.context(), config("sm2", "keys/bad.key")));
        assertTrue(e.getMessage().contains(home.resolve("keys/bad.key").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());

        Files.writeString(home.resolve("keys/zero.key"), "0x" + "00".repeat(32) + "\n");
        e = assertThrows(IllegalStateException.class,
                () -> new NodeIdentityComponent(fake.context(), config("sm2", "keys/zero.key")));
        assertTrue(e.getMessage().contains("zero.key") && e.getMessage().contains("out of range"), e.getMessage());
        assertTrue(fake.services.isEmpty(), "nothing is registered when the key is bad");
    }

    @Test
    void absoluteKeyPathsIgnoreTheHome() {
        Path abs = home.resolve("elsewhere/node.key").toAbsolutePath();
        assertEquals(abs, NodeIdentityComponent.resolve(Path.of("/some/home"), abs.toString()));
        assertEquals(Path.of("/some/home/keys/node.key"), NodeIdentityComponent.resolve(Path.of("/some/home"), " keys/node.key "));
        assertThrows(IllegalArgumentException.class, () -> NodeIdentityComponent.resolve(Path.of("/some/home"), " "));
    }
}
