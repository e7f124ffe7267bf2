package io.cairn.launcher.node;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The assembled distribution: {@code system/<artifactId>.jar} and {@code features/*.feature}. */
public record RuntimeDir(Path dir) {
    public static final String ENV = "CAIRN_RUNTIME";
    public static final String PROPERTY = "cairn.runtime";

    public Path system() {
        return dir.resolve("system");
    }

    public Path features() {
        return dir.resolve("features");
    }

    public Path bundle(String artifactId) {
        return system().resolve(artifactId + ".jar");
    }

    public FeatureSource featureSource() {
        return FeatureSource.directory(features());
    }

    /**
     * From the system property {@code cairn.runtime}, the environment variable {@code CAIRN_RUNTIME}, or
     * {@code <dir of the launcher jar>/../../runtime/target/cairn} (the repository layout after a build).
     */
    public static RuntimeDir locate() throws IOException {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        Path dir;
        if (configured != null && !configured.isBlank()) {
            dir = Path.of(configured);
        } else {
            dir = launcherLocation().getParent().resolve("../../runtime/target/cairn");
        }
        dir = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("system"))) {
            throw new IOException("no Cairn runtime at " + dir + " (no system/ directory): build it with "
                    + "`./mvnw -DskipTests install` in the repository, or set " + ENV);
        }
        return new RuntimeDir(dir);
    }

    /** The launcher jar, or target/classes when run from the build tree. */
    public static Path launcherLocation() throws IOException {
        try {
            return Path.of(RuntimeDir.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IOException("cannot tell where the launcher is installed; set " + ENV, e);
        }
    }
}
