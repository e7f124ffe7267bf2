package io.cairn.launcher.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompositionTest {
    @TempDir
    Path tmp;

    /** Features in a map, listable. */
    private static FeatureSource of(Map<String, String> files) {
        Map<String, String> sorted = new TreeMap<>(files);
        return new FeatureSource() {
            @Override public Optional<String> read(String name) { return Optional.ofNullable(sorted.get(name)); }
            @Override public List<String> names() { return List.copyOf(sorted.keySet()); }
        };
    }

    private final FeatureSource source = of(Map.of(
            "base", "bundle core\n",
            "storage-rocksdb", "provides storage rocksdb\nbundle rocks\n",
            "consensus-solo", "provides consensus solo\nsealers 1..1\nbundle solo\n",
            "ledger-account", "provides ledger-model account\nbundle account\n",
            "ledger-utxo", "provides ledger-model utxo\nbundle cairn-ledger-utxo\n",
            "ledger-broken", "provides ledger-model other\nbundle x\n"));

    @Test
    void aNewEngineIsOneMoreFeatureAndIsListedByComponent() {
        Map<String, List<Composition.Engine>> engines = Composition.engines(source);
        assertEquals(List.of("account", "utxo"), engines.get("ledger-model").stream().map(Composition.Engine::engine).toList(),
                "a feature named ledger-broken that provides 'other' is no engine 'broken'");
        Feature f = Composition.of(null, null, "utxo", false).resolve(source);
        assertEquals("base,storage-rocksdb,consensus-solo,ledger-utxo", f.name());
        assertEquals(List.of("core", "rocks", "solo", "cairn-ledger-utxo"), f.bundles());
    }

    @Test
    void aModelWhoseBundleTheDistributionLacksIsRefusedNamingIt() throws Exception {
        Path system = Files.createDirectories(tmp.resolve("system"));
        for (String b : List.of("core", "rocks", "solo", "account")) {
            Files.writeString(system.resolve(b + ".jar"), "");
        }
        RuntimeDir runtime = new RuntimeDir(tmp);
        Composition.checkBundles(Composition.of(null, null, "account", false).resolve(source), runtime);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Composition.checkBundles(Composition.of(null, null, "utxo", false).resolve(source), runtime));
        assertTrue(e.getMessage().contains("needs bundle(s) cairn-ledger-utxo, which this distribution does not hold"),
                e.getMessage());
    }

    @Test
    void theDefaultsFollowTheShapeOfTheChain() {
        assertEquals("base,storage-rocksdb,consensus-solo,ledger-account", Composition.of(null, null, null, false).spec());
        assertEquals("base,storage-rocksdb,consensus-pbft,ledger-account", Composition.of(null, null, null, true).spec());
        assertEquals("base,storage-memory,consensus-pbft,ledger-dag", Composition.of("memory", "pbft", "dag", false).spec());
    }
}
