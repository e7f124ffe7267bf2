package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.ledger.QueryParams;
import io.cairn.api.node.StateView;
import java.util.List;

/**
 * {@code getNonce(address)}: the nonce a new transfer of the account should carry, its nonce in state advanced
 * past the pending transactions that consume its next slots in a row; answered as the unsigned number (a
 * BigInteger). Parameter errors are worded as the RPC words its own.
 */
final class NonceQuery implements LedgerQuery {
    static final String METHOD = "getNonce";

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
        return PoolRules.unsigned(next(state, pending, QueryParams.address(params, 0)));
    }

    static long next(StateView state, Pending pending, Address account) {
        long n = Account.load(state, account).nonce;
        while (n != -1L && pending.consumer(NonceKeys.key(account, n)).isPresent()) {
            n++;
        }
        return n;
    }
}
