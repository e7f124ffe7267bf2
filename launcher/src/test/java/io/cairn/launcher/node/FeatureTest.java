package io.cairn.launcher.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FeatureTest {
    private static FeatureSource of(Map<String, String> files) {
        return name -> Optional.ofNullable(files.get(name));
    }

    @Test
    void includesComeFirstEachBundleOnceAndLaterConfigWins() {
        FeatureSource src = of(Map.of(
                "base", """
                        # the common part
                        bundle a
                        bundle b

                        config io.x port=1
                        config io.x host=127.0.0.1
                        """,
                "lib", "bundle b\nbundle c\n",
                "top", """
                        include base
                        include lib
                           # indented comment
                        bundle d
                        config io.x port=2
                        config io.y path=data/chain = weird
                        """));
        Feature f = Feature.resolve("top", src);
        assertEquals(List.of("a", "b", "c", "d"), f.bundles());
        assertEquals(Map.of("port", "2", "host", "127.0.0.1"), f.config().get("io.x"));
        assertEquals("data/chain = weird", f.config().get("io.y").get("path"));
    }

    @Test
    void unknownDirectiveNamesFileLineAndWord() {
        var e = assertThrows(Feature.FeatureException.class,
                () -> Feature.resolve("top", of(Map.of("top", "bundle a\n\nbundel b\n"))));
        assertTrue(e.getMessage().contains("top.feature line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown directive 'bundel'"), e.getMessage());
    }

    @Test
    void malformedLinesAreRejected() {
        assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "bundle a b\n"))));
        assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "bundle\n"))));
        var e = assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "config io.x port\n"))));
        assertTrue(e.getMessage().contains("config <pid> <key>=<value>"), e.getMessage());
    }

    @Test
    void includeCycleAndMissingIncludeAreNamed() {
        var cycle = assertThrows(Feature.FeatureException.class,
                () -> Feature.resolve("a", of(Map.of("a", "include b\n", "b", "include a\n"))));
        assertEquals("include cycle: a -> b -> a", cycle.getMessage());
        var missing = assertThrows(Feature.FeatureException.class,
                () -> Feature.resolve("a", of(Map.of("a", "include nope\n"))));
        assertTrue(missing.getMessage().contains("feature 'nope' (included by a) does not exist"), missing.getMessage());
        var unknown = assertThrows(Feature.FeatureException.class, () -> Feature.resolve("zzz", of(Map.of())));
        assertTrue(unknown.getMessage().contains("no feature named 'zzz'"), unknown.getMessage());
    }

    @Test
    void theShippedProfilesResolve() {
        Feature rocks = Feature.resolve("solo-rocksdb", FeatureSource.bundled());
        assertEquals("org.osgi.util.function", rocks.bundles().get(0));
        assertTrue(rocks.bundles().containsAll(List.of("cairn-rocksdb-lib", "cairn-storage-rocksdb", "cairn-consensus-solo", "cairn-shell")));
        assertTrue(rocks.bundles().indexOf("cairn-rocksdb-lib") < rocks.bundles().indexOf("cairn-storage-rocksdb"));
        assertEquals("data/chain", rocks.config().get("io.cairn.storage.rocksdb").get("path"));
        Feature memory = Feature.resolve("solo-memory", FeatureSource.bundled());
        assertTrue(memory.bundles().contains("cairn-storage-memory"));
        assertTrue(!memory.bundles().contains("cairn-storage-rocksdb") && !memory.config().containsKey("io.cairn.storage.rocksdb"));
    }
}
