package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.ledger.QueryParams;
import io.cairn.api.node.StateView;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code getUtxos(address)}: the owner's unspent coins at the head's state (its owner index entries, a prefix
 * scan, which gives them in coin order), each as
 * {@code {"txHash", "index", "amount", "spentBy"}}: {@code spentBy} is the hash of the pending transaction that
 * spends it, or null. What a wallet needs to pick coins for a new transaction (those with no {@code spentBy}).
 */
final class UtxoQuery implements LedgerQuery {
    static final String METHOD = "getUtxos";

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public String params() {
        return "address";
    }

    @Override
    public Object answer(List<String> params, StateView state, Pending pending) {
        QueryParams.atMost(METHOD, params, 1);
        Address owner = QueryParams.address(params, 0);
        List<Object> out = new ArrayList<>();
        for (Iterator<OwnerIndex.Held> it = OwnerIndex.scan(state, owner); it.hasNext(); ) {
            OwnerIndex.Held h = it.next();
            CoinId id = h.id();
            Optional<VerifiedTransaction> spender = pending.consumer(id.poolKey());
            Map<String, Object> coin = new LinkedHashMap<>();
            coin.put("txHash", id.txHash().toHex());
            coin.put("index", id.indexValue());
            coin.put("amount", h.amount().toString());
            coin.put("spentBy", spender.map(t -> t.hash().toHex()).orElse(null));
            out.add(coin);
        }
        return out;
    }
}
