package io.cairn.launcher.cluster;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A storage cluster's directory (docs/storage.md, The cluster): {@value #FILE} names its servers and ports; server i
 * keeps its data in {@code server-<i>/}, its log in {@code server-<i>.log} and its pid in {@code server-<i>.pid}. Every
 * server listens on loopback: thin clients (the nodes) on {@code port + i}, discovery on {@code port + 100 + i},
 * communication on {@code port + 200 + i}.
 *
 * @param servers how many servers the cluster has (server 0..servers-1)
 * @param port    the first server's client port
 * @param backups backup copies of each partition
 */
public record ClusterLayout(Path dir, int servers, int port, int backups) {
    public static final String FILE = "cluster.properties";
    /** The most servers a cluster directory holds: each kind of port has a range of this many. */
    public static final int MAX_SERVERS = 10;
    static final String HOST = "127.0.0.1";

    public ClusterLayout {
        if (servers < 1 || servers > MAX_SERVERS) {
            throw new IllegalArgumentException("a cluster has 1 to " + MAX_SERVERS + " servers, not " + servers);
        }
        if (port < 1024 || port + 200 + MAX_SERVERS > 65535) {
            throw new IllegalArgumentException("port " + port + ": the cluster needs ports port..port+"
                    + (200 + MAX_SERVERS) + " between 1024 and 65535");
        }
        if (backups < 0 || backups >= servers && servers > 1) {
            throw new IllegalArgumentException("backups " + backups + ": from 0 to " + Math.max(0, servers - 1)
                    + " with " + servers + " servers");
        }
    }

    public int clientPort(int server) {
        return port + server;
    }

    int discoveryPort(int server) {
        return port + 100 + server;
    }

    int communicationPort(int server) {
        return port + 200 + server;
    }

    /** The addresses the discovery of every server may have: the whole range, so servers added later are found. */
    String discoveryRange() {
        return HOST + ":" + (port + 100) + ".." + (port + 100 + MAX_SERVERS - 1);
    }

    /** The thin-client endpoints of every server, {@code 127.0.0.1:port}. */
    public List<String> endpoints() {
        List<String> e = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            e.add(HOST + ":" + clientPort(i));
        }
        return e;
    }

    public Path serverDir(int server) {
        return dir.resolve("server-" + server);
    }

    public Path log(int server) {
        return dir.resolve("server-" + server + ".log");
    }

    public Path pidFile(int server) {
        return dir.resolve("server-" + server + ".pid");
    }

    /** Server i's name in the cluster: its consistent id, under which its data is kept. */
    public static String name(int server) {
        return "cairn-server-" + server;
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    public void write() throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("servers", Integer.toString(servers));
        p.setProperty("port", Integer.toString(port));
        p.setProperty("backups", Integer.toString(backups));
        Path tmp = dir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "a Cairn storage cluster (docs/storage.md)");
        }
        Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the cluster of {@code dir}.
     *
     * @throws IllegalArgumentException naming the file and what is wrong in it
     */
    public static ClusterLayout read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no storage cluster in " + dir + " (no " + FILE + "): start one with "
                    + "cairn storage up --dir " + dir);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        try {
            return new ClusterLayout(dir, number(p, "servers"), number(p, "port"), number(p, "backups"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static int number(Properties p, String name) {
        String v = p.getProperty(name);
        if (v == null) {
            throw new IllegalArgumentException(name + " is missing");
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is '" + v.strip() + "', not a number");
        }
    }
}
