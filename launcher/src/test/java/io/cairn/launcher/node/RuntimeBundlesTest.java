package io.cairn.launcher.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every bundle a feature names is in the assembled runtime, so `cairn start` never meets a missing jar. */
class RuntimeBundlesTest {
    @Test
    void everyFeatureBundleIsInSystem() throws IOException {
        Path runtime = Path.of("..", "runtime", "target", "cairn").toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(runtime.resolve("system")), "runtime not built at " + runtime);
        RuntimeDir dir = new RuntimeDir(runtime);
        List<String> features;
        try (Stream<Path> s = Files.list(dir.features())) {
            features = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".feature"))
                    .map(n -> n.substring(0, n.length() - ".feature".length())).sorted().toList();
        }
        assertFalse(features.isEmpty(), "no features in " + dir.features());
        List<String> missing = new ArrayList<>();
        for (String name : features) {
            for (String b : Feature.resolve(name, dir.featureSource()).bundles()) {
                if (!Files.isRegularFile(dir.bundle(b))) {
                    missing.add(name + ": " + b);
                }
            }
        }
        assertEquals(List.of(), missing, "bundles named by features but missing from " + dir.system());
    }
}
