package io.cairn.api.node;

/**
 * A block cannot run here: the chain's upgrade schedule says it runs with a rules version of a component that
 * this node has not installed (docs/upgrades.md). Nothing was done; the node waits at the block before and goes
 * on by itself once the plan's jar is staged. Never the fault of the peer that sent the block.
 */
public class RulesMissingException extends NotReadyException {
    private static final long serialVersionUID = 1L;

    private final String component;
    private final int rules;

    public RulesMissingException(String component, int rules, String message) {
        super(message);
        this.component = component;
        this.rules = rules;
    }

    public String component() {
        return component;
    }

    public int rules() {
        return rules;
    }
}
