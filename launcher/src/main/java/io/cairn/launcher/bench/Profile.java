package io.cairn.launcher.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time went (bench {@code --profile}): for each process on this machine (every node the bench loads that
 * runs here, and the bench client itself), the CPU its threads used over the measured window, by thread group, read
 * from {@code /proc/PID/task/TID/stat} at the window's two ends; and the hottest methods of each group, from a JFR
 * recording ({@code jcmd PID JFR.start}, settings "profile") of which only the samples inside the window count. The
 * recording starts before the bench funds its accounts (its own start-up, seconds of JIT in a JVM that never recorded,
 * falls while the bench signs, not in the window) and is dumped after the window.
 */
public final class Profile {
    /** A process to profile: its name in the report (node0, bench) and pid. */
    public record Target(String name, long pid) {}

    /** Linux's USER_HZ, the unit of /proc's utime and stime (100 on every Linux the JDK supports). */
    static final int TICKS_PER_SECOND = 100;
    /** Methods named per thread group. */
    static final int HOT_PER_GROUP = 3;
    /** Methods named per process. */
    static final int HOT_PER_PROCESS = 12;
    private static final String RECORDING = "cairn-bench-profile";
    private static final Duration JCMD_LIMIT = Duration.ofSeconds(60);

    private final List<Target> targets;
    private final Path dir;
    private final java.io.PrintStream log;
    private final Map<String, String> jfrProblems = new LinkedHashMap<>();
    private Map<Long, Map<Long, ThreadTicks>> before = Map.of();
    private Map<Long, Map<Long, ThreadTicks>> after = Map.of();
    private Instant from;
    private Instant to;

    /** One thread's CPU so far: its name (as /proc gives it, at most 15 characters) and user+system ticks. */
    record ThreadTicks(String name, long ticks) {}

    Profile(List<Target> targets, Path dir, java.io.PrintStream log) {
        this.targets = List.copyOf(targets);
        this.dir = dir;
        this.log = log;
    }

    /** Starts a JFR recording in every target (long before the window, so that its own start-up is not measured). */
    void startRecordings() {
        for (Target t : targets) {
            Optional<String> problem = jcmd(t.pid(), "JFR.start", "name=" + RECORDING, "settings=profile");
            problem.ifPresent(p -> jfrProblems.put(t.name(), p));
        }
    }

    /** The measured window starts now. */
    void windowStarts() {
        from = Instant.now();
        before = snapshot();
    }

    /** The measured window ends now. */
    void windowEnds() {
        if (from == null) { // the load ended before the window began
            windowStarts();
        }
        after = snapshot();
        to = Instant.now();
    }

    /** Dumps and stops the recordings; the report of the window ({@code committed}: transactions committed in it). */
    Map<String, Object> report(long committed) throws IOException {
        Files.createDirectories(dir);
        List<Map<String, Object>> processes = new ArrayList<>();
        for (Target t : targets) {
            Path jfr = dir.resolve(t.name() + ".jfr");
            Files.deleteIfExists(jfr);
            if (!jfrProblems.containsKey(t.name())) {
                jcmd(t.pid(), "JFR.stop", "name=" + RECORDING, "filename=" + jfr.toAbsolutePath())
                        .ifPresent(p -> jfrProblems.put(t.name(), p));
            }
            processes.add(process(t, jfr, committed));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = from == null || to == null ? 0 : Duration.between(from, to).toNanos() / 1e9;
        r.put("windowSeconds", Math.round(seconds * 10) / 10.0);
        r.put("committedInWindow", committed);
        r.put("processes", processes);
        return r;
    }

    private Map<String, Object> process(Target t, Path jfr, long committed) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", t.name());
        p.put("pid", t.pid());
        double seconds = from == null || to == null ? 0 : Duration.between(from, to).toNanos() / 1e9;
        Map<String, Long> ticks = groupTicks(before.getOrDefault(t.pid(), Map.of()), after.getOrDefault(t.pid(), Map.of()));
        long total = ticks.values().stream().mapToLong(Long::longValue).sum();
        p.put("cpuCores", cores(total, seconds));
        p.put("cpuMicrosPerTx", perTx(total, committed));
        Samples samples = new Samples();
        if (jfrProblems.containsKey(t.name())) {
            p.put("hotMethods", "not recorded: " + jfrProblems.get(t.name()));
        } else {
            try {
                samples = Samples.read(jfr, from, to);
            } catch (IOException | RuntimeException e) {
                p.put("hotMethods", "not read from " + jfr + ": " + e.getMessage());
            }
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        List<String> names = new ArrayList<>(ticks.keySet());
        for (String g : samples.byGroup.keySet()) {
            if (!names.contains(g)) {
                names.add(g);
            }
        }
        names.sort(Comparator.comparingLong((String g) -> ticks.getOrDefault(g, 0L)).reversed()
                .thenComparing(Comparator.naturalOrder()));
        for (String g : names) {
            long gt = ticks.getOrDefault(g, 0L);
            Map<String, Long> methods = samples.byGroup.getOrDefault(g, Map.of());
            if (gt == 0 && methods.isEmpty()) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("group", g);
            m.put("cpuCores", cores(gt, seconds));
            m.put("cpuMicrosPerTx", perTx(gt, committed));
            m.put("hot", top(methods, HOT_PER_GROUP));
            groups.add(m);
        }
        p.put("groups", groups);
        if (!p.containsKey("hotMethods")) {
            p.put("samples", samples.count);
            p.put("hotMethods", top(samples.all, HOT_PER_PROCESS));
        }
        return p;
    }

    /** The {@code n} most sampled methods with their share of the samples, hottest first. */
    private static List<Map<String, Object>> top(Map<String, Long> methods, int n) {
        long sum = methods.values().stream().mapToLong(Long::longValue).sum();
        List<Map<String, Object>> out = new ArrayList<>();
        methods.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).limit(n).forEach(e -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("method", e.getKey());
                    m.put("share", Math.round(1000.0 * e.getValue() / sum) / 1000.0);
                    out.add(m);
                });
        return out;
    }

    private static double cores(long ticks, double seconds) {
        return seconds <= 0 ? 0 : Math.round(ticks / (double) TICKS_PER_SECOND / seconds * 100) / 100.0;
    }

    private static double perTx(long ticks, long committed) {
        return committed <= 0 ? 0 : Math.round(ticks * 1e6 / TICKS_PER_SECOND / committed * 10) / 10.0;
    }

    /** Ticks used between the snapshots, by thread group; threads gone by the second snapshot are not counted. */
    static Map<String, Long> groupTicks(Map<Long, ThreadTicks> before, Map<Long, ThreadTicks> after) {
        Map<String, Long> out = new HashMap<>();
        after.forEach((tid, now) -> {
            ThreadTicks then = before.get(tid);
            long used = now.ticks() - (then == null ? 0 : then.ticks());
            if (used > 0) {
                out.merge(group(now.name()), used, Long::sum);
            }
        });
        return out;
    }

    /**
     * A thread's group: Cairn's threads by their component ({@code cairn-rpc-worker-3}: rpc), the JVM's by job (jit,
     * gc, jfr, jvm), RocksDB's as rocksdb, the bench's as bench, the JDK HTTP client's as http-client.
     */
    static String group(String thread) {
        String n = thread.strip();
        if (n.startsWith("cairn-")) {
            String rest = n.substring("cairn-".length());
            int dash = rest.indexOf('-');
            String g = dash > 0 ? rest.substring(0, dash) : rest;
            return g.isEmpty() ? "cairn" : g;
        }
        if (n.startsWith("C1 Compiler") || n.startsWith("C2 Compiler") || n.startsWith("Sweeper")) {
            return "jit";
        }
        if (n.startsWith("GC Thread") || n.startsWith("G1 ")) {
            return "gc";
        }
        if (n.startsWith("JFR ")) {
            return "jfr";
        }
        if (n.startsWith("rocksdb")) {
            return "rocksdb";
        }
        if (n.startsWith("bench-") || n.startsWith("pool-")) {
            return "bench";
        }
        if (n.startsWith("HttpClient")) {
            return "http-client";
        }
        if (n.startsWith("VM ") || n.equals("Service Thread") || n.startsWith("Monitor Deflation")) {
            return "jvm";
        }
        return "other";
    }

    /** Every thread of every target now; a target whose /proc cannot be read (not Linux, gone) has none. */
    private Map<Long, Map<Long, ThreadTicks>> snapshot() {
        Map<Long, Map<Long, ThreadTicks>> all = new HashMap<>();
        for (Target t : targets) {
            all.put(t.pid(), threads(Path.of("/proc", Long.toString(t.pid()), "task")));
        }
        return all;
    }

    static Map<Long, ThreadTicks> threads(Path tasks) {
        Map<Long, ThreadTicks> out = new HashMap<>();
        try (var dirs = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) dirs::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
                    parseStat(stat).ifPresent(t -> out.put(Long.parseLong(task.getFileName().toString()), t));
                } catch (IOException | NumberFormatException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** {@code pid (comm) state ppid ...}: comm may hold spaces and parentheses; utime and stime are fields 14 and 15. */
    static Optional<ThreadTicks> parseStat(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return Optional.empty();
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        if (f.length < 13) {
            return Optional.empty();
        }
        return Optional.of(new ThreadTicks(stat.substring(open + 1, close), Long.parseLong(f[11]) + Long.parseLong(f[12])));
    }

    /** Runs {@code jcmd pid args}; empty when it succeeded, else what went wrong. */
    private Optional<String> jcmd(long pid, String... args) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return Optional.of("no jcmd at " + jcmd + " (run the bench on a JDK, not a JRE)");
        }
        List<String> command = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(JCMD_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("jcmd " + pid + " " + args[0] + " did not finish in " + JCMD_LIMIT.toSeconds() + " s");
            }
            // jcmd exits 0 even when the command failed in the target; a failure is printed with an exception name
            if (p.exitValue() != 0 || out.contains("Exception") || out.contains("Could not")) {
                String problem = "jcmd " + pid + " " + args[0] + ": " + out.strip().replace('\n', ' ');
                log.println("bench: --profile: " + problem);
                return Optional.of(problem);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("jcmd " + pid + " " + args[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** Execution samples inside the window, by the sampled frame's method: per thread group and in all. */
    static final class Samples {
        final Map<String, Map<String, Long>> byGroup = new HashMap<>();
        final Map<String, Long> all = new HashMap<>();
        long count;

        /**
         * Java samples ({@code jdk.ExecutionSample}) and native ones ({@code jdk.NativeMethodSample}) whose thread
         * was working, not waiting in a blocking call (a thread parked in epoll or a socket read uses no CPU).
         */
        static Samples read(Path jfr, Instant from, Instant to) throws IOException {
            Samples s = new Samples();
            try (RecordingFile file = new RecordingFile(jfr)) {
                while (file.hasMoreEvents()) {
                    RecordedEvent e = file.readEvent();
                    String type = e.getEventType().getName();
                    boolean nativeSample = type.equals("jdk.NativeMethodSample");
                    if (!nativeSample && !type.equals("jdk.ExecutionSample")) {
                        continue;
                    }
                    if (from != null && (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to))) {
                        continue;
                    }
                    RecordedStackTrace stack = e.getStackTrace();
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    RecordedFrame top = stack.getFrames().get(0);
                    String method = top.getMethod().getType().getName() + "." + top.getMethod().getName();
                    if (nativeSample && waiting(method)) {
                        continue;
                    }
                    RecordedThread thread = e.getThread("sampledThread");
                    String group = group(thread == null || thread.getJavaName() == null ? "" : thread.getJavaName());
                    String key = nativeSample ? method + " (native)" : method;
                    s.byGroup.computeIfAbsent(group, g -> new HashMap<>()).merge(key, 1L, Long::sum);
                    s.all.merge(key, 1L, Long::sum);
                    s.count++;
                }
            }
            return s;
        }

        /** A native method a thread waits in. */
        static boolean waiting(String method) {
            String m = method.substring(method.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
            return m.contains("poll") || m.contains("wait") || m.contains("accept") || m.contains("park")
                    || m.contains("sleep") || m.contains("select") || m.startsWith("read") || m.startsWith("socketread")
                    || m.equals("receive0") || m.equals("recv");
        }
    }

    /** The report's section, as markdown. */
    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> profile) {
        StringBuilder md = new StringBuilder("\n## Where the time went\n\n");
        md.append("CPU of each process on this machine over the measured window (").append(profile.get("windowSeconds"))
                .append(" s, ").append(profile.get("committedInWindow")).append(" transactions committed), by thread "
                        + "group, from /proc; the hottest methods of each group are shares of its JFR samples in the "
                        + "window (Java code, and native code that was working).\n");
        for (Map<String, Object> p : (List<Map<String, Object>>) profile.get("processes")) {
            md.append("\n### ").append(p.get("name")).append(" (pid ").append(p.get("pid")).append("): ")
                    .append(p.get("cpuCores")).append(" cores, ").append(p.get("cpuMicrosPerTx"))
                    .append(" µs of CPU per committed transaction\n\n");
            md.append("| group | cores | µs per tx | hottest methods |\n|---|---|---|---|\n");
            for (Map<String, Object> g : (List<Map<String, Object>>) p.get("groups")) {
                StringBuilder hot = new StringBuilder();
                for (Map<String, Object> h : (List<Map<String, Object>>) g.get("hot")) {
                    hot.append(hot.isEmpty() ? "" : "; ").append(h.get("method")).append(' ')
                            .append(Math.round(((Number) h.get("share")).doubleValue() * 100)).append('%');
                }
                md.append("| ").append(g.get("group")).append(" | ").append(g.get("cpuCores")).append(" | ")
                        .append(g.get("cpuMicrosPerTx")).append(" | ").append(hot).append(" |\n");
            }
            Object hot = p.get("hotMethods");
            if (hot instanceof List<?> list) {
                md.append("\nHottest methods of the process (").append(p.get("samples")).append(" samples):\n\n");
                for (Object o : list) {
                    Map<String, Object> h = (Map<String, Object>) o;
                    md.append("- ").append(h.get("method")).append(": ")
                            .append(Math.round(((Number) h.get("share")).doubleValue() * 1000) / 10.0).append("%\n");
                }
            } else {
                md.append("\nHottest methods: ").append(hot).append('\n');
            }
        }
        return md.toString();
    }
}
