package io.cairn.rules.internal;

import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateView;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** {@code getUpgradePlans} (docs/rpc.md): the chain's upgrade plans at the head, whatever the ledger model. */
final class PlansQuery implements LedgerQuery {
    private final Function<StateView, List<Map<String, Object>>> plans;

    PlansQuery(Function<StateView, List<Map<String, Object>>> plans) {
        this.plans = plans;
    }

    @Override
    public String method() {
        return "getUpgradePlans";
    }

    @Override
    public String params() {
        return "";
    }

    @Override
    public Object answer(List<String> params, StateView state, Pending pending) {
        if (!params.isEmpty()) {
            throw new IllegalArgumentException("getUpgradePlans takes no parameters, got " + params.size());
        }
        return plans.apply(state);
    }
}
