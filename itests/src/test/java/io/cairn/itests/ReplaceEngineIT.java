package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static io.cairn.itests.UpgradeIT.shell;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.SignedTransfer;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Replacing an engine by another engine for the same component keeps the chain: a node made with the in-memory
 * storage moves, under transfer load, to RocksDB with {@code cairn:upgrade storage}; every accepted transfer
 * keeps its receipt and every balance its value, the chain survives a restart (now on RocksDB: the launcher
 * does not bring the memory engine back), and {@code cairn:rollback storage} moves it back into memory.
 */
public class ReplaceEngineIT {
    static final Duration COMMIT = Duration.ofSeconds(30);
    static final Pattern MIGRATED = Pattern.compile("COMMITTED \\(([^)]*copied (\\d+) entries, \\d+ bytes, in (\\d+) ms[^)]*)\\): "
            + "block production paused (\\d+) ms");

    @Test
    public void storageMovesFromMemoryToRocksDbAndBackKeepingTheChain() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("replace");
        Path home = work.resolve("node");
        Path jars = Files.createDirectories(work.resolve("jars"));
        int port = ChainTestSupport.freeLoopbackPort();
        CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, home);
        cairn.run("init", "--dir", home.toString(), "--rpc-port", String.valueOf(port), "--profile", "solo-memory");
        boolean passed = false;
        try {
            long pid = cairn.startDetached(-1);
            RpcClient rpc = new RpcClient(port);
            await("the chain", COMMIT, () -> rpc.blockNumber() >= 0 ? Boolean.TRUE : null);
            assertTrue(shell(cairn, home, "cairn:components").contains("cairn-storage-memory"));

            Genesis genesis;
            try (Reader in = Files.newBufferedReader(home.resolve("etc/genesis.properties"), StandardCharsets.UTF_8)) {
                genesis = Genesis.read(in);
            }
            CryptoSuite suite = Suites.byName(genesis.suite());
            List<Account> senders = new ArrayList<>();
            for (String name : UpgradeIT.ACCOUNTS) {
                senders.add(Account.of(name, KeyFiles.read(home.resolve("keys/accounts/" + name + ".key")), suite));
            }
            Address sink = Account.generate("sink", suite).address();
            Path system = ChainTestSupport.runtimeDirectory().resolve("system");
            Path rocksdb = Files.copy(system.resolve("cairn-storage-rocksdb.jar"), jars.resolve("cairn-storage-rocksdb.jar"),
                    StandardCopyOption.REPLACE_EXISTING);
            cairn.run("sign", "--home", home.toString(), rocksdb.toString());

            // The engine needs the never-updated RocksDB library bundle, which a memory node does not have.
            String dry = shell(cairn, home, "cairn:upgrade storage " + rocksdb + " --dry-run");
            assertTrue(dry, dry.contains("unresolved: org.rocksdb"));
            String lib = shell(cairn, home, "felix:install " + system.resolve("cairn-rocksdb-lib.jar").toUri());
            Matcher id = Pattern.compile("Bundle ID: (\\d+)").matcher(lib);
            assertTrue(lib, id.find());
            shell(cairn, home, "felix:start " + id.group(1));
            dry = shell(cairn, home, "cairn:upgrade storage " + rocksdb + " --dry-run");
            assertTrue(dry, dry.contains("result: would upgrade; nothing was changed"));
            assertTrue(dry, dry.contains("copy every entry into it"));

            // ---- load across the replacement
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService threads = Executors.newFixedThreadPool(senders.size());
            List<Future<?>> sending = new ArrayList<>();
            for (Account a : senders) {
                sending.add(threads.submit(() -> {
                    UpgradeIT.send(rpc, suite, genesis.chainId(), a, sink, accepted, new AtomicLong(), stop);
                    return null;
                }));
            }
            await("transfers flowing", COMMIT, () -> accepted.size() >= 200 ? Boolean.TRUE : null);

            String out = shell(cairn, home, "cairn:upgrade storage " + rocksdb);
            Matcher m = MIGRATED.matcher(out);
            assertTrue("memory -> rocksdb committed with a migration:\n" + out, m.find());
            String forward = "memory -> rocksdb: " + m.group(2) + " entries copied in " + m.group(3)
                    + " ms, block production paused " + m.group(4) + " ms";
            log(t0, forward + " (" + m.group(1) + ")");
            long before = accepted.size();
            await("transfers accepted on rocksdb", COMMIT, () -> accepted.size() >= before + 60 ? Boolean.TRUE : null);
            stop.set(true);
            threads.shutdown();
            assertTrue(threads.awaitTermination(COMMIT.toSeconds(), TimeUnit.SECONDS));
            for (Future<?> f : sending) {
                f.get();
            }
            String components = shell(cairn, home, "cairn:components");
            assertTrue(components, components.contains("cairn-storage-rocksdb"));
            assertFalse(components, components.contains("cairn-storage-memory"));
            long height = everyReceiptAndBalance(rpc, accepted, sink);
            log(t0, accepted.size() + " transfers in blocks 1.." + height + ", every receipt and balance on rocksdb");
            assertVerified(cairn, home);

            // ---- restart: the chain is on disk now, and the memory engine is not reinstalled
            cairn.stop();
            cairn.startDetached(pid);
            await("the chain after the restart", COMMIT, () -> rpc.blockNumber() >= height ? Boolean.TRUE : null);
            assertEquals("height after the restart", height, rpc.blockNumber());
            components = shell(cairn, home, "cairn:components");
            assertTrue(components, components.contains("cairn-storage-rocksdb"));
            assertFalse(components, components.contains("cairn-storage-memory"));
            everyReceiptAndBalance(rpc, accepted, sink);
            transferCommits(rpc, suite, genesis, senders.get(0), sink, accepted);
            log(t0, "restarted on rocksdb at height " + height + ": every receipt and balance still there");

            // ---- rollback: back into memory, chain and all
            out = shell(cairn, home, "cairn:rollback storage");
            m = MIGRATED.matcher(out);
            assertTrue("rocksdb -> memory committed with a migration:\n" + out, m.find());
            String back = "rocksdb -> memory: " + m.group(2) + " entries copied in " + m.group(3)
                    + " ms, block production paused " + m.group(4) + " ms";
            log(t0, back);
            components = shell(cairn, home, "cairn:components");
            assertTrue(components, components.contains("cairn-storage-memory"));
            assertFalse(components, components.contains("cairn-storage-rocksdb"));
            everyReceiptAndBalance(rpc, accepted, sink);
            transferCommits(rpc, suite, genesis, senders.get(1), sink, accepted);
            assertVerified(cairn, home);
            String history = shell(cairn, home, "cairn:upgrades");
            assertEquals(history, 2, UpgradeIT.count(history, " COMMIT "));
            log(t0, "rolled back to memory; " + forward + "; " + back);
            passed = true;
        } finally {
            if (!passed) {
                System.out.println(cairn.diagnostics());
            }
            cairn.stop();
        }
    }

    /** Every accepted transfer has a successful receipt, and the sink holds one unit per transfer; the height. */
    private static long everyReceiptAndBalance(RpcClient rpc, Map<String, Boolean> accepted, Address sink) {
        for (String hash : accepted.keySet()) {
            Map<String, Object> receipt = await("receipt of " + hash, COMMIT, () -> rpc.receipt(hash));
            assertEquals("status of " + hash, 0L, asLong(receipt.get("status")));
        }
        assertEquals("the sink's balance", BigInteger.valueOf(accepted.size()), rpc.balance(sink));
        return rpc.blockNumber();
    }

    private static void transferCommits(RpcClient rpc, CryptoSuite suite, Genesis genesis, Account from, Address to,
            Map<String, Boolean> accepted) {
        SignedTransfer tx = ChainTestSupport.transfer(suite, genesis.chainId(), from, rpc.nonce(from.address()), to,
                BigInteger.ONE);
        rpc.send(tx);
        accepted.put(tx.hash(), Boolean.TRUE);
        await("a new transfer committed", COMMIT, () -> rpc.receipt(tx.hash()));
    }

    private static void assertVerified(CrashRecoveryIT.Launcher cairn, Path home) throws Exception {
        String verified = shell(cairn, home, "cairn:verify-chain");
        assertTrue(verified, verified.contains("every state root matches"));
    }
}
