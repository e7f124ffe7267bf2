package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Component;
import io.cairn.api.node.ComponentNames;
import io.cairn.api.node.RpcServer;
import io.cairn.crypto.internal.KeyFiles;
import io.cairn.crypto.internal.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.FeatureSet;
import io.cairn.itests.ChainTestSupport.NodeHome;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A solo chain on RocksDB inside a real Felix framework, assembled from the distribution's
 * {@code solo-rocksdb} feature: every engine comes up ready, and signed transfers sent over JSON-RPC
 * are sealed, executed and committed, as the RPC and the block store both tell.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SoloChainIT {
    static final String FEATURE = "solo-rocksdb";
    static final long CHAIN_ID = 7;
    static final BigInteger ALLOCATION = new BigInteger("1000000000000000000000");

    // handed from the configuration (test driver) to the probe (inside the framework)
    static final String P_HOME = "cairn.itest.home";
    static final String P_PORT = "cairn.itest.rpcPort";
    static final String P_KEYS = "cairn.itest.accountKeys";
    static final String P_BUNDLES = "cairn.itest.cairnBundles";

    static final Duration STARTUP = Duration.ofSeconds(30);
    static final Duration COMMIT = Duration.ofSeconds(30);

    @Inject
    BundleContext context;

    /** Runs in the test driver, before the framework starts: writes the node home and lists the bundles. */
    @Configuration
    public Option[] configuration() throws Exception {
        Path runtime = ChainTestSupport.runtimeDirectory();
        FeatureSet feature = FeatureSet.read(runtime.resolve("features"), FEATURE);
        CryptoSuite suite = Suites.byName(CryptoSuite.SECP256K1);

        Path home = ChainTestSupport.newWorkDirectory("solo");
        byte[] nodeKey = suite.generateKeyPair().privateKey();
        KeyFiles.write(home.resolve("keys/node.key"), nodeKey);
        int port = ChainTestSupport.freeLoopbackPort();
        Map<String, Map<String, String>> config = new LinkedHashMap<>();
        feature.config().forEach((pid, props) -> config.put(pid, new LinkedHashMap<>(props)));
        config.computeIfAbsent("io.cairn.rpc", k -> new LinkedHashMap<>()).putAll(Map.of("host", "127.0.0.1", "port", String.valueOf(port)));
        config.computeIfAbsent("io.cairn.chain", k -> new LinkedHashMap<>()).put("genesis", "etc/genesis.properties");
        config.computeIfAbsent("io.cairn.crypto", k -> new LinkedHashMap<>()).putAll(Map.of("suite", CryptoSuite.SECP256K1, "nodeKey", "keys/node.key"));
        config.computeIfAbsent("io.cairn.storage.rocksdb", k -> new LinkedHashMap<>()).put("path", "data/chain");
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

    @Test
    public void signedTransfersAreCommittedAndReported() throws Exception {
        long start = System.nanoTime();
        List<String> cairnBundles = List.of(System.getProperty(P_BUNDLES).split(","));
        await("every Cairn bundle ACTIVE", STARTUP, () -> allActive(cairnBundles));

        // Registered first, looked at by reference only: getting a service (as a ServiceTracker's default
        // customizer does) would activate a delayed component, and the JSON-RPC server must come up by itself,
        // as it has to in a node where nobody looks it up.
        for (Map.Entry<String, Class<?>> component : ComponentNames.SERVICES.entrySet()) {
            await(component.getKey() + " service " + component.getValue().getSimpleName() + " registered", STARTUP,
                    () -> context.getServiceReference(component.getValue().getName()) != null ? Boolean.TRUE : null);
        }
        Map<Class<?>, ServiceTracker<?, ?>> trackers = new LinkedHashMap<>();
        try {
            int port = Integer.parseInt(System.getProperty(P_PORT));
            RpcClient rpc = new RpcClient(port);
            await("JSON-RPC answering getBlockNumber on port " + port + " (no one has looked up RpcServer)", STARTUP,
                    () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
            for (Class<?> service : ComponentNames.SERVICES.values()) {
                ServiceTracker<?, ?> t = new ServiceTracker<>(context, service.getName(), null);
                t.open();
                trackers.put(service, t);
            }
            for (Map.Entry<String, Class<?>> component : ComponentNames.SERVICES.entrySet()) {
                ServiceTracker<?, ?> t = trackers.get(component.getValue());
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
            }
            System.out.printf("solo-rocksdb node ready in %d ms%n", (System.nanoTime() - start) / 1_000_000);

            RpcServer rpcServer = (RpcServer) trackers.get(RpcServer.class).getService();
            assertEquals("RpcServer.endpoint()", "http://127.0.0.1:" + port, trimSlash(rpcServer.endpoint()));
            CryptoSuite suite = (CryptoSuite) trackers.get(CryptoSuite.class).getService();
            BlockStore blockStore = (BlockStore) trackers.get(BlockStore.class).getService();
            sendTransfersAndCheck(rpc, suite, blockStore);
        } finally {
            trackers.values().forEach(ServiceTracker::close);
        }
        System.out.printf("SoloChainIT done in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    private void sendTransfersAndCheck(RpcClient rpc, CryptoSuite suite, BlockStore blockStore) {
        List<Account> accounts = new ArrayList<>();
        for (String key : System.getProperty(P_KEYS).split(",")) {
            accounts.add(Account.of("account" + accounts.size(), Bytes.fromHex(key), suite));
        }
        Account alice = accounts.get(0);
        Account bob = accounts.get(1);
        Address carol = Account.generate("carol", suite).address();

        long heightBefore = rpc.blockNumber();
        assertEquals("alice's genesis balance", ALLOCATION, rpc.balance(alice.address()));
        assertEquals("alice's first nonce", 0, rpc.nonce(alice.address()));

        List<SignedTransfer> transfers = List.of(
                ChainTestSupport.transfer(suite, CHAIN_ID, alice, 0, bob.address(), BigInteger.valueOf(1000)),
                ChainTestSupport.transfer(suite, CHAIN_ID, alice, 1, carol, BigInteger.valueOf(250)),
                ChainTestSupport.transfer(suite, CHAIN_ID, bob, 0, alice.address(), BigInteger.valueOf(40)),
                ChainTestSupport.transfer(suite, CHAIN_ID, alice, 2, bob.address(), BigInteger.valueOf(7)),
                ChainTestSupport.transfer(suite, CHAIN_ID, bob, 1, carol, BigInteger.valueOf(3)));
        for (SignedTransfer tx : transfers) {
            assertEquals("sendTransaction answers the transaction hash", tx.hash(), rpc.send(tx));
        }

        long highestReceiptBlock = -1;
        for (SignedTransfer tx : transfers) {
            Map<String, Object> receipt = await("receipt of " + tx.hash(), COMMIT, () -> rpc.receipt(tx.hash()));
            assertEquals("receipt status of " + tx.hash() + ": " + receipt, 0L, ChainTestSupport.asLong(receipt.get("status")));
            long block = ChainTestSupport.asLong(receipt.get("blockNumber"));
            assertTrue("transfer committed after the height seen before sending", block > heightBefore);
            highestReceiptBlock = Math.max(highestReceiptBlock, block);

            Optional<Receipt> stored = blockStore.receipt(Hash.fromHex(tx.hash()));
            assertTrue("BlockStore.receipt(" + tx.hash() + ") present", stored.isPresent());
            assertEquals("BlockStore receipt status", Receipt.Status.SUCCESS, stored.get().status());
            assertEquals("BlockStore and RPC agree on the block", block, stored.get().blockNumber());
            assertEquals("BlockStore receipt sender", tx.from().address(), stored.get().from());
        }
        assertTrue("getBlockNumber advanced to the receipts' blocks", rpc.blockNumber() >= highestReceiptBlock);
        assertTrue("BlockStore height agrees", blockStore.height() >= highestReceiptBlock);

        assertEquals("alice", ALLOCATION.subtract(BigInteger.valueOf(1000 + 250 + 7)).add(BigInteger.valueOf(40)), rpc.balance(alice.address()));
        assertEquals("bob", ALLOCATION.add(BigInteger.valueOf(1000 + 7)).subtract(BigInteger.valueOf(40 + 3)), rpc.balance(bob.address()));
        assertEquals("carol (a fresh address)", BigInteger.valueOf(253), rpc.balance(carol));
        assertEquals("alice's nonce after three transfers", 3, rpc.nonce(alice.address()));
        assertEquals("bob's nonce after two transfers", 2, rpc.nonce(bob.address()));
    }

    /** TRUE when every named bundle is ACTIVE; otherwise throws naming those that are not, for the timeout report. */
    private Boolean allActive(List<String> symbolicNames) {
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

    private static String trimSlash(String endpoint) {
        return endpoint != null && endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }
}
