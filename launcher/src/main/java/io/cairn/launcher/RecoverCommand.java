package io.cairn.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.launcher.node.FelixNode;
import io.cairn.launcher.node.NodeHome;
import io.cairn.launcher.node.PidFile;
import io.cairn.launcher.node.RuntimeDir;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Rebuilds a node whose store is damaged (docs/operations.md, Recovery): moves the RocksDB store aside (never deletes
 * it), and imports the newest local snapshot that proves against the chain into a new store, through the snapshot
 * import ({@link FelixNode#importSnapshot}); keys, certificates, configuration and genesis stay. The node then syncs
 * the blocks after the snapshot's from its peers.
 *
 * <p>Crash-safe: {@code data/recover.pending} marks the home under construction from before the store is moved until
 * the import has made the snapshot's block the head; {@code cairn start} refuses such a home, and running recover
 * again finishes it (the store it finds then is its own unfinished one, which it deletes and builds again).
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Rebuild a node whose store is damaged: move its RocksDB store aside (kept, never deleted), "
                + "then import the newest snapshot in <home>/snapshots that proves against the chain (or --snapshot "
                + "DIR) into a new store. Keys, certificates, configuration and genesis stay. `cairn start` then syncs "
                + "the blocks after the snapshot's from the node's peers. The node must not be running.",
                "Exit status: 0 recovered; 1 refused (nothing changed) or not finished (the home stays under "
                        + "construction: run recover again)."})
final class RecoverCommand implements Callable<Integer> {
    /** The storage engine's configuration (etc/), whose {@code path} is the store recover rebuilds. */
    static final String ROCKSDB_PID = "io.cairn.storage.rocksdb";
    private static final String DEFAULT_STORE = "data/chain";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Option(names = "--snapshot", paramLabel = "DIR",
            description = "the snapshot to rebuild from (default: the newest in <home>/snapshots that proves)")
    Path snapshot;

    @Option(names = "--from-peers", description = "rebuild from the newest snapshot the node's peers serve, fetched "
            + "and proven as cairn snapshot join does (state sync), instead of a local one")
    boolean fromPeers;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "how long the node may take to come up for each import (default: ${DEFAULT-VALUE})")
    Duration timeout;

    /** The file that marks a home whose recovery has not finished: no node starts on it. */
    static Path marker(NodeHome h) {
        return h.data().resolve("recover.pending");
    }

    @Override
    public Integer call() throws Exception {
        NodeHome h = home.nodeHome();
        PrintWriter out = spec.commandLine().getOut();
        try {
            h.nodeProperties();
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage(), e);
        }
        new PidFile(h.pidFile()).liveProcess().ifPresent(p -> {
            throw new CommandFailure("node running, pid " + p.pid() + " (home " + h + "): stop it first (./cairn stop "
                    + "--home " + h + "); recover rebuilds a stopped node");
        });
        if (fromPeers && snapshot != null) {
            throw new CommandFailure("give --snapshot DIR or --from-peers, not both; nothing was changed");
        }
        Path store = store(h);
        Path markerFile = marker(h);
        boolean resuming = Files.exists(markerFile);
        List<Path> candidates = fromPeers ? List.of() : candidates(h, snapshot);
        if (candidates.isEmpty() && !fromPeers) {
            throw new CommandFailure("no snapshot in " + h.dir().resolve("snapshots") + " to recover from, and none "
                    + "given (--snapshot DIR); " + (resuming ? "home " + h + " stays under construction" : "nothing was "
                    + "changed") + ". Take a snapshot on another node of the chain (./cairn snapshot export --home "
                    + "<its home>), copy it here and run ./cairn recover --home " + h + " --snapshot DIR; or fetch the "
                    + "one the peers serve: ./cairn recover --home " + h + " --from-peers");
        }

        // 1. the mark, before anything changes: from here on no node starts on the home until recover finishes
        Properties mark = resuming ? read(markerFile) : new Properties();
        if (!resuming) {
            String name = store.getFileName() + ".damaged-" + LocalDateTime.now().format(STAMP);
            Path aside = store.resolveSibling(name);
            for (int i = 2; Files.exists(aside); i++) { // an earlier recover's, kept: never reused
                aside = store.resolveSibling(name + "-" + i);
            }
            mark.setProperty("store", store.toString());
            mark.setProperty("aside", aside.toString());
            mark.setProperty("nothingToMove", Boolean.toString(!Files.exists(store)));
            write(markerFile, mark);
        }
        Path aside = Path.of(mark.getProperty("aside"));

        // 2. the damaged store aside (a rename: it is kept whole); on a second run, the unfinished new store goes
        if (Files.exists(aside) || Boolean.parseBoolean(mark.getProperty("nothingToMove"))) {
            if (Files.exists(store)) {
                deleteTree(store);
                out.println("deleted the unfinished store of an earlier recover at " + store);
            }
        } else if (Files.exists(store)) {
            Files.move(store, aside, StandardCopyOption.ATOMIC_MOVE);
            out.println("moved the damaged store " + store + " aside to " + aside);
        }
        out.flush();

        // 3. a new store from the newest snapshot that proves: the import creates block 0 as a first start does
        if (fromPeers) {
            out.println("fetching the newest snapshot the peers serve ...");
            out.flush();
            String answer = importFrom(h, node -> node.joinBySnapshot(io.cairn.launcher.node.JoinAtStart.directory(h),
                    timeout, line -> {
                        out.println(line);
                        out.flush();
                    }));
            if (answer.contains("imported snapshot")) {
                Files.delete(markerFile);
                out.println(answer);
                out.println("recovered home " + h + " from the snapshot its peers serve; the damaged store is kept at "
                        + (Files.exists(aside) ? aside : "(none: there was no store)") + " (delete it once the node "
                        + "runs). Start the node (./cairn start --home " + h + " --detach): it syncs the blocks after "
                        + "the snapshot's from its peers");
                out.flush();
                return 0;
            }
            throw new CommandFailure(answer + "; home " + h + " stays under construction, its damaged store kept at "
                    + aside + ": run ./cairn recover --home " + h + " --from-peers again (it goes on from the chunks "
                    + "fetched), or with --snapshot DIR");
        }
        List<String> refusals = new ArrayList<>();
        for (Path dir : candidates) {
            out.println("importing snapshot " + dir + " ...");
            out.flush();
            String answer = importSnapshot(h, dir);
            if (answer.startsWith("imported")) {
                Files.delete(markerFile);
                out.println(answer);
                out.println("recovered home " + h + " from snapshot " + dir + "; the damaged store is kept at "
                        + (Files.exists(aside) ? aside : "(none: there was no store)") + " (delete it once the node "
                        + "runs). Start the node (./cairn start --home " + h + " --detach): it syncs the blocks after "
                        + "the snapshot's from its peers");
                out.flush();
                return 0;
            }
            if (!answer.startsWith("REFUSED")) {
                throw new CommandFailure(answer + "; home " + h + " stays under construction: run ./cairn recover "
                        + "--home " + h + " again");
            }
            out.println("snapshot " + dir + " " + answer);
            out.flush();
            refusals.add(dir.getFileName() + ": " + answer.substring("REFUSED: ".length()));
        }
        throw new CommandFailure("no snapshot could be imported (" + String.join("; ", refusals) + "); home " + h
                + " stays under construction, its damaged store kept at " + aside + ". Take a snapshot on another node "
                + "of the chain (./cairn snapshot export --home <its home>), copy it here and run ./cairn recover "
                + "--home " + h + " --snapshot DIR; or fetch the one the peers serve: ./cairn recover --home " + h
                + " --from-peers");
    }

    /** The snapshot import of {@code cairn snapshot import}, its node's log lines in logs/recover.log. */
    private String importSnapshot(NodeHome h, Path dir) throws Exception {
        return importFrom(h, node -> node.importSnapshot(dir, timeout));
    }

    private interface Import {
        String run(FelixNode node) throws Exception;
    }

    /** Runs an import (from a directory, or from the peers), its node's log lines in logs/recover.log. */
    private String importFrom(NodeHome h, Import how) throws Exception {
        try (PrintStream log = new PrintStream(Files.newOutputStream(Files.createDirectories(h.logs())
                .resolve("recover.log"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
            log.println("==== cairn recover: import " + java.time.Instant.now());
            PrintStream err = System.err; // the node's bundles log to standard error
            System.setErr(log);
            try {
                return how.run(new FelixNode(h, RuntimeDir.locate(), log));
            } finally {
                System.setErr(err);
            }
        }
    }

    /** The RocksDB store of the home: {@code path} of its storage configuration, from the home. */
    static Path store(NodeHome h) {
        Path cfg = h.config(ROCKSDB_PID);
        if (!Files.isRegularFile(cfg)) {
            throw new CommandFailure("home " + h + " does not store its chain in RocksDB (no " + cfg + "): recover "
                    + "rebuilds a RocksDB store; a node on memory storage keeps nothing to recover");
        }
        String path = read(cfg).getProperty("path", DEFAULT_STORE).strip();
        Path p = Path.of(path.isEmpty() ? DEFAULT_STORE : path);
        return (p.isAbsolute() ? p : h.dir().resolve(p)).normalize();
    }

    /**
     * The snapshots to try, best first: {@code given} alone, or the directories of {@code <home>/snapshots} holding
     * a manifest.json, the highest block first (one whose manifest does not say its height last: the import names
     * what is wrong with it). Directories being written ({@code .creating-...}) are not snapshots yet.
     */
    static List<Path> candidates(NodeHome h, Path given) {
        if (given != null) {
            Path dir = given.toAbsolutePath().normalize();
            if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
                throw new CommandFailure("--snapshot " + given + ": no manifest.json in " + dir + ": not a snapshot "
                        + "directory; nothing was changed");
            }
            return List.of(dir);
        }
        Path snapshots = h.dir().resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return List.of();
        }
        record Candidate(Path dir, long height) {}
        List<Candidate> found = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> dirs = Files.list(snapshots)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                if (d.getFileName().toString().startsWith(".") || !Files.isRegularFile(d.resolve("manifest.json"))) {
                    continue;
                }
                long height = -1;
                try {
                    JsonNode m = json.readTree(d.resolve("manifest.json").toFile());
                    height = m.path("height").canConvertToLong() ? m.path("height").asLong(-1) : -1;
                } catch (IOException unreadable) {
                    // tried last; the import says what is wrong with it
                }
                found.add(new Candidate(d.toAbsolutePath().normalize(), height));
            }
        } catch (IOException e) {
            throw new CommandFailure("cannot list " + snapshots + ": " + e.getMessage(), e);
        }
        found.sort(Comparator.comparingLong(Candidate::height).reversed()
                .thenComparing(c -> c.dir().getFileName().toString()));
        return found.stream().map(Candidate::dir).toList();
    }

    private static Properties read(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
        return p;
    }

    /** Written whole under another name, then renamed: a crash leaves the old mark or the new one, never half. */
    private static void write(Path file, Properties p) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "cairn recover has not finished: no node starts on this home; run ./cairn recover again");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** What start says of a home whose recovery has not finished, from its mark. */
    static String underConstruction(NodeHome h) {
        Properties p = read(marker(h));
        return "home " + h + " is under construction: ./cairn recover did not finish (the damaged store is kept at "
                + p.getProperty("aside", "?") + "); run ./cairn recover --home " + h + " again";
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
