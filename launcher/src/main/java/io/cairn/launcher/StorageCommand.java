package io.cairn.launcher;

import io.cairn.launcher.cluster.ClusterClient;
import io.cairn.launcher.cluster.ClusterLayout;
import io.cairn.launcher.cluster.ClusterServer;
import io.cairn.launcher.node.PidFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.ignite.client.ClientAuthenticationException;
import org.apache.ignite.cluster.ClusterState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The storage cluster a distributed storage engine keeps a node's chain in (docs/storage.md): Apache Ignite servers
 * with native persistence, on loopback, each in its own JVM, in one directory.
 */
@Command(name = "storage", mixinStandardHelpOptions = true,
        description = {"The storage cluster (docs/storage.md): Apache Ignite servers with persistence on loopback, one "
                + "JVM each, kept in one directory: start them, stop them, show them."})
final class StorageCommand {
    static final String DEFAULT_DIR = "storage-cluster";
    static final int DEFAULT_PORT = 10800;

    /** The server JVMs' options: Ignite reaches into the JDK's internals (its documented list for Java 17). */
    static final List<String> SERVER_JVM_OPTIONS = List.of("-Xms128m", "-Xmx384m", "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",
            "-DIGNITE_QUIET=true", "-DIGNITE_UPDATE_NOTIFIER=false", "-DIGNITE_NO_ASCII=true",
            "-DIGNITE_PERFORMANCE_SUGGESTIONS_DISABLED=true", "-Djava.net.preferIPv4Stack=true",
            "--add-opens=java.base/jdk.internal.access=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "--add-opens=java.management/com.sun.jmx.mbeanserver=ALL-UNNAMED",
            "--add-opens=jdk.internal.jvmstat/sun.jvmstat.monitor=ALL-UNNAMED",
            "--add-opens=java.base/sun.reflect.generics.reflectiveObjects=ALL-UNNAMED",
            "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.math=ALL-UNNAMED", "--add-opens=java.sql/java.sql=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.management/sun.management=ALL-UNNAMED",
            "--add-opens=java.desktop/java.awt.font=ALL-UNNAMED");

    /** Every subcommand's {@code --dir}. */
    static final class ClusterDir {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
                description = "the cluster's directory (default: ${DEFAULT-VALUE})")
        Path dir;
    }

    @Spec
    CommandSpec spec;

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "start a cluster of N servers in DIR (a new one, or the one DIR holds: its servers that are "
                    + "not running) and wait until it is active")
    int up(@Option(names = "--servers", paramLabel = "N", description = "servers of a new cluster (default: 3)")
            Integer servers,
            @Mixin ClusterDir dir,
            @Option(names = "--port", paramLabel = "PORT", description = "a new cluster's first client port; it uses "
                    + "PORT..PORT+9 for clients, PORT+100.. for discovery, PORT+200.. for communication (default: "
                    + DEFAULT_PORT + ")") Integer port,
            @Option(names = "--backups", paramLabel = "B", description = "a new cluster's backup copies of each "
                    + "partition (default: 1, or 0 with one server)") Integer backups,
            @Option(names = "--auth", description = "a new cluster's clients must log in: as user "
                    + ClusterLayout.USER + ", with a random password written to DIR/" + ClusterLayout.PASSWORD_FILE
                    + " (a node's --storage-password-file)") boolean auth,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s",
                    converter = DurationConverter.class,
                    description = "how long to wait for the cluster to be active (default: ${DEFAULT-VALUE})")
            Duration timeout) throws Exception {
        start(dir.dir, servers, port, backups, auth ? Boolean.TRUE : null, timeout, spec.commandLine().getOut());
        return 0;
    }

    /**
     * Starts a cluster of {@code servers} in {@code dir} (a new one, or the servers of the one {@code dir} holds that
     * are not running) and waits until it is active; null options take the defaults, or the existing cluster's.
     */
    static ClusterLayout start(Path dir, Integer servers, Integer port, Integer backups, Boolean auth,
            Duration timeout, PrintWriter out) throws InterruptedException, IOException {
        ClusterLayout layout;
        if (ClusterLayout.exists(dir)) {
            layout = read(dir);
            if (servers != null && servers != layout.servers() || port != null && port != layout.port()
                    || backups != null && backups != layout.backups() || auth != null && auth != layout.auth()) {
                throw new CommandFailure(dir + " holds a cluster of " + layout.servers() + " servers (port "
                        + layout.port() + ", " + layout.backups() + " backups, " + (layout.auth() ? "with" : "without")
                        + " authentication) already: start it as it is (no --servers, --port, --backups or --auth), "
                        + "or give another --dir");
            }
        } else {
            int n = servers == null ? 3 : servers;
            try {
                layout = new ClusterLayout(dir.toAbsolutePath(), n, port == null ? DEFAULT_PORT : port,
                        backups == null ? Math.min(1, n - 1) : backups, auth != null && auth);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage());
            }
            if (layout.auth()) {
                Files.createDirectories(layout.dir());
                layout.createPassword();
            }
            layout.write();
        }
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < layout.servers(); i++) {
            if (new PidFile(layout.pidFile(i)).liveProcess().isPresent()) {
                continue;
            }
            requireFree(layout, i);
            started.add(i);
        }
        for (int i : started) {
            long pid = startServer(layout, i);
            out.println("server " + i + " starting, pid " + pid + ", log " + layout.log(i));
        }
        out.flush();
        awaitActive(layout, started, timeout, out);
        return layout;
    }

    /**
     * Waits until the cluster is active with every server of {@code layout} in its topology, then prints it; fails
     * when one of {@code started} exits or at the timeout.
     */
    private static void awaitActive(ClusterLayout layout, List<Integer> started, Duration timeout, PrintWriter out)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no server answered";
        while (System.nanoTime() < deadline) {
            for (int i : started) {
                if (new PidFile(layout.pidFile(i)).liveProcess().isEmpty()) {
                    throw new CommandFailure("server " + i + " exited while starting: see " + layout.log(i) + "\n"
                            + tail(layout.log(i)));
                }
            }
            try (ClusterClient c = ClusterClient.connect(layout, Duration.ofSeconds(5))) {
                List<String> in = c.servers();
                if (c.state() == ClusterState.INACTIVE && in.size() >= layout.servers()) {
                    c.activate(); // stopped by storage down, every server back: the servers activate it too
                }
                if (c.state() == ClusterState.ACTIVE && in.size() >= layout.servers()) {
                    out.println("storage cluster active: " + in.size() + " servers, " + layout.backups() + " backups");
                    out.println("  endpoints " + String.join(",", layout.endpoints()));
                    out.println("  dir       " + layout.dir());
                    out.flush();
                    return;
                }
                last = in.size() + " of " + layout.servers() + " servers joined, cluster " + c.state();
            } catch (ClientAuthenticationException e) {
                last = firstLogin(layout, e, out);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage()); // the password file
            } catch (RuntimeException e) {
                last = "no server answered (" + e.getMessage() + ")";
            }
            Thread.sleep(250); // the servers start on their own; this polls them until the deadline
        }
        throw new CommandFailure("the storage cluster in " + layout.dir() + " was not active within "
                + timeout.toSeconds() + " s: " + last + "; the servers' logs are " + layout.dir() + "/server-*.log");
    }

    /**
     * The cluster refused its password: at its first start the superuser still has Ignite's default password, which
     * is then replaced by the cluster's. Returns what the wait waits for.
     *
     * @throws CommandFailure when the default password is refused too: the password file is not the cluster's
     */
    private static String firstLogin(ClusterLayout layout, ClientAuthenticationException refused, PrintWriter out) {
        try {
            if (ClusterClient.replaceDefaultPassword(layout, Duration.ofSeconds(5))) {
                out.println("the superuser " + ClusterLayout.USER + " now has the password in " + layout.passwordFile());
                out.flush();
                return "the password was just set";
            }
        } catch (RuntimeException notYet) {
            return "setting the superuser's password (" + notYet.getMessage() + ")";
        }
        throw new CommandFailure("the cluster in " + layout.dir() + " refused the password in " + layout.passwordFile()
                + " for user " + ClusterLayout.USER + " (" + refused.getMessage() + "): that file is not the one the "
                + "cluster was given");
    }

    @Command(name = "add-server", mixinStandardHelpOptions = true,
            description = "add one server to the running cluster in DIR (server N, after the last) and wait until it "
                    + "is in the topology: the cluster moves its share of the partitions onto it")
    int addServer(@Mixin ClusterDir dir,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s",
                    converter = DurationConverter.class,
                    description = "how long to wait for it (default: ${DEFAULT-VALUE})") Duration timeout)
            throws Exception {
        ClusterLayout layout = read(dir.dir);
        requireWhole(layout, "add a server");
        if (layout.servers() >= ClusterLayout.MAX_SERVERS) {
            throw new CommandFailure("the cluster in " + layout.dir() + " has " + layout.servers() + " servers, the most "
                    + "a cluster directory holds");
        }
        int i = layout.servers();
        requireFree(layout, i);
        ClusterLayout bigger = layout.withServers(i + 1);
        bigger.write();
        PrintWriter out = spec.commandLine().getOut();
        long pid = startServer(bigger, i);
        out.println("server " + i + " starting, pid " + pid + ", log " + bigger.log(i));
        out.flush();
        awaitActive(bigger, List.of(i), timeout, out);
        return 0;
    }

    @Command(name = "remove-server", mixinStandardHelpOptions = true,
            description = "stop the last server of the cluster in DIR and take it out of the cluster; its partitions' "
                    + "backups take over and are copied again onto the others (needs backups of at least 1)")
    int removeServer(@Mixin ClusterDir dir,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                    converter = DurationConverter.class,
                    description = "how long to wait for it to stop before killing it (default: ${DEFAULT-VALUE})")
            Duration timeout) throws Exception {
        ClusterLayout layout = read(dir.dir);
        if (layout.servers() < 2 || layout.backups() < 1
                || layout.servers() - 1 > 1 && layout.backups() >= layout.servers() - 1) {
            throw new CommandFailure("the cluster in " + layout.dir() + " has " + layout.servers() + " servers and "
                    + layout.backups() + " backups: a server is removed only from a cluster with backups of at least 1 "
                    + "that keeps more servers than backups");
        }
        requireWhole(layout, "remove a server");
        int i = layout.servers() - 1;
        PrintWriter out = spec.commandLine().getOut();
        stop(List.of(new PidFile(layout.pidFile(i)).liveProcess().orElseThrow()), timeout, out);
        new PidFile(layout.pidFile(i)).delete();
        ClusterLayout smaller = layout.withServers(i);
        smaller.write();
        out.println("server " + i + " stopped and out of the cluster; its data stays in " + layout.serverDir(i));
        out.flush();
        awaitActive(smaller, List.of(), Duration.ofSeconds(60), out);
        return 0;
    }

    /** Refuses unless every server of the layout runs and the cluster is active with all of them. */
    private static void requireWhole(ClusterLayout layout, String what) {
        try (ClusterClient c = ClusterClient.connect(layout, Duration.ofSeconds(5))) {
            List<String> in = c.servers();
            if (c.state() != ClusterState.ACTIVE || in.size() < layout.servers()) {
                throw new CommandFailure("cannot " + what + ": the cluster in " + layout.dir() + " is "
                        + c.state().name().toLowerCase(java.util.Locale.ROOT) + " with " + in.size() + " of "
                        + layout.servers() + " servers: cairn storage up --dir " + layout.dir() + " first");
            }
        } catch (CommandFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CommandFailure("cannot " + what + ": no server of the cluster in " + layout.dir() + " answers ("
                    + e.getMessage() + "): cairn storage up --dir " + layout.dir() + " first");
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "stop every server of the cluster in DIR (its data stays: storage up starts it again)")
    int down(@Mixin ClusterDir dir,
            @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                    converter = DurationConverter.class,
                    description = "how long to wait for each server before killing it (default: ${DEFAULT-VALUE})")
            Duration timeout) throws Exception {
        ClusterLayout layout = read(dir.dir);
        PrintWriter out = spec.commandLine().getOut();
        deactivate(layout, timeout, out);
        List<ProcessHandle> stopping = new ArrayList<>();
        for (int i = 0; i < layout.servers(); i++) {
            PidFile pid = new PidFile(layout.pidFile(i));
            Optional<ProcessHandle> p = pid.liveProcess();
            if (p.isEmpty()) {
                pid.delete();
                out.println("server " + i + " is not running");
                continue;
            }
            stopping.add(p.get());
            out.println("stopping server " + i + ", pid " + p.get().pid());
        }
        out.flush();
        stop(stopping, timeout, out);
        for (int i = 0; i < layout.servers(); i++) {
            new PidFile(layout.pidFile(i)).delete();
        }
        out.println("storage cluster stopped");
        out.flush();
        return 0;
    }

    /**
     * Makes the cluster inactive before its servers stop, so that its baseline stays whole: the servers stopped one by
     * one while it is active would each leave the baseline to those still running, and the last would be left
     * holding the partitions alone (the others' copies then taken as stale at the next start).
     */
    private static void deactivate(ClusterLayout layout, Duration timeout, PrintWriter out) {
        // deactivation waits for the operations in flight: as long as the servers are given to stop
        try (ClusterClient c = ClusterClient.connect(layout, timeout)) {
            if (c.state() == ClusterState.ACTIVE) {
                awaitCopies(c, layout, timeout, out);
            }
            if (c.state() != ClusterState.INACTIVE) {
                c.deactivate();
                out.println("cluster deactivated: its servers stop with the baseline whole");
            }
        } catch (RuntimeException e) {
            out.println("cluster not deactivated (" + e.getMessage() + "): stopping its servers as they are");
        }
        out.flush();
    }

    /**
     * Waits up to {@code timeout} until every cache holds all its copies: a server stopped while it still takes
     * partitions from the others starts again into a rebalance that the whole cluster waits on.
     */
    private static void awaitCopies(ClusterClient c, ClusterLayout layout, Duration timeout, PrintWriter out) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int in = c.servers().size();
        boolean said = false;
        while (true) {
            boolean whole = true;
            for (long[] e : c.caches().values()) {
                whole &= e[1] >= e[0] * (1 + Math.min(layout.backups(), Math.max(0, in - 1)));
            }
            if (whole || System.nanoTime() > deadline) {
                if (!whole) {
                    out.println("the cluster is still rebalancing after " + timeout.toSeconds() + " s: stopping it anyway");
                }
                return;
            }
            if (!said) {
                out.println("waiting for the cluster to finish rebalancing before it stops");
                out.flush();
                said = true;
            }
            try {
                Thread.sleep(250); // polls the copies held until the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "the cluster in DIR: its servers (running, in the topology, bytes on disk), its state and "
                    + "its caches (entries); exit status 1 when a server is down or the cluster is not active")
    int status(@Mixin ClusterDir dir) throws Exception {
        ClusterLayout layout = read(dir.dir);
        PrintWriter out = spec.commandLine().getOut();
        List<String> in = List.of();
        ClusterState state = null;
        Map<String, long[]> caches = Map.of();
        String unreachable = null;
        try (ClusterClient c = ClusterClient.connect(layout, Duration.ofSeconds(5))) {
            state = c.state();
            in = c.servers();
            caches = state == ClusterState.ACTIVE ? c.caches() : Map.of();
        } catch (ClientAuthenticationException e) {
            unreachable = "it refused the password in " + layout.passwordFile() + ": " + e.getMessage();
        } catch (RuntimeException e) {
            unreachable = e.getMessage();
        }
        out.println("storage cluster " + layout.dir() + ": " + (state == null ? "unreachable (" + unreachable + ")"
                : state.name().toLowerCase(java.util.Locale.ROOT) + ", " + in.size() + " of " + layout.servers()
                        + " servers in the topology") + ", " + layout.backups() + " backups");
        out.printf("  %-6s %-8s %-16s %-9s %-12s %s%n", "server", "pid", "endpoint", "topology", "data bytes",
                "bytes on disk");
        boolean whole = state == ClusterState.ACTIVE;
        for (int i = 0; i < layout.servers(); i++) {
            Optional<ProcessHandle> p = new PidFile(layout.pidFile(i)).liveProcess();
            boolean joined = in.contains(ClusterLayout.name(i));
            whole &= p.isPresent() && joined;
            out.printf("  %-6d %-8s %-16s %-9s %-12d %d%n", i, p.map(h -> Long.toString(h.pid())).orElse("down"),
                    layout.endpoints().get(i), joined ? "in" : "out", ClusterClient.dataBytes(layout.serverDir(i)),
                    ClusterClient.bytes(layout.serverDir(i)));
        }
        for (Map.Entry<String, long[]> e : caches.entrySet()) {
            long copies = e.getValue()[0] * (1 + Math.min(layout.backups(), Math.max(0, in.size() - 1)));
            out.println("  cache " + e.getKey() + ": " + e.getValue()[0] + " entries, " + e.getValue()[1] + " of "
                    + copies + " copies held" + (e.getValue()[1] < copies ? " (rebalancing)" : ""));
        }
        out.flush();
        return whole ? 0 : 1;
    }

    /** Stops {@code processes} at once: SIGTERM to all, then SIGKILL to each still running after {@code timeout}. */
    private static void stop(List<ProcessHandle> processes, Duration timeout, PrintWriter out)
            throws InterruptedException {
        processes.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : processes) {
            StopCommand.terminate(p, timeout, "pid " + p.pid(), out);
        }
    }

    private static ClusterLayout read(Path dir) throws IOException {
        try {
            return ClusterLayout.read(dir.toAbsolutePath());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }

    /** Refuses to start server i when one of its ports is taken, naming it. */
    private static void requireFree(ClusterLayout layout, int i) {
        for (int port : new int[] {layout.clientPort(i), layout.clientPort(i) + 100, layout.clientPort(i) + 200}) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                throw new CommandFailure("port " + port + " on 127.0.0.1, which server " + i + " of the cluster in "
                        + layout.dir() + " needs, is taken (" + e.getMessage() + "): stop what holds it, or give a new "
                        + "cluster another --port");
            }
        }
    }

    /** Starts server i in the background; its pid. */
    private static long startServer(ClusterLayout layout, int i) throws IOException {
        Files.createDirectories(layout.serverDir(i));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(SERVER_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(absoluteClassPath(System.getProperty("java.class.path")));
        cmd.add(ClusterServer.class.getName());
        cmd.add(layout.dir().toString());
        cmd.add(Integer.toString(i));
        Process p = new ProcessBuilder(cmd).directory(layout.dir().toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(layout.log(i).toFile())).start();
        new PidFile(layout.pidFile(i)).write(p.pid());
        return p.pid();
    }

    /**
     * {@code classPath} with every entry absolute: a server runs in the cluster's directory, and a launcher run as
     * {@code java -jar <relative path>} has a relative class path (its servers then found no main class).
     */
    static String absoluteClassPath(String classPath) {
        return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator)).filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().normalize().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
