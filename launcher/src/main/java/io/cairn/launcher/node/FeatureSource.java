package io.cairn.launcher.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Where feature files come from: the runtime's features/ directory, or the copy inside the launcher. */
public interface FeatureSource {
    /** The text of {@code <name>.feature}, or empty when there is no such feature. */
    Optional<String> read(String name);

    /** The names of every feature here, sorted; empty where the source cannot list them. */
    default List<String> names() {
        return List.of();
    }

    /** The feature names among the files or entries {@code paths} ({@code .../<name>.feature}), sorted. */
    private static List<String> featureNames(Stream<String> paths) {
        return paths.map(p -> p.substring(p.lastIndexOf('/') + 1)).filter(n -> n.endsWith(".feature"))
                .map(n -> n.substring(0, n.length() - ".feature".length())).sorted().toList();
    }

    static FeatureSource directory(Path dir) {
        return new FeatureSource() {
            @Override
            public Optional<String> read(String name) {
                Path file = dir.resolve(name + ".feature");
                if (!Files.isRegularFile(file)) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                }
            }

            @Override
            public List<String> names() {
                if (!Files.isDirectory(dir)) {
                    return List.of();
                }
                try (Stream<Path> files = Files.list(dir)) {
                    return featureNames(files.map(f -> f.getFileName().toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + dir, e);
                }
            }

            @Override
            public String toString() {
                return dir.toString();
            }
        };
    }

    /** The features packaged into the launcher jar under {@code cairn/features/}. */
    static FeatureSource bundled() {
        return new FeatureSource() {
            @Override
            public Optional<String> read(String name) {
                try (InputStream in = FeatureSource.class.getResourceAsStream("/cairn/features/" + name + ".feature")) {
                    return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read feature " + name, e);
                }
            }

            @Override
            public List<String> names() {
                try {
                    Path where = RuntimeDir.launcherLocation();
                    if (Files.isDirectory(where)) { // target/classes, in the build tree
                        return directory(where.resolve("cairn/features")).names();
                    }
                    try (JarFile jar = new JarFile(where.toFile())) {
                        return featureNames(jar.stream().map(JarEntry::getName).filter(n -> n.startsWith("cairn/features/")));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list the launcher's features", e);
                }
            }

            @Override
            public String toString() {
                return "the launcher's features";
            }
        };
    }
}
