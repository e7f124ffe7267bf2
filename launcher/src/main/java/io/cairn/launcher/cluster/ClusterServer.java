package io.cairn.launcher.cluster;

import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteSystemProperties;
import org.apache.ignite.Ignition;
import org.apache.ignite.calcite.CalciteQueryEngineConfiguration;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.SqlConfiguration;
import org.apache.ignite.configuration.TransactionConfiguration;
import org.apache.ignite.configuration.WALMode;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/**
 * One server of a storage cluster (docs/storage.md): an Apache Ignite server node with native persistence, on
 * loopback, in its own JVM ({@code cairn storage up} starts it). The first time every server of the cluster's
 * directory is in the topology, the server that sees it activates the cluster and turns on the automatic baseline,
 * so that a server added later takes its share of the partitions, and one that leaves has its backups promoted.
 */
public final class ClusterServer {
    /** The off-heap memory a server caches pages in; the rest of its data is on disk. */
    static final long REGION_BYTES = 256L << 20;

    private ClusterServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ClusterServer <cluster dir> <server index>");
            System.exit(2);
        }
        ClusterLayout layout = ClusterLayout.read(Path.of(args[0]));
        int index = Integer.parseInt(args[1]);
        keepWalDuringRebalancing();
        Ignite ignite = Ignition.start(configuration(layout, index));
        System.out.println("cairn storage server " + index + " started: client port " + layout.clientPort(index));
        System.out.flush();
        activateOnceWhole(ignite, layout);
    }

    /**
     * Ignite turns a cache group's WAL off on a server while it takes partitions from the others after a baseline
     * change, and a server stopped or killed in that window will not start again: its files are taken as corrupt and
     * it enters maintenance mode until an operator cleans them (seen when {@code storage down} came during the
     * rebalancing that follows a server's return). Rebalancing is slower with the WAL on, and a server can always
     * come back.
     */
    static void keepWalDuringRebalancing() {
        System.setProperty(IgniteSystemProperties.IGNITE_DISABLE_WAL_DURING_REBALANCING, "false");
    }

    static IgniteConfiguration configuration(ClusterLayout layout, int index) {
        IgniteConfiguration c = new IgniteConfiguration();
        c.setIgniteInstanceName(ClusterLayout.name(index));
        c.setConsistentId(ClusterLayout.name(index));
        c.setWorkDirectory(layout.serverDir(index).toAbsolutePath().toString());
        c.setLocalHost(ClusterLayout.HOST);
        c.setMetricsLogFrequency(0);
        TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder();
        finder.setAddresses(List.of(layout.discoveryRange()));
        TcpDiscoverySpi discovery = new TcpDiscoverySpi();
        discovery.setLocalPort(layout.discoveryPort(index));
        discovery.setLocalPortRange(0);
        discovery.setIpFinder(finder);
        c.setDiscoverySpi(discovery);
        TcpCommunicationSpi communication = new TcpCommunicationSpi();
        communication.setLocalPort(layout.communicationPort(index));
        communication.setLocalPortRange(0);
        c.setCommunicationSpi(communication);
        ClientConnectorConfiguration client = new ClientConnectorConfiguration();
        client.setHost(ClusterLayout.HOST);
        client.setPort(layout.clientPort(index));
        client.setPortRange(0);
        c.setClientConnectorConfiguration(client);
        DataStorageConfiguration storage = new DataStorageConfiguration();
        storage.setDefaultDataRegionConfiguration(new DataRegionConfiguration().setName("cairn")
                .setPersistenceEnabled(true).setMaxSize(REGION_BYTES).setInitialSize(REGION_BYTES / 4));
        // the WAL reaches the OS at every commit: a killed server loses nothing; its backups cover a lost machine
        storage.setWalMode(WALMode.LOG_ONLY);
        // four 16 MB segments in use and at most 256 MB archived: Ignite's defaults preallocate 640 MB per server
        storage.setWalSegmentSize(16 << 20);
        storage.setWalSegments(4);
        storage.setMaxWalArchiveSize(256L << 20);
        c.setDataStorageConfiguration(storage);
        // clients log in (ClusterLayout.USER); the users are kept in the servers' persistent metastorage
        c.setAuthenticationEnabled(layout.auth());
        // A server joining or leaving makes the cluster exchange its partition map, which waits for the transactions
        // in flight; a transaction whose client waits for an answer from the exchange would hold it up until its own
        // timeout (a node's block stalled a minute when a server was killed). Those are rolled back after 2 s, and
        // the node writes the block again on the new topology.
        c.setTransactionConfiguration(new TransactionConfiguration().setTxTimeoutOnPartitionMapExchange(2000));
        // the query engine that keeps the ignite storage engine's kv tables indexed and serves its ordered scans
        // (IndexQuery); Calcite rather than the H2 engine, which drags H2 1.4 and its known vulnerabilities
        c.setSqlConfiguration(new SqlConfiguration().setQueryEnginesConfiguration(
                new CalciteQueryEngineConfiguration().setDefault(true)));
        return c;
    }

    /** Waits until every server of the layout has joined, then activates the cluster if it is not active yet. */
    private static void activateOnceWhole(Ignite ignite, ClusterLayout layout) throws InterruptedException {
        while (ignite.cluster().state() != ClusterState.ACTIVE) {
            if (ignite.cluster().forServers().nodes().size() >= layout.servers()) {
                try {
                    ignite.cluster().state(ClusterState.ACTIVE);
                    ignite.cluster().baselineAutoAdjustEnabled(true);
                    ignite.cluster().baselineAutoAdjustTimeout(0);
                    System.out.println("cairn storage cluster active: " + layout.servers() + " servers");
                    System.out.flush();
                } catch (RuntimeException e) {
                    System.out.println("activation by another server or not yet possible: " + e.getMessage());
                }
                return;
            }
            Thread.sleep(200); // polls the topology until the other servers joined (started at once by storage up)
        }
    }
}
