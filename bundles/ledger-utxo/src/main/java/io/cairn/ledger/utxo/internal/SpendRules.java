package io.cairn.ledger.utxo.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinIndex;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of a spend that need to know its coins, one code for the pool's admission (coins from the state and
 * the pending transactions) and for execution (coins from the block's overlay on its parent state): every input
 * exists unspent; the signers are exactly the distinct owners of the inputs, in any order; the inputs add up to
 * at least the outputs (the difference is the fee, which is burnt). The first rule broken is reported, in that
 * order; the messages are the pool's errors and the words of a block's refusal. Stateless.
 */
final class SpendRules {
    private SpendRules() {}

    /** Where a spend's coins are looked up. */
    @FunctionalInterface
    interface Coins {
        /** The unspent coin, or null if there is none; or a violation naming why it cannot be spent. */
        Coin find(CoinId id) throws TxRejectedException;
    }

    /** A spend that keeps the rules: its input coins, in input order, and what they add up to. */
    record Spend(List<Coin> inputs, BigInteger totalIn, BigInteger totalOut) {
        /** What the inputs hold beyond the outputs: burnt. */
        BigInteger fee() {
            return totalIn.subtract(totalOut);
        }
    }

    static Spend check(VerifiedTransaction tx, UtxoBody body, Coins coins) throws TxRejectedException {
        List<Coin> in = new ArrayList<>(body.inputs.size());
        for (CoinId id : body.inputs) {
            Coin c = coins.find(id);
            if (c == null) {
                throw CoinLedger.unknown(id);
            }
            in.add(c);
        }
        List<Address> owners = new ArrayList<>(in.size());
        for (Coin c : in) {
            owners.add(c.owner());
        }
        TxRejectedException signers = CoinIndex.signersOf(tx.signers(), body.inputs, owners);
        if (signers != null) {
            throw signers;
        }
        BigInteger total = BigInteger.ZERO;
        for (Coin c : in) {
            total = total.add(c.amount());
        }
        if (total.compareTo(body.totalOut) < 0) {
            throw new TxRejectedException(Reason.INPUTS_BELOW_OUTPUTS, "the inputs total " + total
                    + ", less than the outputs' total " + body.totalOut);
        }
        return new Spend(in, total, body.totalOut);
    }
}
