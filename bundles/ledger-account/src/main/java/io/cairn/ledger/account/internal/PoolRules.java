package io.cairn.ledger.account.internal;

import static io.cairn.api.chain.Nonces.text;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Nonces;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The account model's admission rules, as the pool asks for them (docs/ledgers.md, "Account"), and the fields it
 * shows of a transfer. Nonces compare as the unsigned numbers they are ({@link Nonces}). Stateless.
 */
final class PoolRules {
    private PoolRules() {}

    /** A transfer of nonce n consumes its sender's slot n and produces slot n+1 (none past 2^64-1). */
    static Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        AccountBody body = AccountBody.of(tx).orReject();
        Address sender = tx.sender();
        LedgerKey consumes = NonceKeys.key(sender, body.nonce);
        return body.nonce == -1L ? new Claims(List.of(consumes), List.of())
                : new Claims(List.of(consumes), List.of(NonceKeys.key(sender, body.nonce + 1)));
    }

    /**
     * Slot n of an account whose nonce in state is s: used if n is below s, available if n is s; otherwise held
     * while it is at most {@code holdLimit} past the account's next nonce counting the pending transactions that
     * consume s, s+1, ... in a row.
     */
    static boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) throws TxRejectedException {
        NonceKeys.Slot slot = NonceKeys.slot(key);
        long n = slot.nonce();
        long s = Account.load(state, slot.sender()).nonce;
        if (Nonces.below(n, s)) {
            throw new TxRejectedException(Reason.NONCE_REPLAYED, "nonce " + text(n) + " of " + slot.sender()
                    + " is already used: the account's nonce is " + text(s));
        }
        if (n == s) {
            return true;
        }
        long gap = Math.max(0, holdLimit);
        long expected = s;
        // stops at n at the latest: beyond(n, expected, gap) needs expected < n
        while (Nonces.beyond(n, expected, gap) && pending.consumer(NonceKeys.key(slot.sender(), expected)).isPresent()) {
            expected++;
        }
        if (Nonces.beyond(n, expected, gap)) {
            throw new TxRejectedException(Reason.NONCE_TOO_HIGH, "nonce " + text(n) + " of " + slot.sender()
                    + " is too far ahead: its next nonce is " + text(expected) + " and the pool holds at most "
                    + gap + " beyond it");
        }
        return false;
    }

    static TxRejectedException conflict(LedgerKey key, Hash holder) {
        NonceKeys.Slot slot = NonceKeys.slot(key);
        return new TxRejectedException(Reason.NONCE_REPLAYED, "nonce " + text(slot.nonce()) + " of " + slot.sender()
                + " is already taken by pending transaction " + holder);
    }

    /**
     * The rules that need state: a chain to run on, and a sender that can pay the value and the fee (from its balance
     * in state).
     */
    static void admit(VerifiedTransaction tx, StateView state, byte[] fee) throws TxRejectedException {
        AccountBody body = AccountBody.of(tx).orReject();
        LedgerState.admitChain(tx, state);
        Account from = Account.load(state, tx.sender());
        byte[] cost = Account.cost(body.value, fee);
        if (cost == null || !from.canPay(cost)) {
            throw new TxRejectedException(Reason.INSUFFICIENT_BALANCE, "account " + tx.sender() + " has balance "
                    + from.balanceValue() + ", less than the value " + body.valueAmount() + Account.plusFee(fee));
        }
    }

    /**
     * nonce, from, to, value, data, publicKey, signature: the fields getTransaction showed of a transfer, in
     * its JSON forms (a u64 as the unsigned BigInteger, an address and bytes as 0x hex, an amount as decimal).
     */
    static Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        AccountBody body = AccountBody.of(tx).orReject();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nonce", unsigned(body.nonce));
        out.put("from", tx.sender().toHex());
        out.put("to", body.to.toHex());
        out.put("value", body.valueAmount().toString());
        out.put("data", Bytes.toHex(body.data));
        out.put("publicKey", Bytes.toHex(tx.envelope().publicKeys().get(0)));
        out.put("signature", Bytes.toHex(tx.envelope().signatures().get(0)));
        return out;
    }

    /** A u64 as the unsigned number it is. */
    static BigInteger unsigned(long v) {
        return v >= 0 ? BigInteger.valueOf(v) : new BigInteger(Long.toUnsignedString(v));
    }
}
