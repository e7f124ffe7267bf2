package io.cairn.api.testing;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The rules of a chain that never upgrades, for tests of the engines that use {@link ChainRules}: every block runs
 * {@code model} (rules 1) and there are no plans. Everything else is the model's.
 */
public class FixedRules implements NeverUpgrades {
    private final LedgerModel model;

    public FixedRules(LedgerModel model) {
        this.model = model;
    }

    public static FixedRules of(LedgerModel model) {
        return new FixedRules(model);
    }

    public LedgerModel model0() {
        return model;
    }

    @Override public Health health() { return model.health(); }
    @Override public String model() { return model.model(); }
    @Override public int code() { return model.code(); }
    @Override public StateTransition genesis(Genesis genesis) { return model.genesis(genesis); }
    @Override public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        return model.apply(blockNumber, txs, parent);
    }
    @Override public Claims claims(VerifiedTransaction tx) throws TxRejectedException { return model.claims(tx); }
    @Override public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
            throws TxRejectedException {
        return model.available(state, key, pending, holdLimit);
    }
    @Override public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        return model.conflict(tx, key, holder);
    }
    @Override public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
        model.admit(tx, state, pending);
    }
    @Override public BigInteger balance(StateView state, Address account) { return model.balance(state, account); }
    @Override public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        return model.describe(tx);
    }
    @Override public List<LedgerQuery> queries() { return model.queries(); }
    @Override public Hash stateRoot(StateView state) { return model.stateRoot(state); }
}
