package io.cairn.admin.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * The files of {@code data/upgrades}: the journal, the staged jars the framework installs from
 * ({@code bundles/}), the jars that upgrades replaced ({@code archive/}, what rollback reinstalls), and
 * {@code engines.properties} ({@code replaced.<oldBsn>=<newBsn>}), which tells the launcher not to
 * reinstall from system/ an engine that an upgrade replaced by another.
 */
final class UpgradeStore {
    private static final System.Logger LOG = System.getLogger(UpgradeStore.class.getName());

    private final Path dir;

    UpgradeStore(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path journalFile() {
        return dir.resolve("journal");
    }

    Path enginesFile() {
        return dir.resolve("engines.properties");
    }

    Path archived(String bsn, String version) {
        return dir.resolve("archive").resolve(bsn + "-" + version + ".jar");
    }

    /** A copy of the new jar that outlives its source (deploy/ moves it away); the framework installs this. */
    Path stage(Path jar, String bsn, String version) throws IOException {
        Path target = dir.resolve("bundles").resolve(bsn + "-" + version + ".jar");
        Files.createDirectories(target.getParent());
        if (!jar.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
            Files.copy(jar, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Keeps the jar of a bundle being replaced, so that rollback can reinstall it. */
    void archive(BundleFacts old) {
        Path target = archived(old.bsn(), old.version().toString());
        if (Files.isRegularFile(target)) {
            return;
        }
        Optional<Path> source = file(old.location());
        if (source.isEmpty() || !Files.isRegularFile(source.get())) {
            LOG.log(Level.WARNING, "cannot archive " + old + ": its location " + old.location()
                    + " is not a jar file; rollback to it will not be possible");
            return;
        }
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(source.get(), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot archive " + old + " to " + target + ": " + e.getMessage());
        }
    }

    static Optional<Path> file(String location) {
        String l = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        if (!l.startsWith("file:")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(URI.create(l)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Records that {@code oldBsn} was replaced by {@code newBsn}; undoes an earlier replacement the other way. */
    void replaced(String oldBsn, String newBsn) throws IOException {
        Properties p = engines();
        p.setProperty("replaced." + oldBsn, newBsn);
        p.remove("replaced." + newBsn);
        write(p);
    }

    Properties engines() throws IOException {
        Properties p = new Properties();
        if (Files.isRegularFile(enginesFile())) {
            try (Reader in = Files.newBufferedReader(enginesFile(), StandardCharsets.UTF_8)) {
                p.load(in);
            }
        }
        return p;
    }

    private void write(Properties p) throws IOException {
        Files.createDirectories(dir);
        Path tmp = enginesFile().resolveSibling("engines.properties.tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "Engines replaced by upgrades: the launcher does not reinstall replaced.<bsn> from system/");
        }
        Files.move(tmp, enginesFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
