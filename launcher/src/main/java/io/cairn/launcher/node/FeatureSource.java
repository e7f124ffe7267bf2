package io.cairn.launcher.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where feature files come from: the runtime's features/ directory, or the copy inside the launcher. */
public interface FeatureSource {
    /** The text of {@code <name>.feature}, or empty when there is no such feature. */
    Optional<String> read(String name);

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
            public String toString() {
                return "the launcher's features";
            }
        };
    }
}
