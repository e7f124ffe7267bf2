package io.cairn.api.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NodeHomeTest {
    @Test
    void relativePathsResolveAgainstTheHomeAndAbsoluteOnesStay() {
        Path home = Path.of("/nodes/n0");
        assertEquals(Path.of("/nodes/n0/data/chain"), NodeHome.resolve(home, "data/chain"));
        assertEquals(Path.of("/nodes/n0/keys/node.key"), NodeHome.resolve(home, "./keys/../keys/node.key"));
        assertEquals(Path.of("/elsewhere/db"), NodeHome.resolve(home, "/elsewhere/db"));
    }

    @Test
    void withoutTheFrameworkPropertyTheHomeIsTheWorkingDirectory() {
        assertEquals(Path.of("").toAbsolutePath(), NodeHome.of(null));
        assertEquals(Path.of("").toAbsolutePath().resolve("data/chain"), NodeHome.resolve((org.osgi.framework.BundleContext) null, "data/chain"));
    }
}
