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

    @Test
    void enginesDeclareWhatTheyProvideAndTheChainsTheyRunOn() {
        FeatureSource src = of(Map.of(
                "base", "bundle core\n",
                "consensus-solo", "provides consensus solo\nsealers 1..1\nbundle solo\n",
                "consensus-pbft", "provides consensus pbft\nsealers 1..\nchain\nbundle net\nbundle pbft\n",
                "storage-x", "provides storage x\nbundle x\nconfig io.x a=1\n"));
        Feature solo = Feature.resolve("base,storage-x,consensus-solo", src);
        assertEquals(List.of("core", "x", "solo"), solo.bundles());
        assertEquals(Map.of("storage", "x", "consensus", "solo"), solo.provides());
        assertTrue(solo.allowsSealers(1));
        assertTrue(!solo.allowsSealers(4));
        assertEquals("1", solo.sealerRange());
        assertTrue(!solo.chain());
        Feature pbft = Feature.resolve("base,consensus-pbft", src);
        assertTrue(pbft.chain());
        assertTrue(pbft.allowsSealers(7));
        assertEquals("1 or more", pbft.sealerRange());
        var two = assertThrows(Feature.FeatureException.class, () -> Feature.resolve("consensus-solo,consensus-pbft", src));
        assertTrue(two.getMessage().contains("component consensus would have two engines, solo and pbft"), two.getMessage());
    }

    @Test
    void badDeclarationsAreNamed() {
        assertTrue(assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "provides x\n"))))
                .getMessage().contains("provides <component> <engine>"));
        assertTrue(assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "sealers four\n"))))
                .getMessage().contains("sealers <min>..<max>"));
        assertTrue(assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "sealers 3..2\n"))))
                .getMessage().contains("1 <= min <= max"));
        assertTrue(assertThrows(Feature.FeatureException.class, () -> Feature.resolve("t", of(Map.of("t", "chain yes\n"))))
                .getMessage().contains("'chain' takes nothing"));
    }

    @Test
    void theShippedEngineFeaturesComposeTheShippedProfiles() {
        FeatureSource shipped = FeatureSource.bundled();
        assertTrue(shipped.names().containsAll(List.of("base", "storage-rocksdb", "storage-memory", "consensus-solo",
                "consensus-pbft", "ledger-account", "solo-rocksdb", "solo-memory", "pbft-rocksdb")), shipped.names().toString());
        // an existing home names its profile: the profile is the same composition as the engine options give
        for (String[] pair : new String[][] {{"solo-rocksdb", "base,storage-rocksdb,consensus-solo,ledger-account"},
                {"solo-memory", "base,storage-memory,consensus-solo,ledger-account"},
                {"pbft-rocksdb", "base,storage-rocksdb,consensus-pbft,ledger-account"}}) {
            Feature profile = Feature.resolve(pair[0], shipped);
            Feature composed = Feature.resolve(pair[1], shipped);
            assertEquals(composed.bundles(), profile.bundles(), pair[0]);
            assertEquals(composed.config(), profile.config(), pair[0]);
            assertEquals(composed.provides(), profile.provides(), pair[0]);
        }
    }
}
