package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinIndex;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.confidential.Group;
import io.cairn.confidential.Kernel;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The rules of a private spend that need its coins, one code for the pool's admission (coins from the state and the
 * pending transactions) and for execution (coins from the block's overlay on its parent state), checked in this
 * order: every input exists unspent; the signers are exactly the distinct owners of the inputs; every output
 * carries an opening sealed to the auditor exactly when the chain has one. What they give is the kernel's excess
 * {@code Σ C_in - Σ C_out - fee·G}, which the kernel signature must hold for ({@link #kernel}); the range proof
 * needs no coin and is checked apart. Stateless.
 */
final class SpendRules {
    private SpendRules() {}

    /** Where a spend's coins are looked up. */
    @FunctionalInterface
    interface Coins {
        /** The unspent coin, or null if there is none; or the refusal naming why it cannot be spent. */
        PrivateCoin find(CoinId id) throws TxRejectedException;
    }

    /**
     * Checks the rules above.
     *
     * @return the kernel's excess point
     */
    static ECPoint check(VerifiedTransaction tx, PrivateBody body, Coins coins, boolean audited, Group group)
            throws TxRejectedException {
        List<ECPoint> in = new ArrayList<>(body.inputs.size());
        List<Address> owners = new ArrayList<>(body.inputs.size());
        for (CoinId id : body.inputs) {
            PrivateCoin c = coins.find(id);
            if (c == null) {
                throw CoinLedger.unknown(id);
            }
            owners.add(c.owner());
            in.add(group.decode(c.commitment(), "the commitment of coin " + id));
        }
        TxRejectedException signers = CoinIndex.signersOf(tx.signers(), body.inputs, owners);
        if (signers != null) {
            throw signers;
        }
        for (int k = 0; k < body.outputs.size(); k++) {
            boolean sealed = body.outputs.get(k).sealedToAuditor() != null;
            if (sealed != audited) {
                throw new TxRejectedException(Reason.MALFORMED, audited
                        ? "output " + k + " has no opening sealed to the chain's auditor, which every output needs"
                        : "output " + k + " has an opening sealed to an auditor, and this chain has none");
            }
        }
        List<ECPoint> out = new ArrayList<>(body.outputs.size());
        for (PrivateBody.Output o : body.outputs) {
            out.add(o.commitment());
        }
        return Kernel.excess(group, in, out, BigInteger.valueOf(body.fee).add(body.fee < 0
                ? BigInteger.ONE.shiftLeft(64) : BigInteger.ZERO));
    }

    /** The kernel of {@code body} over {@code excess}: the refusal when it does not hold, else null. */
    static TxRejectedException kernel(PrivateBody body, ECPoint excess, Group group) {
        String wrong = Kernel.check(group, excess, body.kernelMessage, body.kernel);
        return wrong == null ? null : new TxRejectedException(Reason.BAD_KERNEL, wrong);
    }
}
