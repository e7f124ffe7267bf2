package io.cairn.itests;

import static io.cairn.itests.ChainTestSupport.asLong;
import static io.cairn.itests.ChainTestSupport.await;
import static io.cairn.itests.UpgradeIT.log;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.cairn.launcher.cluster.ClusterClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.ClientTransaction;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.junit.Test;
import io.cairn.itests.ChainTestSupport.Account;
import io.cairn.itests.ChainTestSupport.RpcClient;
import java.nio.file.StandardCopyOption;
import static io.cairn.itests.UpgradeIT.shell;

/**
 * The storage cluster as an operator runs it (docs/storage.md): {@code cairn storage up} starts three Apache Ignite
 * servers with persistence on loopback, each its own JVM, and waits until the cluster is active; {@code storage
 * status} shows them, and 20,000 entries written with one backup are shared by all three; {@code storage add-server}
 * adds a fourth, onto which the partitions rebalance, and {@code storage remove-server} takes it out again, nothing
 * lost; a server SIGKILLed shows as down and out of the topology with every entry still read, and {@code storage up}
 * on the same directory starts it alone again, which rejoins; {@code storage down} stops them all. A directory holding a cluster
 * refuses other settings, and a port another process holds is named.
 *
 * <p>On the same cluster, as a user runs them (docs/storage.md, "The ignite engine"): a four-node PBFT chain made with
 * {@code init --nodes 4 --profile pbft-ignite}, each node in a namespace of its own, commits transfers identically on
 * all four; a node made with {@code init
 * --profile solo-ignite --storage-endpoints} commits transfers under load while the servers are added, removed and
 * killed, and every transfer is committed once and the chain verifies; a snapshot of it is taken and verified; a
 * RocksDB node is moved onto the cluster and back under load with {@code cairn:upgrade storage} and {@code
 * cairn:rollback storage}; the whole cluster stopped under the node pauses its chain, which goes on once it is back;
 * another chain's node given the same namespace is refused.
 */
public class StorageClusterIT {
    /** Dedicated loopback ports for this test: clients 27800.., discovery 27900.., communication 28000... */
    static final int PORT = 27800;
    static final String CACHE = "itest-data";

    private static final Pattern PID = Pattern.compile("server (\\d) starting, pid (\\d+)");

    private static ClientConfiguration client() {
        return new ClientConfiguration().setAddresses("127.0.0.1:" + PORT, "127.0.0.1:" + (PORT + 1),
                "127.0.0.1:" + (PORT + 2), "127.0.0.1:" + (PORT + 3)).setTimeout(10_000);
    }

    /** Writes entries 0..n-1 (512 bytes each, derived from the key) in transactions of 1,000. */
    private static void writeData(int n) {
        try (IgniteClient c = Ignition.startClient(client())) {
            ClientCache<Integer, byte[]> cache = c.getOrCreateCache(new ClientCacheConfiguration().setName(CACHE)
                    .setBackups(1).setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL)
                    .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC));
            for (int from = 0; from < n; from += 1000) {
                Map<Integer, byte[]> batch = new HashMap<>();
                for (int k = from; k < Math.min(n, from + 1000); k++) {
                    batch.put(k, value(k));
                }
                try (ClientTransaction tx = c.transactions().txStart(TransactionConcurrency.OPTIMISTIC,
                        TransactionIsolation.SERIALIZABLE)) {
                    cache.putAll(batch);
                    tx.commit();
                }
            }
        }
    }

    private static byte[] value(int k) {
        byte[] v = new byte[512];
        Arrays.fill(v, (byte) k);
        v[0] = (byte) (k >>> 24);
        v[1] = (byte) (k >>> 16);
        v[2] = (byte) (k >>> 8);
        return v;
    }

    /** How many of entries 0..n-1 read back as written. */
    private static int readData(int n) {
        try (IgniteClient c = Ignition.startClient(client())) {
            ClientCache<Integer, byte[]> cache = c.cache(CACHE);
            int same = 0;
            for (int from = 0; from < n; from += 1000) {
                Set<Integer> keys = new HashSet<>();
                for (int k = from; k < Math.min(n, from + 1000); k++) {
                    keys.add(k);
                }
                for (Map.Entry<Integer, byte[]> e : cache.getAll(keys).entrySet()) {
                    same += Arrays.equals(value(e.getKey()), e.getValue()) ? 1 : 0;
                }
            }
            return same;
        }
    }

    /** The copies (primary and backup) of the test's entries the cluster holds. */
    private static long copies() {
        try (IgniteClient c = Ignition.startClient(client())) {
            return c.cache(CACHE).size(CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        }
    }

    private static long[] dataBytes(Path dir, int servers) {
        long[] b = new long[servers];
        for (int i = 0; i < servers; i++) {
            b[i] = ClusterClient.dataBytes(dir.resolve("server-" + i));
        }
        return b;
    }

    @Test
    public void aClusterComesUpShowsItsServersLosesOneGetsItBackAndGoesDown() throws Exception {
        long t0 = System.nanoTime();
        Path work = ChainTestSupport.newWorkDirectory("storage-cluster");
        Path dir = work.resolve("cluster");
        CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, work.resolve("no-home"));
        boolean up = false;
        CrashRecoveryIT.Launcher node = null;
        TransferLoad load = null;
        boolean passed = false;
        try {
            String out = cairn.run("storage", "up", "--servers", "3", "--dir", dir.toString(), "--port",
                    Integer.toString(PORT));
            up = true;
            assertTrue(out, out.contains("storage cluster active: 3 servers, 1 backups"));
            assertTrue(out, out.contains("endpoints 127.0.0.1:27800,127.0.0.1:27801,127.0.0.1:27802"));
            long[] pids = new long[3];
            Matcher m = PID.matcher(out);
            while (m.find()) {
                pids[Integer.parseInt(m.group(1))] = Long.parseLong(m.group(2));
            }
            log(t0, "three servers up: " + out.strip());

            out = cairn.run("storage", "status", "--dir", dir.toString());
            assertTrue(out, out.contains("active, 3 of 3 servers in the topology, 1 backups"));
            for (int i = 0; i < 3; i++) {
                assertTrue(out, Pattern.compile("  " + i + " +" + pids[i] + " +127\\.0\\.0\\.1:2780" + i + " +in +\\d+")
                        .matcher(out).find());
            }

            // data with one backup: every server holds a share
            int entries = 20_000;
            writeData(entries);
            out = cairn.run("storage", "status", "--dir", dir.toString());
            assertTrue(out, out.contains("cache " + CACHE + ": " + entries + " entries, " + 2 * entries + " of "
                    + 2 * entries + " copies held"));
            long[] before = dataBytes(dir, 3);
            for (int i = 0; i < 3; i++) {
                assertTrue("server " + i + " holds a share: " + before[i], before[i] > 0);
            }

            String endpoints = "127.0.0.1:" + PORT + ",127.0.0.1:" + (PORT + 1) + ",127.0.0.1:" + (PORT + 2);

            // ---- a four-node PBFT chain, each node in its own namespace of the one cluster
            pbftChain(cairn, dir, endpoints, t0);

            // ---- a node whose chain is on the cluster, under load while the cluster changes beneath it
            Path home = work.resolve("solo");
            int base = ChainTestSupport.freeLoopbackPorts(2);
        int[] ports = {base, base + 1};
            node = new CrashRecoveryIT.Launcher(work, home);
            out = node.run("init", "--profile", "solo-ignite", "--storage-endpoints", endpoints, "--storage-namespace",
                    "solo", "--dir", home.toString(), "--rpc-port", Integer.toString(ports[0]), "--ssh-port",
                    Integer.toString(ports[1]));
            assertTrue(out, out.contains("engines solo-ignite"));
            long nodePid = node.startDetached(-1);
            RpcClient rpc = new RpcClient(ports[0]);
            load = TransferLoad.start(home, rpc);
            String status = shell(node, home, "cairn:components");
            assertTrue(status, status.contains("cairn-storage-ignite"));
            log(t0, "a node on the cluster: " + load.accepted.size() + " transfers committed, height "
                    + rpc.blockNumber());

            // snapshots of a chain on the cluster (ordered scans of every key space from one view)
            String snapshot = shell(node, home, "cairn:snapshot create");
            assertTrue(snapshot, snapshot.contains("written to ") && snapshot.contains(": full, "));
            String snapshotDir = snapshot.replaceAll("(?s).*written to (\\S+): full.*", "$1");
            String checked = shell(node, home, "cairn:snapshot verify " + snapshotDir);
            assertTrue(checked, checked.contains("verified snapshot " + snapshotDir + ": block "));
            log(t0, "snapshot from the cluster: " + snapshot.lines().filter(l -> l.contains("written to")).findFirst()
                    .orElse("").strip());

            // ---- a RocksDB node moved onto the cluster and back, under load, the chain verified on each
            migration(work, endpoints, t0);

            // a fourth server added: the partitions rebalance onto it, every entry keeps its two copies
            out = cairn.run("storage", "add-server", "--dir", dir.toString());
            assertTrue(out, out.contains("server 3 starting, pid "));
            assertTrue(out, out.contains("storage cluster active: 4 servers, 1 backups"));
            await("server 3 holding a share of the data", Duration.ofSeconds(60),
                    () -> dataBytes(dir, 4)[3] > before[0] / 8 && copies() == 2L * entries ? Boolean.TRUE : null);
            long[] after = dataBytes(dir, 4);
            log(t0, "data bytes per server before adding server 3: " + Arrays.toString(before) + "; after: "
                    + Arrays.toString(after));
            assertEquals(entries, readData(entries));
            load.awaitMore("transfers committed with four servers", 100);

            // and removed again (its backups take over), nothing lost
            out = cairn.run("storage", "remove-server", "--dir", dir.toString());
            assertTrue(out, out.contains("server 3 stopped and out of the cluster"));
            assertTrue(out, out.contains("storage cluster active: 3 servers, 1 backups"));
            await("every entry's two copies on three servers", Duration.ofSeconds(60),
                    () -> copies() == 2L * entries ? Boolean.TRUE : null);
            assertEquals(entries, readData(entries));
            load.awaitMore("transfers committed after a server was removed", 100);
            // every copy of every cache (the node's too) held again before a server is lost: else a partition whose
            // copies were still moving could lose both
            await("every cache's copies held on three servers", Duration.ofSeconds(120), () -> {
                try {
                    String st = cairn.attempt("storage", "status", "--dir", dir.toString());
                    return st.contains("cache cairn_solo_kv: ") && !st.contains("(rebalancing)") ? st : null;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            // the same directory: its settings only
            out = cairn.attempt("storage", "up", "--servers", "5", "--dir", dir.toString());
            assertTrue(out, out.contains("holds a cluster of 3 servers (port 27800, 1 backups, without authentication) already"));

            // server 2 killed: down and out of the topology; the cluster stays active on the other two
            ProcessHandle.of(pids[2]).orElseThrow().destroyForcibly();
            ProcessHandle.of(pids[2]).ifPresent(p -> p.onExit().join());
            out = cairn.attempt("storage", "status", "--dir", dir.toString());
            assertTrue(out, out.contains("active, 2 of 3 servers in the topology"));
            assertTrue(out, Pattern.compile("  2 +down +127\\.0\\.0\\.1:27802 +out").matcher(out).find());
            assertEquals("nothing lost with one server killed", entries, readData(entries));
            load.awaitMore("transfers committed with a server killed", 100);

            // storage up starts it alone again, and it rejoins
            out = cairn.run("storage", "up", "--dir", dir.toString());
            assertTrue(out, out.contains("server 2 starting, pid "));
            assertFalse(out, out.contains("server 0 starting") || out.contains("server 1 starting"));
            assertTrue(out, out.contains("storage cluster active: 3 servers"));
            long killed = pids[2];
            m = PID.matcher(out);
            assertTrue(out, m.find());
            pids[2] = Long.parseLong(m.group(2));
            assertFalse("pid " + killed + " is gone", ProcessHandle.of(killed).map(ProcessHandle::isAlive).orElse(false));
            log(t0, "server 2 killed and started again: " + out.strip());
            load.awaitMore("transfers committed with server 2 back", 100);
            long height = load.stopAndCheck();
            load = null;
            String verified = shell(node, home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));
            log(t0, "through add, remove and kill: every transfer committed once, blocks 1.." + height + " verified");

            // ---- the cluster lost under the running node: block production pauses, and resumes when it is back
            lostAndBack(cairn, dir, node, home, rpc, entries, t0);

            // ---- another chain's node given the same namespace: refused, the first chain untouched
            anotherChainRefused(work, endpoints, rpc, t0);

            node.stop();
            assertFalse(ProcessHandle.of(nodePid).map(ProcessHandle::isAlive).orElse(false));
            node = null;

            // a port another process holds is named
            try (ServerSocket taken = new ServerSocket(PORT + 50, 1, InetAddress.getLoopbackAddress())) {
                out = cairn.attempt("storage", "up", "--servers", "1", "--dir", work.resolve("other").toString(),
                        "--port", Integer.toString(PORT + 50));
                assertTrue(out, out.contains("port " + (PORT + 50) + " on 127.0.0.1, which server 0 of the cluster in "
                        + work.resolve("other") + " needs, is taken"));
            }

            out = cairn.run("storage", "down", "--dir", dir.toString());
            up = false;
            assertTrue(out, out.contains("storage cluster stopped"));
            for (long pid : pids) {
                assertFalse("server pid " + pid + " stopped", ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                        .orElse(false));
            }
            out = cairn.attempt("storage", "status", "--dir", dir.toString());
            assertTrue(out, out.contains(": unreachable ("));
            assertTrue(out, Pattern.compile("  0 +down ").matcher(out).find());
            assertTrue("its data stays", Files.isDirectory(dir.resolve("server-0")));
            log(t0, "storage down: " + out.strip());
            passed = true;
        } finally {
            if (load != null) {
                load.abandon();
            }
            if (node != null) {
                if (!passed) {
                    System.out.println(node.diagnostics());
                }
                node.stop();
            }
            if (up) {
                cairn.attempt("storage", "down", "--dir", dir.toString());
            }
        }
    }

    /**
     * A four-node PBFT chain made with {@code init --nodes 4 --profile pbft-ignite --storage-namespace pbft} on the
     * shared cluster: node i keeps its chain in the namespace {@code cairn_pbft<i>_*}; transfers sent through every
     * node commit on all four with the same blocks, each node's chain verifies from what it reads back from the
     * cluster, and {@code storage status} shows the four namespaces' caches.
     */
    private static void pbftChain(CrashRecoveryIT.Launcher cairn, Path dir, String endpoints, long t0)
            throws Exception {
        List<String> senders = List.of("sender0", "sender1", "sender2", "sender3");
        LocalChain chain = LocalChain.init("storage-cluster-pbft", 4, "--profile", "pbft-ignite",
                "--storage-endpoints", endpoints, "--storage-namespace", "pbft", "--accounts",
                String.join(",", senders));
        ExecutorService pool = Executors.newFixedThreadPool(senders.size());
        AtomicBoolean stop = new AtomicBoolean();
        boolean passed = false;
        try {
            chain.startTogether(Duration.ofSeconds(180));
            Map<String, Boolean> accepted = new ConcurrentHashMap<>();
            AtomicLong retries = new AtomicLong();
            List<Future<?>> sending = chain.load(pool, senders,
                    Account.generate("sink", chain.suite()).address(), accepted, retries, stop);
            await("transfers accepted by the four nodes", Duration.ofSeconds(120),
                    () -> accepted.size() >= 400 ? Boolean.TRUE : null);
            stop.set(true);
            for (Future<?> f : sending) {
                f.get(2, TimeUnit.MINUTES);
            }
            for (String tx : accepted.keySet()) {
                for (int n = 0; n < chain.size(); n++) {
                    RpcClient rpc = chain.rpcs.get(n);
                    Map<String, Object> receipt = await("receipt of " + tx + " on node" + n, Duration.ofSeconds(60),
                            () -> rpc.receipt(tx));
                    assertEquals(0L, asLong(receipt.get("status")));
                }
            }
            long height = ChainRulesIT.sameChain(chain.rpcs, 1);
            for (int n = 0; n < chain.size(); n++) {
                String verified = chain.shell(n, "cairn:verify-chain");
                assertTrue("node" + n + ": " + verified, verified.contains("every state root matches"));
            }
            String status = cairn.run("storage", "status", "--dir", dir.toString());
            for (int n = 0; n < chain.size(); n++) {
                assertTrue(status, status.contains("cache cairn_pbft" + n + "_kv: "));
            }
            log(t0, "four PBFT nodes on the cluster, namespaces cairn_pbft0..3: " + accepted.size()
                    + " transfers committed on all, blocks 0.." + height + " identical and verified on each ("
                    + retries.get() + " sends retried)");
            passed = true;
        } finally {
            stop.set(true);
            pool.shutdownNow();
            chain.stop(passed);
        }
    }

    /**
     * A RocksDB node's chain copied onto the cluster by {@code cairn:upgrade storage} under load, and back by {@code
     * cairn:rollback storage}: every transfer committed once, the chain verified on each engine.
     */
    private static void migration(Path work, String endpoints, long t0) throws Exception {
        Path home = work.resolve("moved");
        int base = ChainTestSupport.freeLoopbackPorts(2);
        int[] ports = {base, base + 1};
        CrashRecoveryIT.Launcher cairn = new CrashRecoveryIT.Launcher(work, home);
        cairn.run("init", "--profile", "solo-rocksdb", "--dir", home.toString(), "--rpc-port",
                Integer.toString(ports[0]), "--ssh-port", Integer.toString(ports[1]));
        TransferLoad load = null;
        boolean passed = false;
        try {
            cairn.startDetached(-1);
            RpcClient rpc = new RpcClient(ports[0]);
            load = TransferLoad.start(home, rpc);
            Path system = ChainTestSupport.runtimeDirectory().resolve("system");
            Path jar = Files.copy(system.resolve("cairn-storage-ignite.jar"), work.resolve("cairn-storage-ignite.jar"),
                    StandardCopyOption.REPLACE_EXISTING);
            cairn.run("sign", "--home", home.toString(), jar.toString());
            // as an operator: the engine's settings, and the never-updated client library it needs
            Files.writeString(home.resolve("etc/io.cairn.storage.ignite.cfg"), "endpoints=" + endpoints
                    + "\nnamespace=moved\nbackups=1\n");
            // FileInstall reads etc/ each second: the upgrade activates the engine with what ConfigAdmin holds, so it
            // waits until ConfigAdmin has stored the settings (with the shell in the test's JVM, it came too soon)
            await("the engine's settings in ConfigAdmin", Duration.ofSeconds(30), () -> {
                try (var found = Files.find(home.resolve("data/felix-cache"), 8, (f, a) ->
                        f.endsWith(Path.of("data/config/io/cairn/storage/ignite.config")))) {
                    return found.findAny().orElse(null);
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            String lib = shell(cairn, home, "felix:install " + system.resolve("cairn-ignite-lib.jar").toUri());
            Matcher id = Pattern.compile("Bundle ID: (\\d+)").matcher(lib);
            assertTrue(lib, id.find());
            shell(cairn, home, "felix:start " + id.group(1));

            String out = shell(cairn, home, "cairn:upgrade storage " + jar);
            Matcher m = ReplaceEngineIT.MIGRATED.matcher(out);
            assertTrue("rocksdb -> ignite committed with a migration:\n" + out, m.find());
            log(t0, "rocksdb -> ignite: " + m.group(2) + " entries copied in " + m.group(3) + " ms, block production "
                    + "paused " + m.group(4) + " ms");
            load.awaitMore("transfers committed on the cluster", 100);
            String components = shell(cairn, home, "cairn:components");
            assertTrue(components, components.contains("cairn-storage-ignite"));
            assertFalse(components, components.contains("cairn-storage-rocksdb"));
            String verified = shell(cairn, home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));

            out = shell(cairn, home, "cairn:rollback storage");
            m = ReplaceEngineIT.MIGRATED.matcher(out);
            assertTrue("ignite -> rocksdb committed with a migration:\n" + out, m.find());
            log(t0, "ignite -> rocksdb: " + m.group(2) + " entries copied in " + m.group(3) + " ms, block production "
                    + "paused " + m.group(4) + " ms");
            load.awaitMore("transfers committed back on rocksdb", 100);
            long height = load.stopAndCheck();
            load = null;
            components = shell(cairn, home, "cairn:components");
            assertTrue(components, components.contains("cairn-storage-rocksdb"));
            verified = shell(cairn, home, "cairn:verify-chain");
            assertTrue(verified, verified.contains("every state root matches"));
            log(t0, "moved onto the cluster and back under load: blocks 1.." + height + " verified, every transfer once");
            passed = true;
        } finally {
            if (load != null) {
                load.abandon();
            }
            if (!passed) {
                System.out.println(cairn.diagnostics());
            }
            cairn.stop();
        }
    }

    /**
     * The whole cluster stopped under a node sent transfers: no block is committed while it is away (a batch is
     * applied whole or not at all), the storage engine says what it waits for, and once the cluster is back the chain
     * goes on and every transfer accepted before, during and after is committed once.
     */
    private static void lostAndBack(CrashRecoveryIT.Launcher cairn, Path dir, CrashRecoveryIT.Launcher node, Path home,
            RpcClient rpc, int entries, long t0) throws Exception {
        long before = rpc.blockNumber();
        String out = cairn.run("storage", "down", "--dir", dir.toString());
        assertTrue(out, out.contains("storage cluster stopped"));
        assertTrue(out, out.contains("cluster deactivated: its servers stop with the baseline whole"));
        // a transfer sent now makes the node write a block (an idle node asks the cluster nothing: what it reads is
        // held in the node, and a key it never wrote is absent by its key filter)
        String probe = TransferLoad.sendOne(home, rpc, "alice");
        String health = await("the node saying the cluster is away", Duration.ofSeconds(60), () -> {
            try {
                String c = shell(node, home, "cairn:components");
                return c.contains("storage-ignite: the storage cluster at") && c.contains("did not answer") ? c : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long during = rpc.blockNumber();
        assertTrue("at most the block in flight is committed without the cluster: " + before + " -> " + during,
                during <= before + 1);
        log(t0, "cluster stopped under the node at height " + before + ": " + health.lines()
                .filter(l -> l.contains("did not answer")).findFirst().orElse("").strip());
        out = cairn.run("storage", "up", "--dir", dir.toString());
        assertTrue(out, out.contains("storage cluster active: 3 servers"));
        Map<String, Object> receipt = await("the transfer sent while the cluster was away, committed",
                Duration.ofSeconds(60), () -> rpc.receipt(probe));
        assertEquals(0L, asLong(receipt.get("status")));
        assertEquals("every entry written before the cluster was stopped reads back", entries, readData(entries));
        TransferLoad load = TransferLoad.start(home, rpc);
        try {
            load.awaitMore("transfers committed once the cluster is back", 60);
            long height = load.stopAndCheck();
            load = null;
            log(t0, "the cluster back: blocks " + during + ".." + height + " committed");
        } finally {
            if (load != null) {
                load.abandon();
            }
        }
    }

    /** Another chain's node given this chain's namespace is refused before it writes anything. */
    private static void anotherChainRefused(Path work, String endpoints, RpcClient first, long t0) throws Exception {
        Path home = work.resolve("other");
        int base = ChainTestSupport.freeLoopbackPorts(2);
        int[] ports = {base, base + 1};
        CrashRecoveryIT.Launcher other = new CrashRecoveryIT.Launcher(work, home);
        other.run("init", "--profile", "solo-ignite", "--storage-endpoints", endpoints, "--storage-namespace", "solo",
                "--chain-id", "9", "--dir", home.toString(), "--rpc-port", Integer.toString(ports[0]), "--ssh-port",
                Integer.toString(ports[1]));
        long height = first.blockNumber();
        try {
            String out = other.attempt("start", "--home", home.toString(), "--detach", "--timeout", "60s");
            assertTrue(out, out.contains("the namespace cairn_solo_* on the storage cluster at " + endpoints
                    + " is the store of the node at "));
            assertTrue(out, out.contains("a node writes only its own (give this one its own --storage-namespace)"));
            log(t0, "another chain's node on the namespace refused: " + out.lines()
                    .filter(l -> l.contains("is the store of")).findFirst().orElse(""));
        } finally {
            other.stop();
        }
        assertTrue("the first chain goes on", first.blockNumber() >= height);
    }
}
