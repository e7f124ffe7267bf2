package io.cairn.executor.internal;

import io.cairn.api.testing.Sha256Suite;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A ledger model that counts transactions in state; its root is the hash of the count. */
class FakeLedgerModel implements io.cairn.api.testing.NeverUpgrades {

    static final byte[] COUNT = Keys.of(Keys.STATE, "count");

    private final String model;
    private final Sha256Suite suite = new Sha256Suite();
    /** The index of a transaction that makes a block invalid (the model's rule), or -1. */
    volatile int refuse = -1;

    FakeLedgerModel(String model) {
        this.model = model;
    }

    static byte[] u64(long v) {
        return new Encoder().u64(v).toByteArray();
    }

    static long count(StateView state) {
        byte[] b = state.get(COUNT);
        long v = 0;
        if (b != null) {
            for (byte x : b) {
                v = (v << 8) | (x & 0xff);
            }
        }
        return v;
    }

    Hash root(long count) {
        return suite.digest(u64(count));
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public StateTransition genesis(Genesis genesis) {
        return new StateTransition(List.of(), new WriteBatch().put(COUNT, u64(0)), root(0));
    }

    @Override
    public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        int refused = refuse;
        if (refused >= 0 && refused < txs.size()) {
            throw new InvalidBlockException("transaction " + refused + " (" + txs.get(refused).hash()
                    + "): no block may hold it", refused);
        }
        long count = count(parent) + txs.size();
        List<Receipt> receipts = new ArrayList<>();
        for (int i = 0; i < txs.size(); i++) {
            receipts.add(new Receipt(txs.get(i).hash(), blockNumber, i, txs.get(i).sender(), Receipt.Status.SUCCESS, ""));
        }
        return new StateTransition(receipts, new WriteBatch().put(COUNT, u64(count)), root(count));
    }

    @Override
    public Claims claims(VerifiedTransaction tx) {
        return new Claims(List.of(), List.of());
    }

    @Override
    public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) {
        return true;
    }

    @Override
    public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        return new TxRejectedException(TxRejectedException.Reason.DUPLICATE, "taken by " + holder);
    }

    @Override
    public void admit(VerifiedTransaction tx, StateView state, Pending pending) {}

    @Override
    public Map<String, Object> describe(VerifiedTransaction tx) {
        return Map.of();
    }

    @Override
    public List<LedgerQuery> queries() {
        return List.of();
    }

    @Override
    public BigInteger balance(StateView state, Address account) {
        return BigInteger.ZERO;
    }

    @Override
    public Hash stateRoot(StateView state) {
        return root(count(state));
    }

    @Override
    public Health health() {
        return Health.ready(model);
    }
}
