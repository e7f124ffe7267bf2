package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateView;
import io.cairn.ledger.dag.internal.DagState.Account;
import io.cairn.ledger.dag.internal.DagState.TxIndex;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON-RPC methods of the DAG model: {@code getAccountChain(address, count)} (the account's last transactions,
 * newest first) and {@code getAccountInfo(address)} (its head, height and balance, and the head after its pending
 * transactions: the {@code previous} a new transaction names). Heights are exact integers, hashes 0x hex, amounts
 * decimal strings. A bad parameter is an IllegalArgumentException naming it.
 */
final class DagQueries {
    static final int MAX_COUNT = 1000;

    private DagQueries() {}

    static final class AccountChain implements LedgerQuery {
        static final String METHOD = "getAccountChain";

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String params() {
            return "address, count";
        }

        @Override
        public Object answer(List<String> params, StateView state, Pending pending) {
            if (params.size() > 2) {
                throw new IllegalArgumentException(METHOD + " takes at most 2 parameters, got " + params.size());
            }
            Address account = address(params);
            int count = count(params.size() > 1 ? params.get(1) : null);
            Account a = Account.load(state, account);
            List<Object> out = new ArrayList<>();
            Hash tx = a.head();
            // walked back from the head, each transaction's index naming the one before it
            for (long h = a.height(); h >= 1 && out.size() < count; h--) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("height", h);
                entry.put("txHash", tx.toHex());
                out.add(entry);
                TxIndex t = TxIndex.load(state, tx);
                if (t == null) {
                    throw new IllegalStateException("dag: account " + account + " has transaction " + tx
                            + " at height " + h + " but no index entry for it");
                }
                tx = t.previous();
            }
            return out;
        }

        private static int count(String s) {
            String expected = "count must be an integer from 1 to " + MAX_COUNT;
            if (s == null) {
                throw new IllegalArgumentException("params[1]: count is missing (" + expected + ")");
            }
            int n;
            try {
                n = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("params[1]: " + expected + ", got \"" + abbreviate(s) + "\"");
            }
            if (n < 1 || n > MAX_COUNT) {
                throw new IllegalArgumentException("params[1]: " + expected + ", got " + n);
            }
            return n;
        }
    }

    static final class AccountInfo implements LedgerQuery {
        static final String METHOD = "getAccountInfo";

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
            Address account = address(params);
            Account a = Account.load(state, account);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("head", a.head().toHex());
            out.put("height", a.height());
            out.put("balance", a.balanceValue().toString());
            out.put("pendingHead", pendingHead(account, a.head(), pending).toHex());
            return out;
        }

        /** The head after the account's pending transactions that follow its head in state, one after another. */
        static Hash pendingHead(Address account, Hash head, Pending pending) {
            Hash at = head;
            for (int steps = 0; steps < DagRules.MAX_PENDING_WALK; steps++) {
                Optional<VerifiedTransaction> next = pending.consumer(DagKeys.head(account, at));
                if (next.isEmpty()) {
                    break;
                }
                at = next.get().hash();
            }
            return at;
        }
    }

    private static Address address(List<String> params) {
        if (params.isEmpty() || params.get(0) == null) {
            throw new IllegalArgumentException("params[0]: address is missing");
        }
        String s = params.get(0);
        if (!s.startsWith("0x")) {
            throw new IllegalArgumentException("params[0]: address must be 0x-prefixed hex of " + Address.SIZE
                    + " bytes, got \"" + abbreviate(s) + "\" (no 0x prefix)");
        }
        try {
            return Address.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("params[0]: " + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
