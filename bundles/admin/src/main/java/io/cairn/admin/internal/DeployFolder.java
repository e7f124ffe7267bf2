package io.cairn.admin.internal;

import io.cairn.api.node.ChainRules;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code <home>/deploy}: a signed jar dropped here upgrades the component it provides. A jar is taken once it
 * has stopped changing between two looks (still being copied otherwise); it ends in {@code deploy/installed/}
 * or, with a {@code .reason} file, in {@code deploy/rejected/}. A jar that computes other rules than the running
 * engine is staged for the upgrade plan that names its hash, as {@code cairn:stage} does, and ends in
 * {@code deploy/staged/}; while no plan in this node's state names it (a node still syncing the chain has not
 * seen the proposal yet), it stays in {@code deploy/} and is tried again.
 */
@Component(immediate = true)
public final class DeployFolder {
    private static final System.Logger LOG = System.getLogger(DeployFolder.class.getName());

    private final Upgrades upgrades;
    private final Path dir;
    private final Thread watcher;
    private volatile boolean running = true;
    /** What each jar looked like at the last look: size and modification time. */
    private final Map<Path, String> seen = new HashMap<>();
    /** Jars kept for a plan that this node does not know yet (said once each). */
    private final Set<Path> waiting = new HashSet<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile PlanCommands plans;

    @Activate
    public DeployFolder(@Reference Upgrades upgrades) {
        this.upgrades = upgrades;
        this.dir = upgrades.home().resolve("deploy");
        watcher = new Thread(this::watch, "cairn-deploy");
        watcher.setDaemon(true);
        watcher.setContextClassLoader(null);
        watcher.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        watcher.interrupt();
        watcher.join(70_000); // an upgrade in progress finishes on the upgrade thread
    }

    private void watch() {
        while (running) {
            try {
                scan();
                Thread.sleep(upgrades.deployPollMs());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | IOException e) {
                LOG.log(Level.WARNING, "deploy: " + e.getMessage(), e);
                try {
                    Thread.sleep(upgrades.deployPollMs());
                } catch (InterruptedException x) {
                    return;
                }
            }
        }
    }

    void scan() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> jars;
        try (var files = Files.list(dir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        }
        seen.keySet().retainAll(jars);
        waiting.retainAll(jars);
        for (Path jar : jars) {
            if (!running) {
                return;
            }
            Path sig = SignatureFile.of(jar);
            String look = Files.size(jar) + "/" + Files.getLastModifiedTime(jar) + "/"
                    + (Files.exists(sig) ? Files.getLastModifiedTime(sig) : FileTime.fromMillis(0));
            if (!look.equals(seen.put(jar, look))) {
                continue; // new or still changing: look again next time
            }
            seen.remove(jar);
            take(jar);
        }
    }

    void take(Path jar) throws IOException {
        String reason;
        try {
            String component = upgrades.componentFor(jar);
            if (component == null) {
                reason = "it provides none of the node's components";
            } else if (needsPlan(component, jar)) {
                PlanCommands p = plans;
                if (p == null) {
                    return; // the plan commands are being replaced: next look
                }
                try {
                    String out = p.stage(jar.toString());
                    LOG.log(Level.INFO, "deploy: " + jar.getFileName() + ": " + out);
                    waiting.remove(jar);
                    move(jar, dir.resolve("staged"));
                    return;
                } catch (PlanCommands.NotYet e) {
                    if (waiting.add(jar)) {
                        LOG.log(Level.INFO, "deploy: " + jar.getFileName() + " computes other rules than the running "
                                + component + " engine; it stays in deploy/ and is staged once a plan in the chain "
                                + "names it (now: " + e.getMessage() + ")");
                    }
                    return;
                }
            } else {
                LOG.log(Level.INFO, "deploy: upgrading " + component + " from " + jar);
                UpgradeReport r = upgrades.upgrade(component, jar.toString(), false);
                LOG.log(Level.INFO, "deploy: " + jar.getFileName() + ":\n" + r.text());
                if (r.outcome() == UpgradeReport.Outcome.COMMITTED) {
                    move(jar, dir.resolve("installed"));
                    return;
                }
                reason = r.reason();
            }
        } catch (Exception e) {
            reason = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        LOG.log(Level.WARNING, "deploy: rejected " + jar.getFileName() + ": " + reason);
        Path target = move(jar, dir.resolve("rejected"));
        Files.writeString(target.resolveSibling(target.getFileName() + ".reason"), reason + "\n", StandardCharsets.UTF_8);
    }

    /** The jar computes rules that no running engine of {@code component} does: only a plan may switch to it. */
    private boolean needsPlan(String component, Path jar) throws IOException {
        if (!ChainRules.SCHEDULED.contains(component)) {
            return false;
        }
        int rules = JarVerifier.JarFacts.read(Files.readAllBytes(jar), jar).rules();
        List<BundleFacts> current = upgrades.installedFacts(component);
        return !current.isEmpty() && current.stream().noneMatch(b -> b.rules() == rules);
    }

    private static Path move(Path jar, Path to) throws IOException {
        Files.createDirectories(to);
        Path target = to.resolve(jar.getFileName());
        Files.move(jar, target, StandardCopyOption.REPLACE_EXISTING);
        Path sig = SignatureFile.of(jar);
        if (Files.exists(sig)) {
            Files.move(sig, SignatureFile.of(target), StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
