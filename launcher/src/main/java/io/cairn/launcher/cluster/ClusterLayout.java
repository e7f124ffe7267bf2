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
 * communication on {@code port + 200 + i}. A cluster with authentication keeps its superuser's password in
 * {@value #PASSWORD_FILE}, readable by its owner only.
 *
 * @param servers how many servers the cluster has (server 0..servers-1)
 * @param port    the first server's client port
 * @param backups backup copies of each partition
 * @param auth    whether clients must log in ({@link #USER} and the password of {@link #passwordFile()})
 */
public record ClusterLayout(Path dir, int servers, int port, int backups, boolean auth) {
    public static final String FILE = "cluster.properties";
    public static final String PASSWORD_FILE = "password";
    /** The user clients of a cluster with authentication log in as: Ignite's superuser. */
    public static final String USER = "ignite";
    /** The superuser's password Ignite starts with, replaced by the cluster's own at its first start. */
    public static final String DEFAULT_PASSWORD = "ignite";
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

    /** A cluster without authentication. */
    public ClusterLayout(Path dir, int servers, int port, int backups) {
        this(dir, servers, port, backups, false);
    }

    /** This cluster with {@code n} servers. */
    public ClusterLayout withServers(int n) {
        return new ClusterLayout(dir, n, port, backups, auth);
    }

    public Path passwordFile() {
        return dir.resolve(PASSWORD_FILE);
    }

    /**
     * The superuser's password of a cluster with authentication.
     *
     * @throws IllegalArgumentException naming the password file when it cannot be read or is empty
     */
    public String password() {
        return readPassword(passwordFile());
    }

    /**
     * The password a file holds: its first line, without the spaces around it.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or the password is empty
     */
    public static String readPassword(Path file) {
        try (java.io.BufferedReader r = Files.newBufferedReader(file)) {
            String line = r.readLine();
            if (line == null || line.isBlank()) {
                throw new IllegalArgumentException("the password file " + file + " is empty");
            }
            return line.strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the password file " + file + ": " + e, e);
        }
    }

    /**
     * Writes a new random password (24 characters of {@code A-Z a-z 0-9 - _}) into {@link #passwordFile()}, readable
     * and writable by its owner only, unless the file is there already.
     */
    public void createPassword() throws IOException {
        Path file = passwordFile();
        if (Files.exists(file)) {
            return;
        }
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path tmp = dir.resolve(PASSWORD_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, password + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
        p.setProperty("auth", Boolean.toString(auth));
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
            String auth = p.getProperty("auth", "false").strip();
            if (!auth.equals("true") && !auth.equals("false")) {
                throw new IllegalArgumentException("auth is '" + auth + "', not true or false");
            }
            return new ClusterLayout(dir, number(p, "servers"), number(p, "port"), number(p, "backups"),
                    auth.equals("true"));
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
