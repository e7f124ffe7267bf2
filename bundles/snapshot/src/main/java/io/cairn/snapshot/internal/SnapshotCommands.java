package io.cairn.snapshot.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.runtime.NodeHome;
import io.cairn.api.storage.ReadView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code cairn:snapshot create [DIR]}, {@code cairn:snapshot verify DIR} and {@code cairn:snapshots}
 * (docs/snapshots.md). A snapshot is written from one consistent storage view while the node goes on making
 * blocks; by default into {@code <home>/snapshots/<height>}, first under a temporary name, so that a directory
 * of that name is always a whole snapshot.
 */
@Component(immediate = true, service = Function.class, property = {"osgi.command.scope=cairn",
        "osgi.command.function=snapshot"})
public final class SnapshotCommands implements Function {
    private static final System.Logger LOG = System.getLogger(SnapshotCommands.class.getName());
    static final String DIR = "snapshots";
    static final String HELP = String.join("\n",
            "cairn:snapshot create [--at H [--timeout 120s]] [--state-only] [DIR]",
            "                              snapshot the chain at the head (--at H: at block H, the head or a block to",
            "                              come, waited for at most --timeout): its state and every block 1..H with its",
            "                              receipts (--state-only: the state alone); default DIR: <home>/snapshots/<H>",
            "cairn:snapshot verify DIR     check a snapshot against this node's chain: seals, chunks, keys, state root",
            "cairn:snapshots               the snapshots in <home>/snapshots");

    private final Path home;
    private final ServiceRegistration<Function> list;

    private final NodeParts node;
    private final HeightWatch watch;

    @Activate
    public SnapshotCommands(BundleContext context, @Reference NodeParts node, @Reference HeightWatch watch) {
        this(NodeHome.of(context), context, node, watch);
    }

    SnapshotCommands(Path home, BundleContext context, NodeParts node) {
        this(home, context, node, new HeightWatch(() -> node.parts().storage()));
    }

    SnapshotCommands(Path home, BundleContext context, NodeParts node, HeightWatch watch) {
        this.home = home;
        this.node = node;
        this.watch = watch;
        removeUnfinished(home.resolve(DIR), System.currentTimeMillis() - UNFINISHED_AGE_MS);
        if (context == null) {
            list = null;
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "cairn");
        props.put("osgi.command.function", "snapshots");
        list = context.registerService(Function.class, (session, args) -> list(), props);
    }

    /**
     * A {@code .creating-...} directory not written to for this long is the remains of a create that a crash or kill
     * interrupted (a create in progress writes a chunk file at least every 16 MiB of state).
     */
    static final long UNFINISHED_AGE_MS = 10 * 60_000;

    /** Deletes what interrupted creates left in {@code root}: it never passes for a snapshot, and takes room. */
    static List<Path> removeUnfinished(Path root, long olderThanMillis) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.toList()) {
                if (d.getFileName().toString().startsWith(".creating-") && Files.isDirectory(d)
                        && Files.getLastModifiedTime(d).toMillis() < olderThanMillis) {
                    deleteTree(d);
                    removed.add(d);
                    LOG.log(System.Logger.Level.INFO, "removed {0}, left by a snapshot create that did not finish", d);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not clear unfinished snapshots in " + root + ": " + e);
        }
        return removed;
    }

    @Deactivate
    void deactivate() {
        if (list == null) {
            return;
        }
        try {
            list.unregister();
        } catch (IllegalStateException gone) {
            // unregistered with the bundle already
        }
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        List<String> args = arguments.stream().map(String::valueOf).toList();
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            return HELP;
        }
        return switch (args.get(0)) {
            case "create" -> {
                CreateOptions o = CreateOptions.parse(args.subList(1, args.size()));
                yield create(o.dir() == null ? null : home.resolve(o.dir()), o.stateOnly(), o.at(), o.timeout(),
                        console(session));
            }
            case "verify" -> {
                if (args.size() != 2) {
                    throw new IllegalArgumentException("usage: cairn:snapshot verify DIR\n" + HELP);
                }
                yield verify(home.resolve(args.get(1)));
            }
            default -> throw new IllegalArgumentException("cairn:snapshot: unknown action '" + args.get(0)
                    + "'\n" + HELP);
        };
    }

    /** Progress lines to the session's console as they come (flushed), or nowhere without one. */
    private static java.util.function.Consumer<String> console(CommandSession session) {
        java.io.PrintStream console = session == null ? null : session.getConsole();
        if (console == null) {
            return null;
        }
        return line -> {
            console.println(line);
            console.flush();
        };
    }

    /** The arguments of {@code cairn:snapshot create}. */
    record CreateOptions(boolean stateOnly, Long at, java.time.Duration timeout, String dir) {
        static final java.time.Duration DEFAULT_TIMEOUT = java.time.Duration.ofSeconds(120);

        static CreateOptions parse(List<String> args) {
            boolean stateOnly = false;
            Long at = null;
            java.time.Duration timeout = null;
            String dir = null;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--state-only")) {
                    stateOnly = true;
                } else if (a.equals("--at") || a.equals("--timeout")) {
                    if (i + 1 == args.size()) {
                        throw new IllegalArgumentException("cairn:snapshot create: " + a + " needs a value\n" + HELP);
                    }
                    String v = args.get(++i);
                    if (a.equals("--at")) {
                        at = height(v);
                    } else {
                        timeout = duration(v);
                    }
                } else if (a.startsWith("-")) {
                    throw new IllegalArgumentException("cairn:snapshot create: unknown option '" + a + "'\n" + HELP);
                } else if (dir != null) {
                    throw new IllegalArgumentException("cairn:snapshot create takes at most a directory, got '" + dir
                            + "' and '" + a + "'\n" + HELP);
                } else {
                    dir = a;
                }
            }
            if (timeout != null && at == null) {
                throw new IllegalArgumentException("cairn:snapshot create: --timeout is how long --at waits for its "
                        + "block; give --at H with it\n" + HELP);
            }
            return new CreateOptions(stateOnly, at, timeout == null ? DEFAULT_TIMEOUT : timeout, dir);
        }

        static long height(String v) {
            try {
                long h = Long.parseLong(v);
                if (h >= 0) {
                    return h;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("cairn:snapshot create: --at '" + v + "' is not a block number (0 or "
                    + "more)");
        }

        /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
        static java.time.Duration duration(String v) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)?").matcher(v);
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new IllegalArgumentException("cairn:snapshot create: --timeout '" + v + "' is not a duration of "
                        + "more than 0 (e.g. 500ms, 30s, 2m)");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofSeconds(n);
            };
        }
    }

    String create(Path dir) throws IOException {
        return create(dir, true);
    }

    String create(Path dir, boolean stateOnly) throws IOException {
        return create(dir, stateOnly, null, CreateOptions.DEFAULT_TIMEOUT);
    }

    /**
     * Writes a snapshot into {@code dir} (null: {@code <home>/snapshots/<H>}) of the head, or with {@code at} of
     * block {@code at}: the head, or a block still to come, whose storage view is taken as it commits, before the
     * next block (waiting at most {@code timeout}).
     */
    String create(Path dir, boolean stateOnly, Long at, java.time.Duration timeout) throws IOException {
        return create(dir, stateOnly, at, timeout, null);
    }

    /** As {@link #create(Path, boolean, Long, java.time.Duration)}, printing progress lines to {@code lines} if any. */
    String create(Path dir, boolean stateOnly, Long at, java.time.Duration timeout,
            java.util.function.Consumer<String> lines) throws IOException {
        NodeParts.Parts p = parts();
        if (!stateOnly && p.store().joinedAt().isPresent()) {
            long j = p.store().joinedAt().getAsLong();
            throw new IllegalStateException("this node joined the chain at block " + j + " from a snapshot: it holds no "
                    + "blocks 1.." + j + ", which a full snapshot holds (--state-only writes the state alone)");
        }
        BlockChunks.Source blocks = stateOnly ? null : new BlockChunks.Source() {
            @Override
            public java.util.Optional<io.cairn.api.chain.Block> block(long n) {
                return p.store().block(n);
            }

            @Override
            public java.util.Optional<io.cairn.api.chain.Receipt> receipt(Hash txHash) {
                return p.store().receipt(txHash);
            }
        };
        ReadView taken;
        try {
            taken = at == null ? p.storage().view() : watch.at(at, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for block " + at + "; no snapshot written", e);
        }
        Path target = dir;
        try {
            if (target == null) {
                Files.createDirectories(home.resolve(DIR));
                target = Files.createTempDirectory(home.resolve(DIR), ".creating-");
            }
        } catch (IOException | RuntimeException e) {
            taken.close();
            throw e;
        }
        Snapshots.Summary s;
        try (ReadView view = taken) {
            Snapshots.Progress progress = lines == null ? Snapshots.Progress.NONE : progress(view, stateOnly, lines);
            s = Snapshots.export(view, n -> p.store().block(n).orElse(null), blocks, p.suite(),
                    Snapshots.StateRules.of(p.rules()), target, Snapshots.DEFAULT_CHUNK_BYTES, progress);
        } catch (RuntimeException | IOException e) {
            if (dir == null) {
                deleteTree(target);
            }
            if (e instanceof io.cairn.api.node.BlockArchivedException a) {
                throw new IllegalStateException("cannot write a full snapshot: " + a.getMessage() + "; put the archive "
                        + a.archive() + " back (or cairn:archive restore from a copy), or write the state alone "
                        + "(--state-only)", a);
            }
            throw e;
        }
        if (dir == null) {
            Path named = home.resolve(DIR).resolve(Long.toString(s.height()));
            if (Files.exists(named)) {
                deleteTree(target);
                return "a snapshot of block " + s.height() + " exists already: " + named;
            }
            Files.move(target, named, StandardCopyOption.ATOMIC_MOVE);
            target = named;
        }
        if (stateOnly) {
            return "snapshot of block " + s.height() + " (" + s.blockHash() + ") written to " + target + ": "
                    + s.entries() + " entries in " + s.chunks() + " chunks, " + s.bytes() + " bytes, " + s.millis()
                    + " ms";
        }
        return "snapshot of block " + s.height() + " (" + s.blockHash() + ") written to " + target + ": full, "
                + s.entries() + " entries in " + s.chunks() + " chunks, " + s.bytes() + " bytes, and blocks 1.."
                + s.height() + " (" + s.transactions() + " transactions) in " + s.blockChunks() + " block chunks, "
                + s.blockBytes() + " bytes, " + s.millis() + " ms";
    }

    /** The progress lines of an export of {@code view}: of its head's blocks 1..H too unless {@code stateOnly}. */
    private Snapshots.Progress progress(ReadView view, boolean stateOnly, java.util.function.Consumer<String> lines) {
        byte[] head = view.get(io.cairn.api.storage.Keys.CHAIN_HEAD);
        long height = head == null || head.length < Long.BYTES ? 0 : java.nio.ByteBuffer.wrap(head).getLong();
        return new ExportProgress(lines, System::nanoTime, ExportProgress.estimate(home.resolve(DIR)).orElse(0),
                stateOnly ? 0 : height);
    }

    String verify(Path dir) throws IOException {
        NodeParts.Parts p = parts();
        Hash genesis = p.store().hash(0).orElseThrow(() -> new IllegalStateException("this node holds no block 0"));
        Snapshots.Summary s;
        try {
            s = Snapshots.verify(dir, new Snapshots.Chain(genesis, p.spec(), p.suite(),
                    Snapshots.StateRules.of(p.rules())), (i, entries) -> { });
        } catch (SnapshotRefused e) {
            // thrown, so that the shell (and ./cairn snapshot verify) fails
            throw new IllegalArgumentException("snapshot " + dir + " REFUSED: " + e.getMessage(), e);
        }
        String blocks = s.blockChunks() == 0 && s.blocks() == 0 ? ""
                : "; blocks 1.." + s.blocks() + " (" + s.transactions() + " transactions) in " + s.blockChunks()
                        + " block chunks chain to its header, and their seals, transaction and receipt roots match";
        return "verified snapshot " + dir + ": block " + s.height() + " (" + s.blockHash() + "), " + s.entries()
                + " entries in " + s.chunks() + " chunks, sealed by a quorum, every chunk and the state root match"
                + blocks + " (" + s.millis() + " ms)";
    }

    String list() throws IOException {
        Path root = home.resolve(DIR);
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path d : dirs.sorted().toList()) {
                    if (d.getFileName().toString().startsWith(".") || !Files.isRegularFile(d.resolve(Manifest.FILE))) {
                        continue;
                    }
                    try {
                        Manifest m = Manifest.read(d);
                        long bytes = m.chunks().stream().mapToLong(Manifest.Chunk::bytes).sum();
                        bytes += m.blocks().stream().mapToLong(Manifest.BlockChunk::bytes).sum();
                        out.add(String.format("%-40s %-5s block %8d  %10d entries  %4d chunks  %12d bytes",
                                d.getFileName(), m.kind(), m.height(), m.entries(), m.chunks().size() + m.blocks().size(),
                                bytes));
                    } catch (SnapshotRefused e) {
                        out.add(d.getFileName() + "  unreadable: " + e.getMessage());
                    }
                }
            }
        }
        return out.isEmpty() ? "no snapshots in " + root : String.join("\n", out);
    }

    private NodeParts.Parts parts() {
        try {
            return node.parts();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot snapshot now: " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
