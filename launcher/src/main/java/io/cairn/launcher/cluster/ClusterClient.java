package io.cairn.launcher.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientAuthenticationException;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.ClientConfiguration;

/** What the launcher asks of a running storage cluster, through Ignite's thin client. */
public final class ClusterClient implements AutoCloseable {
    private final IgniteClient client;

    private ClusterClient(IgniteClient client) {
        this.client = client;
    }

    /**
     * Connects to any server of {@code layout}, logged in with the cluster's password when it has authentication.
     *
     * @throws ClientException when none answers within {@code timeout} (a {@link ClientAuthenticationException}
     *                         when the cluster refuses the password)
     * @throws IllegalArgumentException when the password file cannot be read
     */
    public static ClusterClient connect(ClusterLayout layout, Duration timeout) {
        return connect(layout, timeout, layout.auth() ? layout.password() : null);
    }

    /** Connects to any server of {@code layout} as {@link ClusterLayout#USER} with {@code password} (null: no login). */
    private static ClusterClient connect(ClusterLayout layout, Duration timeout, String password) {
        ClientConfiguration c = new ClientConfiguration().setAddresses(layout.endpoints().toArray(String[]::new))
                .setTimeout((int) timeout.toMillis()).setReconnectThrottlingRetries(0);
        if (password != null) {
            c.setUserName(ClusterLayout.USER).setUserPassword(password);
        }
        return new ClusterClient(Ignition.startClient(c));
    }

    /**
     * On a cluster with authentication whose superuser still has Ignite's default password (its first start):
     * replaces it by the cluster's password. Returns whether it did; false when the default password is refused
     * (replaced already).
     *
     * @throws ClientException when no server answers or the cluster cannot change the password yet
     */
    public static boolean replaceDefaultPassword(ClusterLayout layout, Duration timeout) {
        String password = layout.password();
        try (ClusterClient c = connect(layout, timeout, ClusterLayout.DEFAULT_PASSWORD)) {
            c.client.query(new SqlFieldsQuery("ALTER USER \"" + ClusterLayout.USER + "\" WITH PASSWORD '"
                    + password.replace("'", "''") + "'")).getAll();
            return true;
        } catch (ClientAuthenticationException replaced) {
            return false;
        }
    }

    public ClusterState state() {
        return client.cluster().state();
    }

    /**
     * Makes the cluster inactive: its servers can then stop without the baseline following them out (stopped one by
     * one while active, each would leave the baseline to the next, until the last held the partitions alone).
     */
    public void deactivate() {
        client.cluster().state(ClusterState.INACTIVE);
    }

    public void activate() {
        client.cluster().state(ClusterState.ACTIVE);
    }

    /** The names (consistent ids) of the servers in the topology. */
    public List<String> servers() {
        Collection<ClusterNode> nodes = client.cluster().forServers().nodes();
        List<String> names = new ArrayList<>();
        nodes.forEach(n -> names.add(String.valueOf(n.consistentId())));
        names.sort(null);
        return names;
    }

    /** Each cache's entries: primary copies, and primary and backup copies. */
    public Map<String, long[]> caches() {
        Map<String, long[]> m = new TreeMap<>();
        for (String name : client.cacheNames()) {
            var cache = client.cache(name);
            m.put(name, new long[] {cache.size(CachePeekMode.PRIMARY),
                    cache.size(CachePeekMode.PRIMARY, CachePeekMode.BACKUP)});
        }
        return m;
    }

    @Override
    public void close() {
        client.close();
    }

    /** The bytes under {@code dir}, or 0 when it does not exist. */
    public static long bytes(Path dir) {
        return bytes(dir, f -> true);
    }

    /**
     * The bytes of the caches' partition files under a server's directory ({@code db/<server>/cache-<name>/}): its
     * share of the data, without its write-ahead log.
     */
    public static long dataBytes(Path serverDir) {
        return bytes(serverDir.resolve("db"), f -> f.getParent() != null
                && f.getParent().getFileName().toString().startsWith("cache-") && f.toString().endsWith(".bin"));
    }

    private static long bytes(Path dir, java.util.function.Predicate<Path> which) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(which).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (java.io.IOException gone) {
                    return 0; // removed while walking (a WAL segment archived)
                }
            }).sum();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
