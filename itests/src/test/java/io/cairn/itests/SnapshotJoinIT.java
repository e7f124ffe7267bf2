package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import io.cairn.itests.ChainTestSupport.RpcError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * A fifth node joins a four-node PBFT chain (RocksDB, one process per node) from a snapshot while the chain runs
 * under load (docs/snapshots.md): node1 exports its state at its head (node2 serves a copy), a copy whose header keeps
 * fewer seals than the quorum is refused by the import (and leaves the home as it was), node4's new home joins by
 * state sync as it starts ({@code start --join}: the snapshot fetched from node1 and node2 at once over the network,
 * proven and imported in the node itself), syncs the blocks after the snapshot's and follows the chain as an
 * observer: the same block hashes and state roots as the others, the same balances, getSyncStatus naming the block
 * it joined at, and a clear error for the blocks it does not hold. Started again with {@code --join}, it just starts.
 * Then it fetches its history in the background ({@code cairn:history fetch}) from node1's and node2's full snapshots:
 * it then holds every block, counts every transaction, and replays the whole chain ({@code cairn:verify-chain}).
 */
public class SnapshotJoinIT {
    static final Duration COMMIT = Duration.ofSeconds(45);
    private static final Pattern WRITTEN = Pattern.compile("snapshot of block (\\d+) \\(");

    @Test
    public void aNodeJoinsAChainUnderLoadFromASnapshotAndFollowsIt() throws Exception {
        long t0 = System.nanoTime();
        List<String> accounts = List.of("sender0", "sender1", "sender2");
        LocalChain chain = LocalChain.init("snapshot-join", 4, 1, "--accounts", String.join(",", accounts));
        List<RpcClient> rpcs = chain.rpcs;
        ExecutorService pool = Executors.newCachedThreadPool();
        AtomicBoolean stop = new AtomicBoolean();
        boolean passed = false;
        try {
            chain.startTogether(COMMIT.plusSeconds(30), 4);
            CryptoSuite suite = chain.suite();
            Address sink = Account.generate("sink", suite).address();
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            List<Future<?>> sending = chain.load(pool, accounts, sink, accepted, new AtomicLong(), stop);
            await("transfers flowing", COMMIT, () -> accepted.size() >= 200 ? Boolean.TRUE : null);

            // ---- node1 exports its state at its head, under load, into its snapshots directory, which it serves;
            // node2 serves a copy of it too (as an operator would hand one on)
            String out = chain.launchers.get(1).run("snapshot", "export", "--home", chain.homes.get(1).toString());
            Matcher m = WRITTEN.matcher(out);
            assertTrue(out, m.find());
            long height = Long.parseLong(m.group(1));
            Path snapshot = chain.homes.get(1).resolve("snapshots").resolve(Long.toString(height));
            copyTree(snapshot, chain.homes.get(2).resolve("snapshots").resolve(Long.toString(height)));
            log(t0, "node1 exported block " + height + ": " + out.strip());

            // ---- a copy sealed by fewer than the quorum is refused, and the home stays as it was
            Path forged = LedgerModelsIT.keepingSeals(snapshot, chain.work.resolve("forged"), 1);
            Path home4 = chain.homes.get(4);
            String refused = chain.launchers.get(4).attempt("snapshot", "import", "--home", home4.toString(), "--from",
                    forged.toString());
            assertTrue(refused, refused.contains("REFUSED: the seals of block " + height)
                    && refused.contains("are valid for 1 sealers of the genesis list; the quorum is 3 of 4"));
            assertFalse("a refused import leaves no mark", Files.exists(home4.resolve("data/snapshot-import.pending")));

            // ---- node4's new home joins by state sync as it starts: the snapshot fetched from node1 and node2 at
            // once, proven and imported; then the same node starts its pipeline and syncs the blocks after it. It
            // starts while the loaded chain keeps both cores busy: a JVM and its bundles come up slowly then
            out = chain.startJoining(4, Duration.ofSeconds(180));
            // node1 and node2 serve it; how many of the four peers are connected when node4 asks depends on the load
            // (SnapshotFetchTest shows every peer serving a snapshot is fetched from at once)
            Matcher offered = Pattern.compile("manifest: block " + height + " from ([12]) of ([1-4]) peers").matcher(out);
            assertTrue(out, offered.find());
            assertTrue(out, out.contains("fetched the snapshot of block " + height + " (1 chunks, "));
            assertTrue(out, out.contains(" from " + offered.group(1) + (offered.group(1).equals("1") ? " peer in "
                    : " peers in ")));
            assertTrue(out, out.contains("imported snapshot of block " + height + " ("));
            assertTrue(out, out.contains("node running, pid "));
            assertTrue("the joined node keeps the snapshot, and serves it",
                    Files.isRegularFile(home4.resolve("snapshots").resolve(Long.toString(height)).resolve("manifest.json")));
            assertFalse("a join that succeeded leaves no mark", Files.exists(home4.resolve("data/snapshot-import.pending")));
            log(t0, "node4: " + out.strip());
            String log4 = Files.readString(home4.resolve("logs/node.log"));
            assertTrue("the node's bundles restarted on the imported chain: its head's state root was checked",
                    log4.contains("is block " + height + "'s: it gives the header's state root"));
            Map<?, ?> sync = (Map<?, ?>) rpcs.get(4).call("getSyncStatus");
            assertEquals(sync.toString(), height, ((Number) sync.get("joinedAt")).longValue());
            assertTrue(sync.toString(), List.of("blocks", "synced").contains(sync.get("phase")));
            assertEquals(sync.toString(), null, sync.get("snapshot"));
            long target = rpcs.get(0).blockNumber() + 10;
            await("node4 following the chain to block " + target, Duration.ofSeconds(120),
                    () -> rpcs.get(4).blockNumber() >= target ? Boolean.TRUE : null);

            upgradesUnderLoad(chain, suite, accepted, t0);

            stop.set(true);
            for (Future<?> f : sending) {
                f.get(COMMIT.toSeconds(), TimeUnit.SECONDS);
            }
            long last = rpcs.get(0).blockNumber();
            await("node4 at block " + last, COMMIT, () -> rpcs.get(4).blockNumber() >= last ? Boolean.TRUE : null);
            for (long h = height; h <= last; h++) {
                Map<?, ?> theirs = (Map<?, ?>) rpcs.get(0).call("getBlockByNumber", h, false);
                Map<?, ?> its = (Map<?, ?>) rpcs.get(4).call("getBlockByHash", theirs.get("hash"), false);
                if (h == height) {
                    assertEquals("its head from the snapshot is not held whole", null, its);
                    continue;
                }
                assertEquals("block " + h + " on node4", theirs.get("hash"), its.get("hash"));
                assertEquals("state root of block " + h + " on node4", theirs.get("stateRoot"), its.get("stateRoot"));
            }
            for (String name : accounts) {
                Address a = chain.account(name, suite).address();
                assertEquals("balance of " + name, rpcs.get(0).balance(a), rpcs.get(4).balance(a));
            }
            try {
                rpcs.get(4).call("getBlockByNumber", 1, false);
                throw new AssertionError("node4 answered block 1, which it does not hold");
            } catch (RpcError e) {
                assertEquals(-32032, e.code);
                assertTrue(e.getMessage(), e.getMessage().contains("block 1 is not held here: this node joined the "
                        + "chain at block " + height + " from a snapshot"));
            }
            // ---- started again with --join, the node holds the chain: it just starts
            chain.launchers.get(4).stop();
            out = chain.startJoining(4, Duration.ofSeconds(120));
            assertTrue(out, out.contains("this home holds the chain up to block "));
            assertTrue(out, out.contains("already: the node starts without a join"));
            long again = rpcs.get(0).blockNumber();
            await("node4 at block " + again + " after its restart", COMMIT,
                    () -> rpcs.get(4).blockNumber() >= again ? Boolean.TRUE : null);

            // ---- its history in the background: blocks 1..height from node1's and node2's full snapshots, proven
            // against the block it holds; then it holds the whole chain and replays it from genesis
            out = chain.shell(4, "cairn:history");
            assertTrue(out, out.contains("history: blocks 1.." + height + " are not held here (this node joined the "
                    + "chain at block " + height + " from a snapshot): cairn:history fetch takes them from its peers"));
            out = chain.shell(4, "cairn:history fetch");
            assertTrue(out, out.contains("history: fetching blocks 1.." + height
                    + " from the peers' full snapshots in the background: see cairn:history"));
            await("node4's history", Duration.ofSeconds(120),
                    () -> ((Map<?, ?>) rpcs.get(4).call("getSyncStatus")).get("joinedAt") == null ? Boolean.TRUE : null);
            out = chain.shell(4, "cairn:history");
            assertTrue(out, Pattern.compile("history: blocks 1\\.\\." + height + " fetched from [12] peers? \\(\\d+ "
                    + "block chunks, \\d+ bytes\\) in \\d+ ms, proven and written in \\d+ ms \\(\\d+ ms in all\\): this "
                    + "node holds the whole chain").matcher(out).find());
            log(t0, "node4: " + out.strip());
            for (long h = 1; h <= height; h++) {
                Map<?, ?> theirs = (Map<?, ?>) rpcs.get(0).call("getBlockByNumber", h, false);
                Map<?, ?> its = (Map<?, ?>) rpcs.get(4).call("getBlockByNumber", h, false);
                assertEquals("block " + h + " on node4 after its history", theirs.get("hash"), its.get("hash"));
                assertEquals("block " + h + "'s transactions", theirs.get("transactions"), its.get("transactions"));
            }
            long head = rpcs.get(0).blockNumber();
            await("node4 at block " + head, COMMIT, () -> rpcs.get(4).blockNumber() >= head ? Boolean.TRUE : null);
            assertEquals("every block's transactions counted", rpcs.get(0).call("getTotalTransactionCount"),
                    rpcs.get(4).call("getTotalTransactionCount"));
            String verified = chain.shell(4, "cairn:verify-chain").strip();
            Matcher v = Pattern.compile("verified blocks 0\\.\\.(\\d+): every state root matches").matcher(verified);
            assertTrue("verify-chain on node4:\n" + verified, v.find());
            assertTrue(verified, Long.parseLong(v.group(1)) >= head);
            out = chain.shell(4, "cairn:history fetch");
            assertTrue(out, out.contains("history: this node holds the whole chain already: nothing to fetch"));
            log(t0, "RESULT " + accepted.size() + " transfers under load; node4 joined at block " + height
                    + " from node1's snapshot, agrees on blocks " + (height + 1) + ".." + last
                    + ", fetched blocks 1.." + height + " in the background and replays the whole chain");
            passed = true;
        } finally {
            stop.set(true);
            pool.shutdownNow();
            chain.stop(passed);
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Live-upgrade rules hold for the snapshot bundle (docs/upgrades.md): on node1, under load, the snapshot bundle is
     * upgraded in place and exports on the new version; then the storage engine is upgraded while an export runs,
     * which either ends in a whole snapshot that proves or fails and leaves none; transfers go on being accepted.
     */
    private static void upgradesUnderLoad(LocalChain chain, CryptoSuite suite, Map<String, Boolean> accepted, long t0)
            throws Exception {
        Path home1 = chain.homes.get(1);
        CrashRecoveryIT.Launcher node1 = chain.launchers.get(1);
        Path jars = Files.createDirectories(chain.work.resolve("jars"));
        Path system = ChainTestSupport.runtimeDirectory().resolve("system");
        byte[] operator = io.cairn.crypto.KeyFiles.read(home1.resolve("keys/operator.key"));
        Path snapshotJar = UpgradeIT.rewrite(system.resolve("cairn-snapshot.jar"),
                jars.resolve("cairn-snapshot-1.0.1.jar"), "1.0.1", m -> m, (name, bytes) -> bytes);
        UpgradeIT.sign(snapshotJar, suite, operator);
        long before = accepted.size();
        String out = UpgradeIT.shell(node1, home1, "cairn:upgrade snapshot " + snapshotJar);
        assertTrue(out, out.contains("COMMITTED"));
        await("transfers accepted after upgrading the snapshot bundle", COMMIT,
                () -> accepted.size() >= before + 30 ? Boolean.TRUE : null);
        Path after = chain.work.resolve("after-upgrade");
        out = node1.run("snapshot", "export", "--home", home1.toString(), "--out", after.toString());
        assertTrue(out, WRITTEN.matcher(out).find());
        out = node1.run("snapshot", "verify", "--home", home1.toString(), after.toString());
        log(t0, "snapshot bundle upgraded on node1 under load; it exports: " + out.strip());

        Path storageJar = UpgradeIT.rewrite(system.resolve("cairn-storage-rocksdb.jar"),
                jars.resolve("cairn-storage-rocksdb-1.0.1.jar"), "1.0.1", m -> m, (name, bytes) -> bytes);
        UpgradeIT.sign(storageJar, suite, operator);
        Path during = chain.work.resolve("during-storage-upgrade");
        CrashRecoveryIT.Launcher exporter = new CrashRecoveryIT.Launcher(
                Files.createDirectories(chain.work.resolve("exporter")), home1);
        ExecutorService side = Executors.newSingleThreadExecutor();
        try {
            Future<String> export = side.submit(() -> exporter.attempt("snapshot", "export", "--home", home1.toString(),
                    "--out", during.toString()));
            long beforeStorage = accepted.size();
            out = UpgradeIT.shell(node1, home1, "cairn:upgrade storage " + storageJar);
            assertTrue(out, out.contains("COMMITTED"));
            String exported = export.get(COMMIT.toSeconds() * 2, TimeUnit.SECONDS);
            if (WRITTEN.matcher(exported).find()) {
                out = node1.run("snapshot", "verify", "--home", home1.toString(), during.toString());
                log(t0, "an export during the storage upgrade finished whole and proves: " + out.strip());
            } else {
                assertFalse("a failed export leaves no snapshot: " + exported,
                        Files.exists(during.resolve("manifest.json")));
                log(t0, "an export during the storage upgrade failed cleanly: " + exported.strip());
            }
            await("transfers accepted after upgrading storage", COMMIT,
                    () -> accepted.size() >= beforeStorage + 30 ? Boolean.TRUE : null);
        } finally {
            side.shutdownNow();
        }
    }

    static void copyTree(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
