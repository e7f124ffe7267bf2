package io.cairn.launcher.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The "new versions" an upgrade bench installs: copies of an engine's jar under successive Bundle-Versions. */
final class BenchJars {
    static final String QUALIFIER = "bench";
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+)(?:\\.(\\d+)(?:\\.([\\w-]+))?)?)?");

    private BenchJars() {}

    /**
     * {@code count} versions after {@code running}, each one higher than the last: major.minor.(micro+k).bench,
     * so that a second run on the same node goes on upwards from where the first left it.
     */
    static List<String> versionsAfter(String running, int count) {
        Matcher m = VERSION.matcher(running.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + running + "' is not an OSGi bundle version");
        }
        long major = Long.parseLong(m.group(1));
        long minor = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        long micro = m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        List<String> out = new ArrayList<>(count);
        for (int k = 1; k <= count; k++) {
            out.add(major + "." + minor + "." + (micro + k) + "." + QUALIFIER);
        }
        return out;
    }

    /** A copy of the bundle jar {@code from} at {@code to} whose manifest says {@code version}; nothing else changes. */
    static Path withVersion(Path from, Path to, String version) throws IOException {
        try (InputStream raw = Files.newInputStream(from); JarInputStream in = new JarInputStream(raw)) {
            Manifest original = in.getManifest();
            if (original == null || original.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                throw new IOException(from + " is not a bundle: no manifest with a Bundle-SymbolicName");
            }
            Manifest m = new Manifest(original);
            m.getMainAttributes().putValue("Bundle-Version", version);
            Files.createDirectories(to.toAbsolutePath().getParent());
            try (OutputStream rawOut = Files.newOutputStream(to); JarOutputStream out = new JarOutputStream(rawOut, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    in.transferTo(b);
                    JarEntry copy = new JarEntry(e.getName());
                    copy.setTime(e.getTime());
                    out.putNextEntry(copy);
                    out.write(b.toByteArray());
                    out.closeEntry();
                }
            }
        }
        return to;
    }

    /** The Bundle-SymbolicName (without directives) and Bundle-Version of a jar. */
    static String[] identity(Path jar) throws IOException {
        try (InputStream raw = Files.newInputStream(jar); JarInputStream in = new JarInputStream(raw)) {
            Manifest m = in.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
            if (bsn == null) {
                throw new IOException(jar + " is not a bundle: no manifest with a Bundle-SymbolicName");
            }
            String version = m.getMainAttributes().getValue("Bundle-Version");
            return new String[] {bsn.split(";")[0].strip(), version == null ? "0.0.0" : version.strip()};
        }
    }
}
