package io.cairn.itests;

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
import java.util.Set;
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

/**
 * The storage cluster as an operator runs it (docs/storage.md): {@code cairn storage up} starts three Apache Ignite
 * servers with persistence on loopback, each its own JVM, and waits until the cluster is active; {@code storage
 * status} shows them, and 20,000 entries written with one backup are shared by all three; {@code storage add-server}
 * adds a fourth, onto which the partitions rebalance, and {@code storage remove-server} takes it out again, nothing
 * lost; a server SIGKILLed shows as down and out of the topology with every entry still read, and {@code storage up}
 * on the same directory starts it alone again, which rejoins; {@code storage down} stops them all. A directory holding a cluster
 * refuses other settings, and a port another process holds is named.
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

            // and removed again (its backups take over), nothing lost
            out = cairn.run("storage", "remove-server", "--dir", dir.toString());
            assertTrue(out, out.contains("server 3 stopped and out of the cluster"));
            assertTrue(out, out.contains("storage cluster active: 3 servers, 1 backups"));
            await("every entry's two copies on three servers", Duration.ofSeconds(60),
                    () -> copies() == 2L * entries ? Boolean.TRUE : null);
            assertEquals(entries, readData(entries));

            // the same directory: its settings only
            out = cairn.attempt("storage", "up", "--servers", "5", "--dir", dir.toString());
            assertTrue(out, out.contains("holds a cluster of 3 servers (port 27800, 1 backups) already"));

            // server 2 killed: down and out of the topology; the cluster stays active on the other two
            ProcessHandle.of(pids[2]).orElseThrow().destroyForcibly();
            ProcessHandle.of(pids[2]).ifPresent(p -> p.onExit().join());
            out = cairn.attempt("storage", "status", "--dir", dir.toString());
            assertTrue(out, out.contains("active, 2 of 3 servers in the topology"));
            assertTrue(out, Pattern.compile("  2 +down +127\\.0\\.0\\.1:27802 +out").matcher(out).find());
            assertEquals("nothing lost with one server killed", entries, readData(entries));

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
        } finally {
            if (up) {
                cairn.attempt("storage", "down", "--dir", dir.toString());
            }
        }
    }
}
