package io.cairn.snapshot.internal;

import io.cairn.api.chain.ChainSpec;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ChainRules;
import io.cairn.api.storage.Storage;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * What the snapshot commands and the import work with, each looked up per call so that any of them can be
 * swapped between two snapshots: storage, the block store, the rules in force, and the chain's crypto suite.
 */
@Component(service = NodeParts.class)
public final class NodeParts {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Storage storage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ChainRules rules;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<CryptoSuite> suites = List.of();

    /** The parts, all present. */
    record Parts(Storage storage, BlockStore store, ChainRules rules, CryptoSuite suite, ChainSpec spec) {}

    /**
     * The parts as they are now.
     *
     * @throws IllegalStateException naming the first part that is not running (or the chain's missing genesis)
     */
    Parts parts() {
        Storage s = storage;
        BlockStore b = blockStore;
        ChainRules r = rules;
        if (s == null || b == null || r == null) {
            throw new IllegalStateException("no " + (s == null ? "storage" : b == null ? "block store" : "rules engine")
                    + " is running");
        }
        ChainSpec spec = b.spec().orElseThrow(() -> new IllegalStateException("the chain has no genesis block yet"));
        CryptoSuite c = suites.stream().filter(spec::usesSuite).findFirst().orElseThrow(() -> new IllegalStateException(
                "no crypto suite '" + spec.suite() + "' (the chain's) is running"));
        return new Parts(s, b, r, c, spec);
    }
}
