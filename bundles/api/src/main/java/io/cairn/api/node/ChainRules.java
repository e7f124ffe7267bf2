package io.cairn.api.node;

import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The rules in force (docs/upgrades.md, "Chain-wide upgrades"): the one service the pool, the executor, replay,
 * RPC and the shell use as the chain's ledger model. For each block it runs the ledger model of the rules version
 * the chain's upgrade schedule names for that height, so an upgrade agreed on chain switches every node at the
 * same block and old blocks replay with the rules that made them; and it runs the chain's governance
 * transactions (upgrade plans and votes), whatever the model. The same for the block format ({@link BlockFormat}).
 *
 * <p>Rules versions: a ledger model bundle declares the version of the rules it computes with the manifest
 * header {@value #RULES_HEADER} (an integer, 1 when absent), or its service the property {@value #RULES}. Several
 * versions stay installed side by side.
 */
@ProviderType
public interface ChainRules extends LedgerModel {
    /** Manifest header of an engine bundle: the version of the consensus-visible rules it computes with. */
    String RULES_HEADER = "Cairn-Rules";
    /** Service property, the same as {@link #RULES_HEADER} where a service says it itself. */
    String RULES = "cairn.rules";
    /** The components whose rules an upgrade plan can schedule. */
    List<String> SCHEDULED = List.of("ledger-model", "block-format");

    /** The rules version of {@code component} for block {@code blockNumber}, given the state of its parent. */
    int rulesVersion(String component, long blockNumber, StateView parent);

    /**
     * The block format of block {@code blockNumber}, given the state of its parent: the installed one of the rules
     * version the chain's upgrade schedule names for that block.
     *
     * @throws RulesMissingException when this node has not installed that version
     */
    BlockFormat blockFormat(long blockNumber, StateView parent);

    /** The rules versions of {@code component} installed on this node (a model of the chain's kind for each). */
    SortedSet<Integer> installed(String component);

    /**
     * The chain's upgrade plans at the head {@code head} (state {@code state}), oldest first, as
     * {@code getUpgradePlans} answers them (docs/rpc.md): JSON values only.
     */
    List<Map<String, Object>> plans(StateView state, long head);
}
