package io.cairn.launcher;

import io.cairn.launcher.node.Composition;
import io.cairn.launcher.node.Feature;
import io.cairn.launcher.node.FeatureSource;
import io.cairn.launcher.node.RuntimeDir;
import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * What a new node home runs: an engine per component ({@code --storage}, {@code --consensus}, {@code --ledger}),
 * composed with the base feature, or a named profile ({@code --profile}). Shared by {@code init} and {@code up}.
 */
final class EngineOptions {
    @Option(names = "--storage", paramLabel = "ENGINE", description = "storage engine: rocksdb or memory (default: rocksdb)")
    String storage;

    @Option(names = "--consensus", paramLabel = "ENGINE",
            description = "consensus engine: solo (one node) or pbft (a chain: with --nodes) (default: solo; with --nodes: pbft)")
    String consensus;

    @Option(names = "--ledger", paramLabel = "MODEL", description = "ledger model (default: account); `cairn engines` lists them")
    String ledger;

    @Option(names = "--profile", paramLabel = "PROFILE",
            description = "a named composition instead of the engine options: solo-rocksdb, solo-memory, pbft-rocksdb")
    String profile;

    /**
     * The feature spec to record in the new home(s), checked against the chain's shape and, when the assembled
     * distribution is there, against its bundles.
     *
     * @param sealers the consensus nodes of the chain
     * @param chain   whether the homes are made as a chain ({@code --nodes})
     * @throws IllegalArgumentException naming the option and what cannot work
     */
    String spec(int sealers, boolean chain, FeatureSource source) {
        Feature feature;
        if (profile != null) {
            if (storage != null || consensus != null || ledger != null) {
                throw new IllegalArgumentException("--profile names a whole composition: give it, or --storage/--consensus/"
                        + "--ledger, not both");
            }
            feature = Feature.resolve(profile, source);
        } else {
            feature = Composition.of(storage, consensus, ledger, chain).resolve(source);
        }
        Composition.checkShape(feature, sealers, chain);
        RuntimeDir runtime = runtime();
        if (runtime != null) {
            Composition.checkBundles(feature, runtime);
        }
        return feature.name();
    }

    /** The assembled distribution, or null when this launcher runs without one (its bundles cannot be checked). */
    static RuntimeDir runtime() {
        try {
            return RuntimeDir.locate();
        } catch (IOException notBuilt) {
            return null;
        }
    }
}
