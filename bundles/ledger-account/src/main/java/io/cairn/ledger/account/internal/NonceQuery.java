package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
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
        if (params.size() > 1) {
            throw new IllegalArgumentException(METHOD + " takes at most 1 parameter, got " + params.size());
        }
        Address account = address(params.isEmpty() ? null : params.get(0));
        return PoolRules.unsigned(next(state, pending, account));
    }

    static long next(StateView state, Pending pending, Address account) {
        long n = Account.load(state, account).nonce;
        while (n != -1L && pending.consumer(NonceKeys.key(account, n)).isPresent()) {
            n++;
        }
        return n;
    }

    private static Address address(String s) {
        String expected = "0x-prefixed hex of " + Address.SIZE + " bytes";
        if (s == null) {
            throw new IllegalArgumentException("params[0]: address is missing");
        }
        if (!s.startsWith("0x")) {
            throw new IllegalArgumentException("params[0]: address must be " + expected + ", got \""
                    + (s.length() <= 80 ? s : s.substring(0, 77) + "...") + "\" (no 0x prefix)");
        }
        byte[] b;
        try {
            b = Bytes.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("params[0]: address must be " + expected + ": " + e.getMessage());
        }
        if (b.length != Address.SIZE) {
            throw new IllegalArgumentException("params[0]: address must be " + expected + ", got " + b.length
                    + " bytes");
        }
        return Address.of(b);
    }
}
