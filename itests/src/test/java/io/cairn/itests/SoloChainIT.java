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
import io.cairn.itests.ChainTestSupport.Account;
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
    static final long CHAIN_ID = InFrameworkNode.CHAIN_ID;
    static final BigInteger ALLOCATION = InFrameworkNode.ALLOCATION;
    static final Duration COMMIT = Duration.ofSeconds(30);

    @Inject
    BundleContext context;

    @Configuration
    public Option[] configuration() throws Exception {
        return InFrameworkNode.options("solo");
    }

    @Test
    public void signedTransfersAreCommittedAndReported() throws Exception {
        long start = System.nanoTime();
        RpcClient rpc = InFrameworkNode.awaitReady(context);
        int port = Integer.parseInt(System.getProperty(InFrameworkNode.P_PORT));
        System.out.printf("solo-rocksdb node ready in %d ms%n", (System.nanoTime() - start) / 1_000_000);
        Map<Class<?>, ServiceTracker<?, ?>> trackers = new LinkedHashMap<>();
        try {
            for (String name : ComponentNames.CORE) {
                Class<?> service = ComponentNames.SERVICES.get(name);
                ServiceTracker<?, ?> t = new ServiceTracker<>(context, service.getName(), null);
                t.open();
                trackers.put(service, t);
            }
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
        for (String key : System.getProperty(InFrameworkNode.P_KEYS).split(",")) {
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
                // version 2 envelopes beside version 1 transfers: one chain, one pool, both formats
                ChainTestSupport.envelopeTransfer(suite, CHAIN_ID, bob, 0, alice.address(), BigInteger.valueOf(40)),
                ChainTestSupport.transfer(suite, CHAIN_ID, alice, 2, bob.address(), BigInteger.valueOf(7)),
                ChainTestSupport.envelopeTransfer(suite, CHAIN_ID, bob, 1, carol, BigInteger.valueOf(3)));
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

        Map<?, ?> v2 = (Map<?, ?>) rpc.call("getTransaction", transfers.get(2).hash());
        assertEquals("a version 2 envelope", 2L, ChainTestSupport.asLong(v2.get("version")));
        assertEquals("its model", "account", v2.get("ledger"));
        assertEquals("its sender", bob.address().toString(), v2.get("from"));
        assertEquals("its nonce", 0L, ChainTestSupport.asLong(v2.get("nonce")));
        assertEquals("its one signer", 1, ((List<?>) v2.get("signers")).size());
        Map<?, ?> v1 = (Map<?, ?>) rpc.call("getTransaction", transfers.get(0).hash());
        assertEquals("a version 1 transfer", 1L, ChainTestSupport.asLong(v1.get("version")));
        assertEquals("its value", "1000", v1.get("value"));
    }

    private static String trimSlash(String endpoint) {
        return endpoint != null && endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }
}
