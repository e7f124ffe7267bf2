package io.cairn.api.runtime;

import java.nio.file.Path;
import org.osgi.framework.BundleContext;

/**
 * The node home directory (etc/, data/, keys/, logs/, deploy/): the framework property {@code cairn.home}, set
 * by the launcher. Relative paths in configuration resolve against it; without it (tests, tools), against the
 * working directory.
 */
public final class NodeHome {
    /** The framework property naming the node home. */
    public static final String PROPERTY = "cairn.home";

    private NodeHome() {}

    /** The node home, or the working directory when the property is unset. */
    public static Path of(BundleContext context) {
        String home = context == null ? null : context.getProperty(PROPERTY);
        return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
    }

    /** {@code path} as given if absolute, else resolved against the node home. */
    public static Path resolve(BundleContext context, String path) {
        return resolve(of(context), path);
    }

    /** {@code path} as given if absolute, else resolved against {@code home}. */
    public static Path resolve(Path home, String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p.normalize() : home.resolve(p).normalize();
    }
}
