package io.cairn.launcher.node;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/** A node in this JVM: Felix with the profile's bundles, running until the framework stops. */
public final class FelixNode {
    /** Started last, so the banner and any start failures come before the console prompt. */
    static final String GOGO_SHELL = "org.apache.felix.gogo.shell";
    private static final long STOP_WAIT_MS = 30_000;

    private final NodeHome home;
    private final RuntimeDir runtime;
    private final PrintStream out;

    public FelixNode(NodeHome home, RuntimeDir runtime, PrintStream out) {
        this.home = home;
        this.runtime = runtime;
        this.out = out;
    }

    public static Map<String, String> frameworkProperties(NodeHome home, boolean interactive) {
        Map<String, String> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, home.felixCache().toString());
        // The cache is kept across starts: an upgraded engine lives only there (and in data/upgrades). Feature
        // bundles from system/ are installed only where no bundle of that name is (see installFeature).
        p.put("cairn.home", home.dir().toString());
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            // the vector API (the JVM was started with it): the api bundle imports it optionally, for LtHash16
            p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "jdk.incubator.vector");
        }
        p.put("felix.fileinstall.dir", home.etc().toString());
        p.put("felix.fileinstall.filter", ".*\\.cfg");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.poll", "1000");
        p.put("felix.fileinstall.log.level", "2");
        // The .cfg files are the operator's: FileInstall must not write them back (it raced with its own poll and
        // left a node with an empty io.cairn.rpc.cfg when four nodes started at once).
        p.put("felix.fileinstall.enableConfigSave", "false");
        p.put("felix.log.level", "1");
        // SCR reports component activation failures here, which is how an operator learns why an engine is down.
        p.put("ds.loglevel", "warn");
        // How long SCR waits for a component another thread is activating before it gives up on getting its
        // service: 5 s by default. A block store binding a storage cluster reads its head and archives over the
        // network in its bind method; under load that took over 5 s, and sync, asking for the block store meanwhile,
        // was left without it for good ("Could not get service from ref"): the node never reported ready.
        p.put("ds.lock.timeout.milliseconds", "60000");
        if (!interactive) {
            // Gogo would read a non-terminal stdin and stop the framework at its end.
            p.put("gosh.args", "--nointeractive");
        }
        return p;
    }

    /** Runs the node until its framework stops; returns the process exit code. */
    public int run(boolean interactive) throws IOException, BundleException, InterruptedException {
        return run(interactive, null);
    }

    /**
     * Runs the node until its framework stops, first joining the chain by state sync when {@code join} is given
     * ({@link JoinAtStart}); returns the process exit code.
     */
    public int run(boolean interactive, JoinAtStart.Options join) throws IOException, BundleException,
            InterruptedException {
        String profile = home.profile();
        Feature feature = Feature.resolve(profile, runtime.featureSource());
        List<String> missing = new ArrayList<>();
        for (String b : feature.bundles()) {
            if (!Files.isRegularFile(runtime.bundle(b))) {
                missing.add(b);
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("profile " + profile + " needs bundles missing from " + runtime.system() + ": "
                    + String.join(", ", missing));
        }
        PidFile pidFile = new PidFile(home.pidFile());
        long pid = ProcessHandle.current().pid();
        Map<String, String> props = frameworkProperties(home, interactive);
        // cairn:engines lists the jars of system/ that could provide each component.
        props.put("cairn.system", runtime.system().toString());
        Framework framework = newFramework(props);
        framework.init();
        java.util.concurrent.atomic.AtomicReference<String> refused = refusals(framework);
        pidFile.write(pid);
        Thread hook = new Thread(() -> {
            stop(framework);
            pidFile.deleteIfOwnedBy(pid);
        }, "cairn-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            BundleContext ctx = framework.getBundleContext();
            // before the framework starts: bundles a former run left started start with it, and must see the marker
            org.osgi.framework.ServiceRegistration<?> importing = join == null ? null : markImportMode(ctx);
            List<Bundle> installed = installFeature(ctx, feature);
            if (join != null) {
                holdBack(installed, JoinAtStart.PARTS);
            }
            framework.start();
            if (join != null) {
                String failure = new JoinAtStart(this, home, join).run(ctx, installed, importing,
                        () -> refused.get() != null);
                if (failure != null) {
                    out.println(failure);
                    out.flush();
                    return 1;
                }
            }
            Bundle shell = null;
            int failed = 0;
            for (Bundle b : installed) {
                if (refused.get() != null) {
                    break; // the framework stops
                }
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                    continue;
                }
                if (GOGO_SHELL.equals(b.getSymbolicName())) {
                    shell = b;
                    continue;
                }
                if (!start(b)) {
                    failed++;
                }
            }
            if (refused.get() == null) {
                banner(profile, installed.size(), failed);
            }
            if (shell != null && refused.get() == null) {
                start(shell);
            }
            FrameworkEvent stopped = framework.waitForStop(0);
            if (refused.get() != null) {
                return 1;
            }
            if (stopped.getType() == FrameworkEvent.ERROR) {
                out.println("framework stopped with an error: " + describe(stopped.getThrowable()));
                return 1;
            }
            return 0;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                stop(framework);
                pidFile.deleteIfOwnedBy(pid);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and does the same
            }
        }
    }

    /** The line a node that refuses to run prints, before its message (docs/operations.md). */
    public static final String REFUSED = "REFUSED: ";

    /**
     * Stops the node when a bundle finds that it must not run (a damaged store): such a bundle registers a
     * {@code Supplier<String>} with {@code cairn.node=refused} whose message this prints after {@value #REFUSED}.
     * Returns the first message, null while there is none.
     */
    private java.util.concurrent.atomic.AtomicReference<String> refusals(Framework framework) {
        java.util.concurrent.atomic.AtomicReference<String> refused = new java.util.concurrent.atomic.AtomicReference<>();
        BundleContext ctx = framework.getBundleContext();
        try {
            ctx.addServiceListener(event -> {
                if (event.getType() != org.osgi.framework.ServiceEvent.REGISTERED) {
                    return;
                }
                Object service = ctx.getService(event.getServiceReference());
                String message = service instanceof java.util.function.Supplier<?> s ? String.valueOf(s.get())
                        : "a bundle refused to run the node";
                ctx.ungetService(event.getServiceReference());
                if (refused.compareAndSet(null, message)) {
                    out.println(REFUSED + message);
                    out.flush();
                    try {
                        framework.stop(); // asynchronous: the node's run ends in waitForStop
                    } catch (BundleException e) {
                        out.println("framework did not stop: " + describe(e));
                    }
                }
            }, "(cairn.node=refused)");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return refused;
    }

    /** The manifest header of a bundle of the node's pipeline, which a snapshot import runs without. */
    public static final String PIPELINE_HEADER = "Cairn-Pipeline";
    /** The file that marks a home whose snapshot import has not finished: no node starts on it. */
    public static Path importMarker(NodeHome home) {
        return home.data().resolve("snapshot-import.pending");
    }

    /**
     * Imports the snapshot in {@code snapshot} into this home (docs/snapshots.md): runs the node's framework
     * without its pipeline bundles (header {@value #PIPELINE_HEADER}: no consensus, sync, pool, network, RPC or
     * SSH), hands the directory to the snapshot bundle's importer and returns its answer, a line starting with
     * {@code imported}, {@code REFUSED} or {@code FAILED}.
     *
     * @param wait how long the node may take to come up (its genesis block, its rules engine)
     */
    public String importSnapshot(Path snapshot, java.time.Duration wait) throws IOException, BundleException,
            InterruptedException {
        String path = snapshot.toAbsolutePath().toString();
        return withoutPipeline(false, wait, "(cairn.snapshot=import)", java.util.function.Function.class,
                importer -> {
                    @SuppressWarnings("unchecked")
                    var f = (java.util.function.Function<String, String>) importer;
                    return f.apply(path);
                });
    }

    /**
     * Joins the chain by state sync (docs/snapshots.md): as {@link #importSnapshot}, with the node's network on
     * (the pipeline bundle whose header {@value #PIPELINE_HEADER} is {@code network}); the snapshot bundle fetches
     * the newest snapshot the peers serve into {@code into}, reporting progress lines to {@code progress}, and
     * imports it.
     */
    public String joinBySnapshot(Path into, java.time.Duration wait, java.util.function.Consumer<String> progress)
            throws IOException, BundleException, InterruptedException {
        String path = into.toAbsolutePath().toString();
        return withoutPipeline(true, wait, "(cairn.snapshot=join)", java.util.function.BiFunction.class, joiner -> {
            @SuppressWarnings("unchecked")
            var f = (java.util.function.BiFunction<String, java.util.function.Consumer<String>, String>) joiner;
            return f.apply(path, progress);
        });
    }

    /**
     * Runs the node without its pipeline (with its network when {@code network}) and calls the service that
     * {@code filter} names until it answers something other than {@code NOT READY}, for at most {@code wait}.
     */
    private <S> String withoutPipeline(boolean network, java.time.Duration wait, String filter, Class<S> type,
            java.util.function.Function<Object, String> call) throws IOException, BundleException, InterruptedException {
        String profile = home.profile();
        Feature feature = Feature.resolve(profile, runtime.featureSource());
        Map<String, String> props = frameworkProperties(home, false);
        props.put("cairn.system", runtime.system().toString());
        Framework framework = newFramework(props);
        framework.init();
        try {
            // before the framework starts: bundles a former run left started start with it, and must see the marker
            markImportMode(framework.getBundleContext());
            List<Bundle> installed = installFeature(framework.getBundleContext(), feature);
            holdBack(installed, network ? Set.of("network") : Set.of());
            framework.start();
            for (Bundle b : installed) {
                if (startsForImport(b, network ? Set.of("network") : Set.of())) {
                    start(b);
                }
            }
            return awaitService(framework.getBundleContext(), wait, filter, type, call, () -> false);
        } finally {
            stop(framework);
        }
    }

    /**
     * The value of the marker service's property {@code cairn.node.mode} while the node runs for a snapshot import or
     * join: the import rewrites the chain, and the bundles that read it at activation (the executor's genesis and
     * head checks, the snapshot importer) see the marker. A service, not a framework property: {@code start --join}
     * lifts it once the snapshot is in, and restarts those bundles before the pipeline starts.
     */
    static final String IMPORT_MODE = "import";

    static org.osgi.framework.ServiceRegistration<?> markImportMode(BundleContext ctx) {
        java.util.Hashtable<String, Object> p = new java.util.Hashtable<>();
        p.put("cairn.node.mode", IMPORT_MODE);
        return ctx.registerService(Object.class.getName(), new Object(), p);
    }

    /**
     * Clears the autostart setting of the bundles that must not run for an import ({@link #startsForImport}) before
     * the framework starts: a former run of the home left its pipeline started, and the framework would start it
     * again with itself (its consensus or sync committing blocks under the import). A run that starts them sets it
     * again.
     */
    static void holdBack(List<Bundle> installed, Set<String> parts) throws BundleException {
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && !startsForImport(b, parts)) {
                b.stop(); // not active yet: this only sets its autostart setting to stopped
            }
        }
    }

    /**
     * Whether {@code b} runs in a node started for an import: not a fragment, not the console, and not of the
     * pipeline unless its {@value #PIPELINE_HEADER} value is one of {@code parts}.
     */
    static boolean startsForImport(Bundle b, Set<String> parts) {
        String pipeline = b.getHeaders().get(PIPELINE_HEADER);
        return b.getHeaders().get(Constants.FRAGMENT_HOST) == null && !GOGO_SHELL.equals(b.getSymbolicName())
                && (pipeline == null || parts.contains(pipeline.strip()));
    }

    /**
     * Calls the service that {@code filter} names until it answers something other than {@code NOT READY}, for at
     * most {@code wait} or until {@code stop} says the node refused to run; the answer, or a {@code REFUSED} line.
     */
    static <S> String awaitService(BundleContext ctx, java.time.Duration wait, String filter, Class<S> type,
            java.util.function.Function<Object, String> call, java.util.function.BooleanSupplier stop)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        String answer = "NOT READY: the snapshot bundle's service " + filter + " is not running";
        try {
            while (System.nanoTime() < deadline && !stop.getAsBoolean()) {
                var refs = ctx.getServiceReferences(type, filter);
                if (!refs.isEmpty()) {
                    var ref = refs.iterator().next();
                    S service = ctx.getService(ref);
                    if (service != null) {
                        try {
                            answer = call.apply(service);
                        } finally {
                            ctx.ungetService(ref);
                        }
                        if (!answer.startsWith("NOT READY")) {
                            return answer;
                        }
                    }
                }
                Thread.sleep(200); // polling the framework for a service that comes up on its own
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return "REFUSED: the node did not come up for the import within " + wait.toSeconds() + " s (" + answer
                + "); nothing was written";
    }

    /**
     * Installs the feature's bundles that are not in the Felix cache yet. A bundle whose symbolic name is
     * installed already (in any version: an upgrade may have replaced the system/ one) is left alone, except
     * that a bundle still installed from its system/ jar is updated when that jar was rebuilt. A bundle that
     * an upgrade replaced by another engine ({@code data/upgrades/engines.properties}) is not installed.
     * Returns the bundles to start: new ones and those already there.
     */
    List<Bundle> installFeature(BundleContext ctx, Feature feature) throws IOException {
        Set<String> replaced = replacedEngines(home);
        Map<String, Bundle> cached = new HashMap<>();
        Set<String> twice = new HashSet<>();
        for (Bundle b : ctx.getBundles()) {
            if (b.getBundleId() != 0 && b.getSymbolicName() != null && cached.put(b.getSymbolicName(), b) != null) {
                twice.add(b.getSymbolicName());
            }
        }
        List<Bundle> installed = new ArrayList<>();
        for (String name : feature.bundles()) {
            Path jar = runtime.bundle(name);
            String bsn = symbolicName(jar);
            if (replaced.contains(bsn)) {
                out.println("bundle " + bsn + " is not installed: an upgrade replaced it (" + upgradedEngines(home) + ")");
                continue;
            }
            Bundle present = cached.get(bsn);
            if (twice.contains(bsn) && stagedBeside(ctx, bsn)) {
                // Rules versions side by side (a chain-wide upgrade staged a newer one): both run.
                for (Bundle b : ctx.getBundles()) {
                    if (bsn.equals(b.getSymbolicName())) {
                        installed.add(b);
                    }
                }
                continue;
            }
            if (twice.contains(bsn)) {
                // Two versions: the node stopped in the middle of an upgrade, and cairn-admin's recovery
                // decides which one stays (it prefers the old one).
                out.println("bundle " + bsn + " is installed in two versions (an upgrade was interrupted): "
                        + "cairn-admin recovers it");
                continue;
            }
            String location = jar.toUri().toString();
            try {
                if (present == null) {
                    installed.add(ctx.installBundle(location));
                } else {
                    if (present.getLocation().equals(location) && Files.getLastModifiedTime(jar).toMillis() > present.getLastModified()) {
                        present.update(); // the runtime was rebuilt; an upgraded bundle has another location
                    }
                    installed.add(present);
                }
            } catch (BundleException e) {
                out.println("bundle " + name + " (" + jar + ") cannot be installed: " + describe(e));
            }
        }
        return installed;
    }

    /** Whether a version of {@code bsn} was staged by {@code cairn:stage} (data/upgrades/staged/): kept beside. */
    private boolean stagedBeside(BundleContext ctx, String bsn) {
        String staged = home.data().resolve("upgrades").resolve("staged").toUri().toString();
        for (Bundle b : ctx.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && b.getLocation().startsWith(staged)) {
                return true;
            }
        }
        return false;
    }

    public static Path upgradedEngines(NodeHome home) {
        return home.data().resolve("upgrades").resolve("engines.properties");
    }

    /** Symbolic names that upgrades replaced by another engine: {@code replaced.<bsn>=<new bsn>}. */
    public static Set<String> replacedEngines(NodeHome home) throws IOException {
        Set<String> out = new HashSet<>();
        Path file = upgradedEngines(home);
        if (!Files.isRegularFile(file)) {
            return out;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("replaced.")) {
                out.add(k.substring("replaced.".length()));
            }
        }
        return out;
    }

    /** The jar's Bundle-SymbolicName without directives; the file name when it has none. */
    public static String symbolicName(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            String v = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (v != null && !v.isBlank()) {
                return v.split(";")[0].strip();
            }
        }
        String f = jar.getFileName().toString();
        return f.endsWith(".jar") ? f.substring(0, f.length() - 4) : f;
    }

    boolean start(Bundle b) {
        try {
            b.start();
            return true;
        } catch (BundleException | RuntimeException e) {
            // One broken engine must not take the node down: the rest keeps running and the operator can fix it.
            out.println("bundle " + b.getSymbolicName() + " " + b.getVersion() + " did not start: " + describe(e));
            return false;
        }
    }

    private void banner(String profile, int bundles, int failed) throws IOException {
        out.println();
        out.println("Cairn node");
        out.println("  home     " + home);
        out.println("  profile  " + profile);
        out.println("  JSON-RPC " + home.rpcEndpoint());
        out.println("  bundles  " + bundles + " installed" + (failed == 0 ? ", all started" : ", " + failed + " failed to start (above)"));
        out.println("  pid      " + ProcessHandle.current().pid());
        out.println();
        out.flush();
    }

    private static void stop(Framework framework) {
        int state = framework.getState();
        if (state == Bundle.ACTIVE || state == Bundle.STARTING) {
            try {
                framework.stop();
                framework.waitForStop(STOP_WAIT_MS);
            } catch (BundleException e) {
                System.err.println("framework did not stop cleanly: " + describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Framework newFramework(Map<String, String> props) {
        Iterator<FrameworkFactory> factories = ServiceLoader.load(FrameworkFactory.class).iterator();
        if (!factories.hasNext()) {
            throw new IllegalStateException("no OSGi framework on the launcher's class path (org.apache.felix.framework)");
        }
        return factories.next().newFramework(props);
    }

    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append("\n    caused by ").append(c);
        }
        return b.toString();
    }
}
