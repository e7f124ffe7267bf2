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
     * Connects to any of {@code endpoints}.
     *
     * @throws ClientException when none answers within {@code timeout}
     */
    public static ClusterClient connect(List<String> endpoints, Duration timeout) {
        ClientConfiguration c = new ClientConfiguration().setAddresses(endpoints.toArray(String[]::new))
                .setTimeout((int) timeout.toMillis()).setReconnectThrottlingRetries(0);
        return new ClusterClient(Ignition.startClient(c));
    }

    public ClusterState state() {
        return client.cluster().state();
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
