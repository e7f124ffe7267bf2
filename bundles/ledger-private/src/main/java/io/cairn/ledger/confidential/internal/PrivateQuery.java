package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinIndex;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.ledger.QueryParams;
import io.cairn.api.node.StateView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * {@code getPrivateCoins(address)}: the owner's unspent coins at the head's state (its owner index entries, in coin
 * order), each as {@code {"txHash", "index", "commitment", "sealedToOwner", "spentBy"}}: bytes as 0x hex, {@code
 * spentBy} the hash of the pending transaction that spends it, or null. No amount: the owner opens {@code
 * sealedToOwner} with its key (a genesis coin's is zeros: its amount is the genesis allocation, blinding 0).
 */
final class PrivateQuery implements LedgerQuery {
    static final String METHOD = "getPrivateCoins";

    private final IntSupplier sealedSize;

    PrivateQuery(IntSupplier sealedSize) {
        this.sealedSize = sealedSize;
    }

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
        int length = PrivateBody.COMMITMENT_BYTES + sealedSize.getAsInt();
        List<Object> out = new ArrayList<>();
        for (Iterator<CoinIndex.Held> it = CoinIndex.scan(state, owner, length); it.hasNext(); ) {
            CoinIndex.Held h = it.next();
            CoinId id = h.id();
            byte[] v = h.value();
            Optional<VerifiedTransaction> spender = pending.consumer(id.poolKey());
            Map<String, Object> coin = new LinkedHashMap<>();
            coin.put("txHash", id.txHash().toHex());
            coin.put("index", id.indexValue());
            coin.put("commitment", Bytes.toHex(Arrays.copyOf(v, PrivateBody.COMMITMENT_BYTES)));
            coin.put("sealedToOwner", Bytes.toHex(Arrays.copyOfRange(v, PrivateBody.COMMITMENT_BYTES, v.length)));
            coin.put("spentBy", spender.map(t -> t.hash().toHex()).orElse(null));
            out.add(coin);
        }
        return out;
    }
}
