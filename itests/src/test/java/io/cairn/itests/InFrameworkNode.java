package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.await;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.Component;
import io.cairn.api.node.ComponentNames;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.FeatureSet;
import io.cairn.itests.ChainTestSupport.NodeHome;
import io.cairn.itests.ChainTestSupport.RpcClient;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A node of the distribution's {@code solo-rocksdb} feature inside the Pax Exam framework: the options
 * that write its home and provision its bundles (test driver side), and the waits for it to be ready
 * (probe side). Shared by the in-framework tests.
 */
final class InFrameworkNode {
    static final String FEATURE = "solo-rocksdb";
    static final long CHAIN_ID = 7;
    static final BigInteger ALLOCATION = new BigInteger("1000000000000000000000");
    static final Duration STARTUP = Duration.ofSeconds(30);

    // handed from the configuration (test driver) to the probe (inside the framework)
    static final String P_HOME = "cairn.itest.home";
    static final String P_PORT = "cairn.itest.rpcPort";
    static final String P_KEYS = "cairn.itest.accountKeys";
    static final String P_BUNDLES = "cairn.itest.cairnBundles";

    private InFrameworkNode() {}

    /** Runs in the test driver, before the framework starts: writes the node home and lists the bundles. */
    static Option[] options(String name) throws Exception {
        Path runtime = ChainTestSupport.runtimeDirectory();
        FeatureSet feature = FeatureSet.read(runtime.resolve("features"), FEATURE);
        CryptoSuite suite = Suites.byName(CryptoSuite.SECP256K1);

        Path home = ChainTestSupport.newWorkDirectory(name);
        byte[] nodeKey = suite.generateKeyPair().privateKey();
        KeyFiles.write(home.resolve("keys/node.key"), nodeKey);
        int port = ChainTestSupport.freeLoopbackPort();
        Map<String, Map<String, String>> config = new LinkedHashMap<>();
        feature.config().forEach((pid, props) -> config.put(pid, new LinkedHashMap<>(props)));
        config.computeIfAbsent("io.cairn.rpc", k -> new LinkedHashMap<>()).putAll(Map.of("host", "127.0.0.1", "port", String.valueOf(port)));
        config.computeIfAbsent("io.cairn.chain", k -> new LinkedHashMap<>()).put("genesis", "etc/genesis.properties");
        config.computeIfAbsent("io.cairn.crypto", k -> new LinkedHashMap<>()).putAll(Map.of("suite", CryptoSuite.SECP256K1, "nodeKey", "keys/node.key"));
        config.computeIfAbsent("io.cairn.storage.rocksdb", k -> new LinkedHashMap<>()).put("path", "data/chain");
        // An in-framework node has no SSH client to serve; a fixed port could collide with a real node.
        config.computeIfAbsent("io.cairn.ssh", k -> new LinkedHashMap<>()).put("port", String.valueOf(ChainTestSupport.freeLoopbackPort()));
        List<Account> accounts = List.of(Account.generate("alice", suite), Account.generate("bob", suite));
        NodeHome node = ChainTestSupport.writeNodeHome(home, suite, nodeKey, CHAIN_ID, accounts, ALLOCATION, port, config);

        List<Option> options = new ArrayList<>();
        options.add(cleanCaches(true));
        options.add(workingDirectory(home.resolve("data/felix-cache").toString()));
        options.add(frameworkProperty("cairn.home").value(home.toString()));
        options.add(frameworkProperty("felix.fileinstall.dir").value(home.resolve("etc").toString()));
        options.add(frameworkProperty("felix.fileinstall.filter").value(".*\\.cfg"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(frameworkProperty("gosh.args").value("--nointeractive"));
        options.add(systemProperty(P_HOME).value(home.toString()));
        options.add(systemProperty(P_PORT).value(String.valueOf(node.rpcPort())));
        options.add(systemProperty(P_KEYS).value(accounts.stream().map(a -> Bytes.toHex(a.privateKey())).collect(Collectors.joining(","))));
        options.add(systemProperty(P_BUNDLES).value(feature.bundles().stream().filter(b -> b.startsWith("cairn-")).collect(Collectors.joining(","))));
        options.add(junitBundles());
        for (String artifactId : feature.bundles()) {
            Path jar = runtime.resolve("system/" + artifactId + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("feature " + FEATURE + " names " + artifactId + " but " + jar + " does not exist");
            }
            UrlProvisionOption b = bundle(jar.toUri().toString());
            options.add(isFragment(jar) ? b.noStart() : b);
        }
        return options.toArray(Option[]::new);
    }

    private static boolean isFragment(Path jar) throws java.io.IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getManifest() != null && j.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
        }
    }

    /**
     * Probe side: waits until every Cairn bundle is ACTIVE, JSON-RPC answers and every component is ready.
     * Services are looked at by reference first: getting a service (as a ServiceTracker's default customizer
     * does) would activate a delayed component, and the JSON-RPC server must come up by itself.
     */
    static RpcClient awaitReady(BundleContext context) {
        List<String> cairnBundles = List.of(System.getProperty(P_BUNDLES).split(","));
        await("every Cairn bundle ACTIVE", STARTUP, () -> allActive(context, cairnBundles));
        for (Map.Entry<String, Class<?>> component : ComponentNames.SERVICES.entrySet()) {
            if (!ComponentNames.CORE.contains(component.getKey())) {
                continue;
            }
            await(component.getKey() + " service " + component.getValue().getSimpleName() + " registered", STARTUP,
                    () -> context.getServiceReference(component.getValue().getName()) != null ? Boolean.TRUE : null);
        }
        int port = Integer.parseInt(System.getProperty(P_PORT));
        RpcClient rpc = new RpcClient(port);
        await("JSON-RPC answering getBlockNumber on port " + port + " (no one has looked up RpcServer)", STARTUP,
                () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
        awaitComponentsReady(context);
        return rpc;
    }

    /** Every component's service present and, where it reports health, ready. */
    static void awaitComponentsReady(BundleContext context) {
        for (Map.Entry<String, Class<?>> component : ComponentNames.SERVICES.entrySet()) {
            if (!ComponentNames.CORE.contains(component.getKey())) {
                continue;
            }
            ServiceTracker<?, ?> t = new ServiceTracker<>(context, component.getValue().getName(), null);
            t.open();
            try {
                await(component.getKey() + " service " + component.getValue().getSimpleName() + " ready", STARTUP, () -> {
                    Object s = t.getService();
                    if (s == null) {
                        return null;
                    }
                    // CryptoSuite is not a Component; its presence is its readiness
                    if (s instanceof Component c && !c.health().ready()) {
                        throw new IllegalStateException(component.getKey() + " not ready: " + c.health().detail());
                    }
                    return Boolean.TRUE;
                });
            } finally {
                t.close();
            }
        }
    }

    static Bundle installed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalStateException(symbolicName + " is not installed");
    }

    /** TRUE when every named bundle is ACTIVE; otherwise throws naming those that are not, for the timeout report. */
    static Boolean allActive(BundleContext context, List<String> symbolicNames) {
        List<String> notActive = new ArrayList<>();
        for (String name : symbolicNames) {
            Bundle found = null;
            for (Bundle b : context.getBundles()) {
                if (name.equals(b.getSymbolicName())) {
                    found = b;
                }
            }
            if (found == null || found.getState() != Bundle.ACTIVE) {
                notActive.add(name + (found == null ? " (not installed)" : " (state " + found.getState() + ")"));
            }
        }
        if (!notActive.isEmpty()) {
            throw new IllegalStateException("not active: " + notActive);
        }
        return Boolean.TRUE;
    }
}
