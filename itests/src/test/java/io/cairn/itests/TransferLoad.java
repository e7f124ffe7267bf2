package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transfers of one unit from each of a node home's accounts to a fresh sink, sent until stopped, each batch waited
 * for; afterwards every accepted transfer must have a successful receipt and the sink one unit per transfer.
 */
final class TransferLoad {
    private static final Duration COMMIT = Duration.ofSeconds(60);

    final Map<String, Boolean> accepted = new ConcurrentHashMap<>();
    final AtomicLong retries = new AtomicLong();
    private final RpcClient rpc;
    private final Address sink;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService threads;
    private final List<Future<?>> sending = new ArrayList<>();

    /** Starts sending at once (the node may not be committing now). */
    TransferLoad(Path home, RpcClient rpc) throws IOException {
        this.rpc = rpc;
        Genesis genesis;
        try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
            genesis = Genesis.read(in);
        }
        CryptoSuite suite = Suites.byName(genesis.suite());
        sink = Account.generate("sink", suite).address();
        threads = Executors.newFixedThreadPool(UpgradeIT.ACCOUNTS.size());
        for (String name : UpgradeIT.ACCOUNTS) {
            Account a = Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite);
            sending.add(threads.submit(() -> {
                UpgradeIT.send(rpc, suite, genesis.chainId(), a, sink, accepted, retries, stop);
                return null;
            }));
        }
    }

    /**
     * Sends one transfer of one unit from the home's account {@code name} to a fresh address, at the nonce the node
     * names (pending transactions counted), retrying while the node refuses it; returns its hash.
     */
    static String sendOne(Path home, RpcClient rpc, String name) throws IOException {
        Genesis genesis;
        try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
            genesis = Genesis.read(in);
        }
        CryptoSuite suite = Suites.byName(genesis.suite());
        Account from = Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite);
        Address to = Account.generate("probe-sink", suite).address();
        return await("a transfer from " + name + " accepted", COMMIT, () -> rpc.send(ChainTestSupport.transfer(suite,
                genesis.chainId(), from, rpc.nonce(from.address()), to, BigInteger.ONE)));
    }

    /** Starts sending and returns once the first transfers are accepted. */
    static TransferLoad start(Path home, RpcClient rpc) throws IOException {
        TransferLoad load = new TransferLoad(home, rpc);
        await("transfers flowing", COMMIT, () -> load.accepted.size() >= 60 ? Boolean.TRUE : null);
        return load;
    }

    /** Returns once {@code more} transfers past those accepted now are accepted. */
    void awaitMore(String what, int more) {
        int before = accepted.size();
        await(what, COMMIT, () -> accepted.size() >= before + more ? Boolean.TRUE : null);
    }

    /** Stops sending, waits for the senders (a failed one fails the test) and checks every receipt and the sink. */
    long stopAndCheck() throws Exception {
        stop.set(true);
        threads.shutdown();
        assertTrue("senders stopped", threads.awaitTermination(COMMIT.toSeconds(), TimeUnit.SECONDS));
        for (Future<?> f : sending) {
            f.get();
        }
        for (String hash : accepted.keySet()) {
            Map<String, Object> receipt = await("receipt of " + hash, COMMIT, () -> rpc.receipt(hash));
            assertEquals("status of " + hash, 0L, asLong(receipt.get("status")));
        }
        assertEquals("the sink's balance", BigInteger.valueOf(accepted.size()), rpc.balance(sink));
        return rpc.blockNumber();
    }

    /** Stops sending without checking (the test failed already). */
    void abandon() {
        stop.set(true);
        threads.shutdownNow();
    }
}
