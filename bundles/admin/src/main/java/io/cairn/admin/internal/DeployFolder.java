package io.cairn.admin.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code <home>/deploy}: a signed jar dropped here upgrades the component it provides. A jar is taken once it
 * has stopped changing between two looks (still being copied otherwise); it ends in {@code deploy/installed/}
 * or, with a {@code .reason} file, in {@code deploy/rejected/}.
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
