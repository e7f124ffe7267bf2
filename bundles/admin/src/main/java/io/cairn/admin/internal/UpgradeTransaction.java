package io.cairn.admin.internal;

import io.cairn.admin.internal.UpgradeJournal.Entry;
import io.cairn.admin.internal.UpgradeJournal.Side;
import io.cairn.admin.internal.UpgradeJournal.Step;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Component;
import io.cairn.api.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * One upgrade of a component, as the hot-swap contract (docs/architecture.md) has it: journal BEGIN, install the new bundle
 * (not started), close the pipeline gate at a block boundary, switch, wait for the new service and its
 * readiness, retire the old bundle, reopen the gate, journal COMMIT. Any failure stops and uninstalls the
 * new bundle, restarts the old one, reopens the gate and journals ROLLBACK with the reason.
 *
 * <p>The switch is blue/green (the new version starts beside the old, which is retired once the new one is
 * ready, so consumers never see the component absent) except for engines that own something exclusive or
 * hand their state over on deactivate (they declare it: {@link UpgradePolicy}): those stop first. A blue/green switch
 * whose new component fails to activate while the old one runs falls back to stopping the old one first.
 */
final class UpgradeTransaction {
    private static final System.Logger LOG = System.getLogger(UpgradeTransaction.class.getName());
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Said by serviceNotReady when the service is registered but DS cannot create its component. */
    private static final String NO_INSTANCE = new String("no instance");

    private final NodeBundles node;
    private final BlockGate gate;
    private final ServiceComponentRuntime scr;
    private final UpgradeJournal journal;
    private final UpgradeStore store;
    private final Duration pauseTimeout;
    private final Duration readyTimeout;
    /** Engines a storage replacement stopped (they hand state over into storage); started again whatever the outcome. */
    private final List<NodeBundles.Provider> stoppedWriters = new ArrayList<>();
    /** Set once a storage replacement retired the old engine: from then on the chain lives only in the new one. */
    private boolean oldStoppedAfterMigration;
    private long poolDownMs;
    /** From retiring the old storage engine to the block store reading the chain from the new one. */
    private long switchMs;

    UpgradeTransaction(NodeBundles node, BlockGate gate, ServiceComponentRuntime scr, UpgradeJournal journal,
            UpgradeStore store, Duration pauseTimeout, Duration readyTimeout) {
        this.node = node;
        this.gate = gate;
        this.scr = scr;
        this.journal = journal;
        this.store = store;
        this.pauseTimeout = pauseTimeout;
        this.readyTimeout = readyTimeout;
    }

    /**
     * Which of the current providers the new jar retires: the one of the same symbolic name and the same rules
     * version, else of the same symbolic name, else (a replacement) the first. After a chain-wide upgrade two
     * versions of one engine run side by side, one per rules version (the old one still runs the blocks before the
     * plan's height, for replay and sync); a fix of either retires that one and leaves the other in place.
     */
    static Bundle retired(List<Bundle> current, String newBsn, int newRules) {
        Bundle sameName = null;
        for (Bundle b : current) {
            if (b.getSymbolicName().equals(newBsn)) {
                if (BundleFacts.of(b).rules() == newRules) {
                    return b;
                }
                if (sameName == null) {
                    sameName = b;
                }
            }
        }
        if (sameName != null) {
            return sameName;
        }
        return current.isEmpty() ? null : current.get(0);
    }

    UpgradeReport run(String component, String source, JarVerifier.Verification v) throws IOException {
        String tx = Long.toString(System.currentTimeMillis(), 36) + Long.toString(System.nanoTime() & 0xfff, 36);
        BundleContext ctx = node.context();
        Bundle old = retired(node.providers(component), v.facts().bsn(), v.facts().rules());
        BundleFacts oldFacts = old == null ? null : BundleFacts.of(old);
        Path staged = store.stage(v.jar(), v.facts().bsn(), v.facts().version().toString());
        String location = staged.toUri().toString();
        Side from = Side.of(oldFacts);
        Side to = new Side(v.facts().bsn(), v.facts().version().toString(), location);
        if (oldFacts != null) {
            store.archive(oldFacts);
        }
        journal.append(entry(tx, component, Step.BEGIN, "started", from, to, -1, -1, "source " + source));

        Bundle neu = null;
        long closedAt = 0;
        long gapStart = -1;
        long gapMs = 0;
        UpgradePolicy policy = UpgradePolicy.of(old, component);
        boolean stopFirst = policy.stopFirst();
        String mode = policy.mode();
        try {
            Bundle leftover = ctx.getBundle(location);
            if (leftover != null) {
                leftover.uninstall(); // a failed earlier attempt of this very version
            }
            // Install and resolve before pausing: the pause then covers only the switch itself.
            try (InputStream in = Files.newInputStream(staged)) {
                neu = ctx.installBundle(location, in);
            }
            if (!node.wiring().resolveBundles(List.of(neu))) {
                throw new BundleException(neu.getSymbolicName() + " " + neu.getVersion() + " cannot be resolved: "
                        + unresolvedReason(neu));
            }
            journal.append(entry(tx, component, Step.SWITCHING, mode, from, to, -1, -1, ""));
            try {
                gate.pause(pauseTimeout);
            } catch (TimeoutException e) {
                throw new UpgradeFailure(e.getMessage());
            }
            closedAt = System.nanoTime();
            if (migrates(policy, old, neu)) {
                mode = "storage replaced: " + old.getSymbolicName() + " copied into " + neu.getSymbolicName();
                StorageMigration.Result r = migrateStorage(tx, component, from, to, old, neu);
                gapMs = switchMs;
                mode += ", " + r.describe() + ", " + stoppedNames() + " stopped " + poolDownMs + " ms";
            } else if (stopFirst && old != null) {
                gapStart = System.nanoTime();
                old.stop();
                neu.start();
                awaitReady(component, neu);
            } else {
                neu.start();
                try {
                    awaitReady(component, neu);
                } catch (UpgradeFailure activationFailed) {
                    if (old == null || old.getState() != Bundle.ACTIVE || !activationFailed.activation) {
                        throw activationFailed;
                    }
                    // The old engine may hold what the new one needs: hand it over by stopping the old one first.
                    LOG.log(Level.INFO, "upgrade " + component + ": " + activationFailed.getMessage()
                            + "; retrying with the old engine stopped");
                    mode = "stop-first (blue/green failed: " + activationFailed.getMessage() + ")";
                    gapStart = System.nanoTime();
                    old.stop();
                    neu.stop();
                    neu.start();
                    awaitReady(component, neu);
                }
            }
            if (gapStart >= 0) {
                gapMs = BlockGate.millis(System.nanoTime() - gapStart);
            }
            if (old != null) {
                old.uninstall();
                refreshIfPending(old);
            }
        } catch (UpgradeFailure | StorageMigration.MigrationFailure | BundleException | RuntimeException
                | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String reason = describe(e);
            String restored = restore(component, neu, old);
            restored += restartPools();
            long pauseMs = closedAt == 0 ? 0 : BlockGate.millis(System.nanoTime() - closedAt);
            if (closedAt != 0) {
                gate.resume();
            }
            LOG.log(Level.WARNING, "upgrade " + component + " to " + to + " rolled back: " + reason + "; " + restored);
            journal.append(entry(tx, component, Step.ROLLBACK, restored, from, to, pauseMs, -1, reason));
            return new UpgradeReport(component, source, UpgradeReport.Outcome.ROLLED_BACK, v, List.of(), List.of(), mode,
                    pauseMs, -1, reason + "; " + restored);
        }
        long pauseMs = BlockGate.millis(System.nanoTime() - closedAt);
        gate.resume();
        if (oldFacts != null && !oldFacts.bsn().equals(v.facts().bsn())) {
            store.replaced(oldFacts.bsn(), v.facts().bsn());
        }
        journal.append(entry(tx, component, Step.COMMIT, "committed", from, to, pauseMs, gapMs, mode));
        LOG.log(Level.INFO, "upgrade " + component + " " + from + " -> " + to + " committed (" + mode + "), pause "
                + pauseMs + " ms, gap " + gapMs + " ms");
        return new UpgradeReport(component, source, UpgradeReport.Outcome.COMMITTED, v, List.of(), List.of(), mode,
                pauseMs, gapMs, null);
    }

    /** A storage engine replaced by another: the chain must be carried over, or the node would start empty. */
    static boolean migrates(UpgradePolicy policy, Bundle old, Bundle neu) {
        return policy.migrates() && old != null && old.getState() == Bundle.ACTIVE
                && !old.getSymbolicName().equals(neu.getSymbolicName());
    }

    /**
     * With the gate closed: stop the engines that hand state over into storage (the txpool: its pending
     * transactions go into the old storage, so they are copied too, and it cannot write behind the copy), start
     * the new engine beside the old one (it opens its own path; consumers stay on the old one, which GREEDY
     * prefers for its lower service id), copy and check every entry, then stop the old engine so that the block
     * store and those engines rebind to the new one, and start them again.
     */
    private StorageMigration.Result migrateStorage(String tx, String component, Side from, Side to, Bundle old,
            Bundle neu) throws UpgradeFailure, StorageMigration.MigrationFailure, BundleException, InterruptedException {
        long poolsStopped = System.nanoTime();
        for (NodeBundles.Provider writer : node.handingOver()) {
            if (writer.bundle().getState() == Bundle.ACTIVE) {
                writer.bundle().stop(Bundle.STOP_TRANSIENT); // transient: a crash now still restarts it with the node
                stoppedWriters.add(writer);
            }
        }
        neu.start();
        awaitReady(component, neu);
        StorageMigration.Result r = withStorages(old, neu, StorageMigration::copy);
        try {
            journal.append(entry(tx, component, Step.MIGRATED, "migrated", from, to, -1, r.millis(), r.describe()));
        } catch (IOException e) {
            // unjournalled, a crash from here on could not be recovered: undo while the old engine still runs
            throw new java.io.UncheckedIOException("cannot journal the storage migration: " + e.getMessage(), e);
        }
        LOG.log(Level.INFO, "upgrade " + component + ": " + r.describe());
        long switchStart = System.nanoTime();
        old.stop();
        oldStoppedAfterMigration = true;
        awaitChainOn(neu, r.headNumber());
        switchMs = BlockGate.millis(System.nanoTime() - switchStart);
        String started = restartPools();
        if (!started.isEmpty()) {
            throw new UpgradeFailure("an engine stopped for the storage migration did not come back" + started);
        }
        poolDownMs = BlockGate.millis(System.nanoTime() - poolsStopped);
        return r;
    }

    /** Starts the engines a migration stopped; empty when all are ready, else what went wrong. */
    private String restartPools() {
        StringBuilder problems = new StringBuilder();
        for (NodeBundles.Provider writer : stoppedWriters) {
            Bundle b = writer.bundle();
            try {
                if (b.getState() != Bundle.UNINSTALLED && b.getState() != Bundle.ACTIVE) {
                    b.start(Bundle.START_TRANSIENT);
                }
                awaitReady(writer.component(), b);
            } catch (UpgradeFailure | BundleException | RuntimeException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                problems.append("; ").append(writer.component()).append(' ').append(b.getSymbolicName()).append(": ")
                        .append(describe(e));
            }
        }
        stoppedWriters.clear();
        return problems.toString();
    }

    private String stoppedNames() {
        return stoppedWriters.isEmpty() ? "nothing" : String.join(", ",
                stoppedWriters.stream().map(NodeBundles.Provider::component).distinct().toList());
    }

    /** Waits until the block store reads the chain, head {@code head}, from the storage of {@code engine}. */
    private void awaitChainOn(Bundle engine, long head) throws UpgradeFailure, InterruptedException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        BundleContext ctx = node.context();
        String last = "no block store";
        while (true) {
            ServiceReference<BlockStore> ref = ctx.getServiceReference(BlockStore.class);
            BlockStore store = ref == null ? null : ctx.getService(ref);
            try {
                if (store != null) {
                    Component.Health h = store.health();
                    long height = store.height();
                    if (h.ready() && height == head && storageBundleIsOnly(engine)) {
                        return;
                    }
                    last = "block store " + (h.ready() ? "at height " + height + ", expected " + head : h.detail());
                }
            } finally {
                if (store != null) {
                    ctx.ungetService(ref);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new UpgradeFailure("the block store did not read the migrated chain from "
                        + engine.getSymbolicName() + " in " + readyTimeout.toMillis() + " ms: " + last);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted waiting for the block store");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** True when no other bundle registers a Storage service, so every consumer is bound to this one's. */
    private boolean storageBundleIsOnly(Bundle engine) {
        try {
            ServiceReference<?>[] refs = node.context().getServiceReferences(Storage.class.getName(), null);
            return refs != null && Arrays.stream(refs).allMatch(r -> r.getBundle() != null
                    && r.getBundle().getBundleId() == engine.getBundleId());
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    interface StorageCopy {
        StorageMigration.Result copy(Storage from, Storage to) throws StorageMigration.MigrationFailure;
    }

    /** Runs {@code copy} on the Storage services of two engine bundles, released afterwards. */
    private StorageMigration.Result withStorages(Bundle from, Bundle to, StorageCopy copy)
            throws StorageMigration.MigrationFailure {
        BundleContext ctx = node.context();
        ServiceReference<?> fromRef = storageRef(from);
        ServiceReference<?> toRef = storageRef(to);
        Storage a = (Storage) ctx.getService(fromRef);
        try {
            Storage b = (Storage) ctx.getService(toRef);
            try {
                if (a == null || b == null) {
                    throw new StorageMigration.MigrationFailure("the " + (a == null ? from : to).getSymbolicName()
                            + " Storage service is gone");
                }
                return copy.copy(a, b);
            } finally {
                if (b != null) {
                    ctx.ungetService(toRef);
                }
            }
        } finally {
            if (a != null) {
                ctx.ungetService(fromRef);
            }
        }
    }

    private static ServiceReference<?> storageRef(Bundle b) throws StorageMigration.MigrationFailure {
        ServiceReference<?>[] refs = b.getRegisteredServices();
        if (refs != null) {
            for (ServiceReference<?> r : refs) {
                if (r.getProperty("objectClass") instanceof String[] names
                        && Arrays.asList(names).contains(Storage.class.getName())) {
                    return r;
                }
            }
        }
        throw new StorageMigration.MigrationFailure(b.getSymbolicName() + " " + b.getVersion()
                + " registers no Storage service");
    }

    /**
     * Back to the old storage engine after it was retired: the chain is now only in the new one (a memory
     * engine restarts empty), so it is copied back before the new engine goes; if that fails the new engine
     * stays, since it is the one holding the chain.
     */
    private String restoreMigrated(String component, Bundle neu, Bundle old) {
        try {
            if (old.getState() != Bundle.ACTIVE) {
                old.start();
            }
            awaitReady(component, old);
            StorageMigration.Result back = withStorages(neu, old, StorageMigration::copy);
            neu.uninstall();
            refreshIfPending(neu);
            awaitChainOn(old, back.headNumber());
            return "restored " + old.getSymbolicName() + " " + old.getVersion() + " with the chain copied back ("
                    + back.describe() + ")";
        } catch (UpgradeFailure | StorageMigration.MigrationFailure | BundleException | RuntimeException
                | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (neu.getState() == Bundle.UNINSTALLED) {
                return "restored " + old.getSymbolicName() + " " + old.getVersion() + " with the chain copied back, but "
                        + describe(e);
            }
            try {
                old.stop();
                neu.start();
            } catch (BundleException | RuntimeException again) {
                return "the chain could not be copied back (" + describe(e) + ") and " + neu.getSymbolicName()
                        + " could not be restarted: " + describe(again);
            }
            return "kept " + neu.getSymbolicName() + " " + neu.getVersion() + ", which holds the chain: copying it back to "
                    + old.getSymbolicName() + " failed: " + describe(e);
        }
    }

    /** Back to the old engine; says what it came to. */
    private String restore(String component, Bundle neu, Bundle old) {
        if (oldStoppedAfterMigration) {
            return restoreMigrated(component, neu, old);
        }
        StringBuilder b = new StringBuilder();
        if (neu != null && neu.getState() != Bundle.UNINSTALLED) {
            try {
                neu.uninstall();
                refreshIfPending(neu);
            } catch (BundleException | RuntimeException | InterruptedException e) {
                b.append("the new bundle could not be uninstalled (").append(describe(e)).append("); ");
            }
        }
        if (old == null || old.getState() == Bundle.UNINSTALLED) {
            return b.append("no old engine to restore").toString();
        }
        try {
            if (old.getState() != Bundle.ACTIVE) {
                old.start();
            }
            awaitReady(component, old);
            return b.append("restored ").append(old.getSymbolicName()).append(' ').append(old.getVersion()).toString();
        } catch (UpgradeFailure | BundleException | RuntimeException | InterruptedException e) {
            return b.append("restarted ").append(old.getSymbolicName()).append(' ').append(old.getVersion())
                    .append(" but it is not ready: ").append(describe(e)).toString();
        }
    }

    private void refreshIfPending(Bundle b) throws InterruptedException {
        if (node.wiring().getRemovalPendingBundles().isEmpty()) {
            return; // nothing is wired to it: a refresh would only restart what needs no restart
        }
        CountDownLatch done = new CountDownLatch(1);
        node.wiring().refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        if (!done.await(readyTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.log(Level.WARNING, "refreshing " + b.getSymbolicName() + " did not finish in " + readyTimeout.toMillis() + " ms");
        }
    }

    /**
     * Waits until the bundle's service for the component is registered and reports ready (for the shell and
     * ssh bundles: their components are active). Fails at once when one of its components failed to activate.
     */
    void awaitReady(String component, Bundle b) throws UpgradeFailure, InterruptedException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        String service = Components.serviceOf(component);
        String last = "its " + (service == null ? "components" : service) + " service is not registered";
        while (true) {
            int state = b.getState();
            if (state != Bundle.ACTIVE && state != Bundle.STARTING) {
                throw new UpgradeFailure(b.getSymbolicName() + " " + b.getVersion() + " is no longer active ("
                        + BundleFacts.of(b).stateName() + ")", false);
            }
            String failed = activationFailure(b);
            if (failed != null) {
                throw new UpgradeFailure(failed, true);
            }
            String notReady = service == null ? componentsNotActive(b) : serviceNotReady(b, service);
            if (notReady == NO_INSTANCE) {
                // DS registered the service but could not make the component (its class or activate failed).
                throw new UpgradeFailure(b.getSymbolicName() + " " + b.getVersion() + ": its " + service
                        + " component failed to activate (see the node log)", true);
            }
            if (notReady == null) {
                return;
            }
            last = notReady;
            if (System.nanoTime() > deadline) {
                throw new UpgradeFailure(b.getSymbolicName() + " " + b.getVersion() + " did not become ready in "
                        + readyTimeout.toMillis() + " ms: " + last, false);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted waiting for " + b.getSymbolicName());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Null when the bundle's service for the component is up and ready, else what is missing. */
    private String serviceNotReady(Bundle b, String service) {
        BundleContext ctx = node.context();
        ServiceReference<?>[] refs;
        try {
            refs = ctx.getServiceReferences(service, null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        String detail = "its " + service + " service is not registered";
        if (refs == null) {
            return detail;
        }
        for (ServiceReference<?> ref : refs) {
            if (ref.getBundle() == null || ref.getBundle().getBundleId() != b.getBundleId()) {
                continue;
            }
            Object s = ctx.getService(ref);
            try {
                if (s == null) {
                    return NO_INSTANCE;
                } else if (s instanceof Component c) {
                    Component.Health h = c.health();
                    if (h.ready()) {
                        return null;
                    }
                    detail = "not ready: " + h.detail();
                } else {
                    return null;
                }
            } finally {
                if (s != null) {
                    ctx.ungetService(ref);
                }
            }
        }
        return detail;
    }

    private String componentsNotActive(Bundle b) {
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
                    return "component " + d.name + " is not active (state " + c.state + ")";
                }
            }
        }
        return null;
    }

    /** The failure of a component of the bundle that failed to activate, or null. */
    String activationFailure(Bundle b) {
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    String f = c.failure == null ? "" : c.failure.strip();
                    int nl = f.indexOf('\n');
                    return "component " + d.name + " failed to activate: " + (nl > 0 ? f.substring(0, nl) : f);
                }
            }
        }
        return null;
    }

    private String unresolvedReason(Bundle b) {
        try {
            b.start(Bundle.START_TRANSIENT);
            b.stop(Bundle.STOP_TRANSIENT);
            return "unknown";
        } catch (BundleException e) {
            return e.getMessage();
        }
    }

    static Entry entry(String tx, String component, Step step, String outcome, Side from, Side to, long pauseMs,
            long gapMs, String reason) {
        return new Entry(Instant.now(), tx, component, step, outcome, from, to, pauseMs, gapMs, reason);
    }

    static String describe(Throwable e) {
        if (e instanceof UpgradeFailure) {
            return e.getMessage();
        }
        StringBuilder b = new StringBuilder(e.getMessage() == null ? e.toString() : e.getMessage());
        Throwable c = e.getCause();
        if (c != null && c != e && c.getMessage() != null && !b.toString().contains(c.getMessage())) {
            b.append(" (").append(c.getMessage()).append(')');
        }
        return b.toString();
    }

    /** A step of the transaction that did not work; {@code activation} when a component threw on activate. */
    static final class UpgradeFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean activation;

        UpgradeFailure(String message) {
            this(message, false);
        }

        UpgradeFailure(String message, boolean activation) {
            super(message);
            this.activation = activation;
        }
    }
}
