package io.cairn.api.testing;

import io.cairn.api.node.ChainRules;
import io.cairn.api.node.StateView;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/** The upgrade side of {@link ChainRules} for a test model of a chain that never upgrades: rules 1, no plans, the plain block format. */
public interface NeverUpgrades extends ChainRules {
    @Override
    default int rulesVersion(String component, long blockNumber, StateView parent) {
        return 1;
    }

    @Override
    default io.cairn.api.node.BlockFormat blockFormat(long blockNumber, StateView parent) {
        return PlainBlockFormat.INSTANCE;
    }

    @Override
    default SortedSet<Integer> installed(String component) {
        return new TreeSet<>(List.of(1));
    }

    @Override
    default List<Map<String, Object>> plans(StateView state, long head) {
        return List.of();
    }
}
