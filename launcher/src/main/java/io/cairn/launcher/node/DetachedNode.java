package io.cairn.launcher.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.launcher.client.RpcClient;
import io.cairn.launcher.client.RpcException;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Starts a node as a background JVM and waits until its chain answers over JSON-RPC. */
public final class DetachedNode {
    /**
     * The node's JVM: its heap, and the JDK's vector API, with which the state accumulator runs ChaCha20 in SIMD
     * lanes (about 4x faster than scalar; the JVM prints a one-line warning about the incubator module). The
     * packages opened are those Ignite's thin client (storage-ignite) reaches into, as the launcher jar's
     * {@code Add-Opens} does for a node started in the foreground.
     */
    public static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx512m", "-XX:+UseG1GC",
            "--add-modules=jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED");
    public static final String NODE_OPTS_ENV = "CAIRN_NODE_OPTS";
    /** The home's own JVM options, one or more per line, {@code #} comments (written by {@code init --nodes}). */
    public static final String JVM_OPTIONS_FILE = "jvm.options";

    /**
     * The JVM options of a local chain's node. Its nodes share this machine's cores, and compiling every hot
     * method twice (C1, then C2) cost each node over 30 s of compile time in its first minute under load:
     * C2 alone compiles a third as many methods. Measured on a fresh four-node chain on 2 cores: 2,130 to
     * 2,360 tx/s with tiered compilation, 2,730 to 2,900 without.
     */
    public static final List<String> CHAIN_NODE_JVM_OPTIONS = List.of("-XX:-TieredCompilation");
    private static final int LOG_TAIL_LINES = 40;

    /** A started node. */
    public record Started(long pid, String endpoint, Path log) {}

    private DetachedNode() {}

    /** The child's command line: the same launcher class path, in the foreground, non-interactive. */
    static List<String> command(String javaBin, String classPath, String nodeOpts, RuntimeDir runtime, NodeHome home,
            String mainClass) {
        return command(javaBin, classPath, nodeOpts, runtime, home, mainClass, List.of());
    }

    /** The child's command line, with {@code args} after {@code start --home DIR} (such as {@code --join}). */
    static List<String> command(String javaBin, String classPath, String nodeOpts, RuntimeDir runtime, NodeHome home,
            String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(homeJvmOptions(home));
        if (nodeOpts != null && !nodeOpts.isBlank()) {
            cmd.addAll(Arrays.asList(nodeOpts.strip().split("\\s+")));
        }
        cmd.add("-D" + RuntimeDir.PROPERTY + "=" + runtime.dir());
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.add("start");
        cmd.add("--home");
        cmd.add(home.dir().toString());
        cmd.addAll(args);
        return cmd;
    }

    /** The options in {@code etc/jvm.options} of the home; none when it has no such file. */
    static List<String> homeJvmOptions(NodeHome home) {
        Path file = home.etc().resolve(JVM_OPTIONS_FILE);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    out.addAll(Arrays.asList(l.split("\\s+")));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes a chain node's {@code etc/jvm.options}. */
    public static void writeChainNodeJvmOptions(NodeHome home) throws IOException {
        StringBuilder text = new StringBuilder("# JVM options of this node when started in the background (start --detach, up);\n"
                + "# one or more per line. The nodes of a local chain share this machine's cores: C2-only compilation\n"
                + "# spends a third of tiered compilation's JIT work (docs/architecture.md).\n");
        CHAIN_NODE_JVM_OPTIONS.forEach(o -> text.append(o).append('\n'));
        Files.createDirectories(home.etc());
        Files.writeString(home.etc().resolve(JVM_OPTIONS_FILE), text, StandardCharsets.UTF_8);
    }

    public static Started start(NodeHome home, RuntimeDir runtime, Duration timeout, String mainClass)
            throws IOException, InterruptedException {
        return start(home, runtime, timeout, mainClass, List.of(), line -> { });
    }

    /**
     * Starts the node with {@code args} after {@code start --home DIR}, passing each line of its log that starts with
     * {@link JoinAtStart#PREFIX} to {@code echo} as it comes (the progress of {@code --join}).
     */
    public static Started start(NodeHome home, RuntimeDir runtime, Duration timeout, String mainClass,
            List<String> args, java.util.function.Consumer<String> echo) throws IOException, InterruptedException {
        String endpoint = home.rpcEndpoint();
        RpcClient rpc = new RpcClient(RpcClient.of(endpoint).endpoint(), Duration.ofSeconds(2));
        if (blockNumber(rpc) >= 0) {
            throw new IOException("something already answers JSON-RPC at " + endpoint + ": another node uses that port "
                    + "(change port in " + home.config("io.cairn.rpc") + " and rpc.endpoint in " + home.nodePropertiesFile() + ")");
        }
        Files.createDirectories(home.logs());
        Path log = home.nodeLog();
        Files.writeString(log, "==== cairn start " + Instant.now() + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long logStart = Files.size(log);

        List<String> cmd = new ArrayList<>();
        // A new session, so that closing the terminal (SIGHUP to its process group) leaves the node running.
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                cmd.add(setsid);
                break;
            }
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        cmd.addAll(command(javaBin, System.getProperty("java.class.path"), System.getenv(NODE_OPTS_ENV), runtime, home,
                mainClass, args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.dir().toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        Process child = pb.start();

        long deadline = System.nanoTime() + timeout.toNanos();
        long echoed = logStart;
        while (true) {
            echoed = echo(log, echoed, echo);
            if (!child.isAlive()) {
                String refused = refusal(log, logStart);
                if (refused != null) {
                    throw new IOException("the node refused to start: " + refused);
                }
                throw new IOException("the node exited with code " + child.exitValue() + " while starting; "
                        + tail(log, logStart));
            }
            if (blockNumber(rpc) >= 0 && enginesReady(rpc)) {
                long pid = new PidFile(home.pidFile()).read().orElse(child.pid());
                return new Started(pid, endpoint, log);
            }
            if (System.nanoTime() > deadline) {
                // asked before the node is taken down: it answers only while it runs
                String notReady = notReady(rpc);
                // A node that half came up would hold the pid file and the port: take it down again.
                child.destroy();
                if (!child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
                throw new IOException("the node did not commit its genesis block and report every engine ready within "
                        + timeout.toSeconds() + " s, so it was stopped; " + notReady + tail(log, logStart));
            }
            Thread.sleep(200);
        }
    }

    /**
     * Whether every engine the node lists reports ready and a consensus engine runs: JSON-RPC answers as soon as
     * genesis is in, but the engines after it in the feature (consensus last) may still be starting.
     */
    private static boolean enginesReady(RpcClient rpc) {
        try {
            return unready(rpc.call("getNodeInfo")).isEmpty();
        } catch (IOException | RpcException e) {
            return false;
        }
    }

    /** Which engines are not ready, for the timeout message. */
    private static String notReady(RpcClient rpc) {
        if (blockNumber(rpc) < 0) {
            return "JSON-RPC answers no block number; ";
        }
        try {
            List<String> names = unready(rpc.call("getNodeInfo"));
            return names.isEmpty() ? "" : "not ready: " + String.join(", ", names) + "; ";
        } catch (IOException | RpcException e) {
            return "getNodeInfo failed (" + e.getMessage() + "); ";
        }
    }

    /** The components of a getNodeInfo answer that are not ready, with why: a missing consensus engine too. */
    private static List<String> unready(JsonNode info) {
        List<String> names = new ArrayList<>();
        if (info.path("consensus").isNull() || info.path("consensus").isMissingNode()) {
            names.add("consensus (no engine running)");
        }
        for (JsonNode e : info.path("engines")) {
            if (!e.path("ready").asBoolean(false)) {
                names.add(e.path("component").asText() + " (" + e.path("detail").asText() + ")");
            }
        }
        return names;
    }

    /** The head block number, or -1 while the node does not answer (yet). */
    private static long blockNumber(RpcClient rpc) {
        try {
            JsonNode n = rpc.call("getBlockNumber");
            return n.isNull() ? -1 : RpcClient.quantity(n, "getBlockNumber").longValueExact();
        } catch (IOException | RpcException | ArithmeticException e) {
            return -1;
        }
    }

    /** The message of a node that refused to run ({@link FelixNode#REFUSED}) since {@code from}; null if none. */
    static String refusal(Path log, long from) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            byte[] b = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, f.length() - from))];
            f.seek(from);
            f.readFully(b);
            for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(FelixNode.REFUSED)) {
                    return line.substring(FelixNode.REFUSED.length()).strip();
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Passes the whole lines of the log from {@code from} that start with {@link JoinAtStart#PREFIX} to {@code echo};
     * returns where the next read starts (after the last whole line).
     */
    static long echo(Path log, long from, java.util.function.Consumer<String> echo) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long length = f.length();
            if (length <= from) {
                return from;
            }
            byte[] b = new byte[(int) Math.min(1 << 20, length - from)];
            f.seek(from);
            f.readFully(b);
            int end = b.length;
            while (end > 0 && b[end - 1] != '\n') {
                end--;
            }
            if (end == 0 && b.length == 1 << 20) {
                return from + b.length; // a line of over 1 MiB is no progress line
            }
            for (String line : new String(b, 0, end, StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(JoinAtStart.PREFIX)) {
                    echo.accept(line.substring(JoinAtStart.PREFIX.length()));
                }
            }
            return from + end;
        } catch (IOException e) {
            return from;
        }
    }

    /** The last lines the node wrote since {@code from}, for the error message. */
    static String tail(Path log, long from) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(from, f.length() - 64 * 1024);
            byte[] b = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(b);
            List<String> lines = Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\n"));
            List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return "last lines of " + log + ":\n  " + String.join("\n  ", last);
        } catch (IOException e) {
            return "see " + log;
        }
    }
}
