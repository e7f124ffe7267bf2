package io.cairn.admin.internal;

import io.cairn.api.runtime.NodeHome;
import io.cairn.admin.internal.JarVerifier.Verification;
import io.cairn.admin.internal.UpgradeJournal.Entry;
import io.cairn.admin.internal.UpgradeJournal.Side;
import io.cairn.admin.internal.UpgradeJournal.Step;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.runtime.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Upgrades of the node's engines: verification, dry runs, transactions, rollback, history and recovery
 * after a crash mid-upgrade. Every change to the node's bundles runs on one thread, {@code cairn-upgrade},
 * one at a time, so that the caller's shell session (whose bundle may be the one being upgraded) can go
 * away without tearing a transaction in half.
 */
@Designate(ocd = Upgrades.Config.class, factory = false)
@Component(service = Upgrades.class, configurationPid = "io.cairn.admin", immediate = true)
public final class Upgrades {
    private static final System.Logger LOG = System.getLogger(Upgrades.class.getName());

    @ObjectClassDefinition(name = "Cairn upgrades", description = "Trusted keys and timeouts of engine upgrades")
    public @interface Config {
        @AttributeDefinition(description = "0x public keys whose signatures this node accepts on bundle jars; "
                + "empty: keys/operator.pub")
        String[] trustedKeys() default {};

        @AttributeDefinition(description = "How long the new engine may take to register its service and be ready (ms)")
        long readyTimeoutMs() default 15000;

        @AttributeDefinition(description = "How long to wait for the block in flight before giving up an upgrade (ms)")
        long pauseTimeoutMs() default 5000;

        @AttributeDefinition(description = "How often deploy/ is looked at (ms)")
        long deployPollMs() default 1000;

        @AttributeDefinition(description = "Fetch the jar of an accepted upgrade plan from peers when it is missing "
                + "here (the plan's hash is the authority); false: only jars given by the operator are staged")
        boolean fetchPlanJars() default true;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<CryptoSuite> suites = List.of();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    private final BundleContext context;
    private final NodeBundles node;
    private final BlockGate gate;
    private final ServiceComponentRuntime scr;
    private final Path home;
    private final UpgradeStore store;
    private final UpgradeJournal journal;
    private final ExecutorService worker;
    private volatile Config config;
    private final Metrics metrics;

    @Activate
    public Upgrades(BundleContext context, Config config, @Reference BlockGate gate,
            @Reference ServiceComponentRuntime scr, @Reference Metrics metrics) {
        this.context = context;
        this.metrics = metrics;
        this.node = new NodeBundles(context);
        this.gate = gate;
        this.scr = scr;
        this.config = config;
        this.home = NodeHome.of(context);
        this.store = new UpgradeStore(home.resolve("data/upgrades"));
        this.journal = new UpgradeJournal(store.journalFile());
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cairn-upgrade");
            t.setDaemon(true);
            t.setContextClassLoader(null);
            return t;
        });
    }

    /** Recovers an upgrade a crash interrupted; on the worker, since recovery starts bundles and SCR must not wait. */
    @Activate
    void start() {
        worker.submit(this::recover);
    }

    @Modified
    void modified(Config c) {
        this.config = c;
    }

    @Deactivate
    void deactivate() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(60, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    Path home() {
        return home;
    }

    long deployPollMs() {
        return Math.max(100, config.deployPollMs());
    }

    boolean fetchPlanJars() {
        return config.fetchPlanJars();
    }

    UpgradeStore store() {
        return store;
    }

    // ---- operations, each on the upgrade thread

    public UpgradeReport upgrade(String component, String source, boolean dryRun) throws Exception {
        Components.check(component);
        return onWorker(() -> counted(doUpgrade(component, source, resolve(source), dryRun, false)));
    }

    /** Reinstalls the jar the last committed upgrade of the component replaced. */
    public UpgradeReport rollback(String component) throws Exception {
        Components.check(component);
        return onWorker(() -> {
            Optional<Entry> last = UpgradeJournal.lastCommit(journal.entries(), component);
            if (last.isEmpty() || last.get().from().isNone()) {
                throw new IllegalArgumentException("no committed upgrade of " + component + " to roll back");
            }
            Side from = last.get().from();
            Path jar = store.archived(from.bsn(), from.version());
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("the jar of " + from + " was not archived (" + jar + ")");
            }
            return counted(doUpgrade(component, "rollback to " + from, jar, false, true));
        });
    }

    public List<Entry> history() throws IOException {
        return journal.entries();
    }

    private <T> T onWorker(Callable<T> task) throws Exception {
        Future<T> f = worker.submit(task);
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    Path resolve(String source) {
        if (MavenSource.is(source)) {
            String repo = context.getProperty("cairn.maven.repo");
            Path r = repo == null || repo.isBlank()
                    ? Path.of(System.getProperty("user.home"), ".m2", "repository") : Path.of(repo);
            return MavenSource.resolve(source, r);
        }
        Path p = Path.of(source);
        return p.isAbsolute() ? p : home.resolve(p);
    }

    /**
     * Records an upgrade's outcome, and a committed one's pause of block production, in the node's metrics
     * (they outlive any engine: the pauses of every upgrade since the node started).
     */
    private UpgradeReport counted(UpgradeReport r) {
        if (r.outcome() != UpgradeReport.Outcome.DRY_RUN) {
            metrics.counter("upgrades", "Engine upgrades and rollbacks, by component and outcome", "component",
                    r.component(), "outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT)).inc();
        }
        if (r.outcome() == UpgradeReport.Outcome.COMMITTED && r.pauseMs() >= 0) {
            metrics.histogram("upgrade_pause_seconds", "How long an upgrade paused block production", "component",
                    r.component()).observe(r.pauseMs() / 1000.0);
        }
        return r;
    }

    private UpgradeReport doUpgrade(String component, String source, Path jar, boolean dryRun, boolean archived)
            throws IOException {
        Verification v = verify(component, jar, archived);
        List<Bundle> current = node.providers(component);
        Bundle old = v.facts() == null ? null
                : UpgradeTransaction.retired(current, v.facts().bsn(), v.facts().rules());
        List<String> stop = old == null ? List.of() : List.of(old.getSymbolicName() + " " + old.getVersion()
                + " [" + old.getBundleId() + "]");
        List<String> refresh = old == null ? List.of() : node.dependencyClosure(old);
        String mode = UpgradePolicy.of(old, component).describe(
                old != null && v.facts() != null && !old.getSymbolicName().equals(v.facts().bsn()));
        if (dryRun) {
            return new UpgradeReport(component, source, UpgradeReport.Outcome.DRY_RUN, v, stop, refresh, mode, -1, -1,
                    v.firstProblem());
        }
        if (!v.ok()) {
            String reason = String.join("; ", v.problems());
            Side to = v.facts() == null ? new Side("", "", jar.toString())
                    : new Side(v.facts().bsn(), v.facts().version().toString(), jar.toString());
            journal.append(UpgradeTransaction.entry(Long.toString(System.currentTimeMillis(), 36), component,
                    Step.REFUSED, "refused", Side.of(old == null ? null : BundleFacts.of(old)), to, -1, -1, reason));
            LOG.log(Level.WARNING, "upgrade " + component + " from " + source + " refused: " + reason);
            return new UpgradeReport(component, source, UpgradeReport.Outcome.REFUSED, v, stop, refresh, mode, -1, -1,
                    reason);
        }
        Config c = config;
        return new UpgradeTransaction(node, gate, scr, journal, store, Duration.ofMillis(c.pauseTimeoutMs()),
                Duration.ofMillis(c.readyTimeoutMs())).run(component, source, v);
    }

    Verification verify(String component, Path jar, boolean archived) throws IOException {
        Trust trust = null;
        if (!archived) {
            String suiteName = chainSuite();
            CryptoSuite chain = suite(suiteName);
            Set<String> keys = Trust.load(config.trustedKeys(), home, chain);
            trust = new Trust(keys, suiteName, this::suite);
        }
        return JarVerifier.verify(jar, component, node.facts(node.providers(component)), node.exports(), trust);
    }

    /** Why the jar's signature is not trusted, or null when a trusted key signed it. */
    String trustRefusal(Path jar) throws IOException {
        String suiteName = chainSuite();
        Trust trust = new Trust(Trust.load(config.trustedKeys(), home, suite(suiteName)), suiteName, this::suite);
        if (!Files.isRegularFile(jar)) {
            return "no readable jar " + jar;
        }
        return trust.refusal(SignatureFile.of(jar), Files.readAllBytes(jar));
    }

    /** The installed bundles providing {@code component}. */
    List<BundleFacts> installedFacts(String component) {
        return node.facts(node.providers(component));
    }

    /** The suite the chain's genesis block names, or, before there is one, the only running suite. */
    String chainSuite() {
        BlockStore store = blockStore;
        Optional<ChainSpec> spec = store == null ? Optional.empty() : store.spec();
        if (spec.isPresent()) {
            return spec.get().suite();
        }
        List<CryptoSuite> all = suites;
        return all.size() == 1 ? all.get(0).name() : null;
    }

    CryptoSuite suite(String name) {
        for (CryptoSuite s : suites) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The component a jar provides, by symbolic name of a running engine or by its declared services; null if none. */
    String componentFor(Path jar) throws IOException {
        JarVerifier.JarFacts facts = JarVerifier.JarFacts.read(Files.readAllBytes(jar), jar);
        for (String c : Components.names()) {
            if (JarVerifier.kind(c, facts, node.facts(node.providers(c))) != null) {
                return c;
            }
        }
        return null;
    }

    // ---- cairn:engines

    record EngineRow(String component, List<BundleFacts> installed, List<String> available) {}

    List<EngineRow> engines() throws IOException {
        List<EngineRow> rows = new ArrayList<>();
        String system = context.getProperty("cairn.system");
        for (String c : Components.names()) {
            List<BundleFacts> installed = node.facts(node.providers(c));
            List<String> available = new ArrayList<>();
            available(c, installed, home.resolve("deploy"), "deploy", available);
            if (system != null) {
                available(c, installed, Path.of(system), "system", available);
            }
            rows.add(new EngineRow(c, installed, available));
        }
        return rows;
    }

    private static void available(String component, List<BundleFacts> installed, Path dir, String label, List<String> out)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                try {
                    JarVerifier.JarFacts f = JarVerifier.JarFacts.read(Files.readAllBytes(jar), jar);
                    if (JarVerifier.kind(component, f, installed) != null) {
                        out.add(label + "/" + jar.getFileName() + " (" + f.bsn() + " " + f.version() + ")");
                    }
                } catch (IOException notABundle) {
                    // not ours to list
                }
            }
        }
    }

    // ---- recovery after a crash mid-upgrade

    private void recover() {
        try {
            Optional<Entry> unfinished = UpgradeJournal.unfinished(journal.entries());
            if (unfinished.isEmpty()) {
                return;
            }
            Entry e = unfinished.get();
            Recovery r = Recovery.decide(e, node.all());
            for (BundleFacts drop : r.uninstall()) {
                Bundle b = context.getBundle(drop.id());
                if (b != null) {
                    b.uninstall();
                }
            }
            Bundle keep = r.keep() == null ? null : context.getBundle(r.keep().id());
            if (keep != null && !r.uninstall().isEmpty() && keep.getState() == Bundle.ACTIVE) {
                // Its components may have failed while the other version held what they need: start them afresh.
                keep.stop(Bundle.STOP_TRANSIENT);
            }
            if (r.reinstallOld()) {
                Path jar = store.archived(e.from().bsn(), e.from().version());
                try (InputStream in = Files.newInputStream(jar)) {
                    keep = context.installBundle(e.from().location().isEmpty() ? jar.toUri().toString()
                            : e.from().location(), in);
                }
            }
            String outcome;
            if (keep == null) {
                outcome = "nothing of " + e.component() + " is installed and no archived jar was found";
            } else {
                if (keep.getState() != Bundle.ACTIVE) {
                    keep.start();
                }
                outcome = "restarted on " + keep.getSymbolicName() + " " + keep.getVersion();
                if (!e.from().isNone() && !e.from().bsn().equals(keep.getSymbolicName())) {
                    store.replaced(e.from().bsn(), keep.getSymbolicName());
                }
            }
            journal.append(UpgradeTransaction.entry(e.tx(), e.component(), Step.RECOVERED, outcome, e.from(), e.to(),
                    -1, -1, "the node stopped during the upgrade's " + e.step() + " step; " + outcome));
            String msg = "RECOVERED an interrupted upgrade of " + e.component() + " (" + e.from() + " -> " + e.to()
                    + "): " + outcome;
            LOG.log(Level.ERROR, msg);
            System.out.println("cairn-admin: " + msg);
        } catch (IOException | BundleException | RuntimeException x) {
            LOG.log(Level.ERROR, "cannot recover an interrupted upgrade: " + x.getMessage(), x);
        }
    }
}
