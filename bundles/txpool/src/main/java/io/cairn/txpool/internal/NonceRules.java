package io.cairn.txpool.internal;

import static io.cairn.api.chain.Nonces.text;
import static io.cairn.api.node.TxRejectedException.Reason.NONCE_REPLAYED;
import static io.cairn.api.node.TxRejectedException.Reason.NONCE_TOO_HIGH;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Nonces;
import io.cairn.api.node.TxRejectedException;

/**
 * The pool's nonce rules, in one place; nonces compare as the unsigned numbers they are ({@link Nonces}, which the
 * ledger model uses too). For a transaction of a sender, in this order:
 * <ol>
 * <li>below the account's nonce in state ({@code base}): {@code NONCE_REPLAYED} (the ledger's rule);</li>
 * <li>held by one of the sender's pending transactions: {@code NONCE_REPLAYED} (the pool's rule);</li>
 * <li>more than {@code maxNonceGap} beyond {@code expected}, measured as the unsigned distance
 * {@code nonce - expected}: {@code NONCE_TOO_HIGH}. This includes every nonce the account cannot reach
 * through the gap the pool holds, however far (2^64 - 1 included);</li>
 * <li>otherwise the pool holds it, and the ledger model judges it as if it were next.</li>
 * </ol>
 * The replay checks come first, and the distance is measured only from {@code expected} upwards: an unsigned
 * distance to a smaller nonce wraps around and would read as "too far ahead".
 */
final class NonceRules {
    private NonceRules() {}

    /**
     * @param base     the sender's nonce in state (what its next transaction to run must carry)
     * @param expected the first nonce at or above {@code base} that no pending transaction of the sender holds
     * @param taken    the sender's pending transaction at this nonce, or null
     * @throws TxRejectedException NONCE_REPLAYED or NONCE_TOO_HIGH, naming the nonces
     */
    static void check(Address sender, long nonce, long base, long expected, int maxNonceGap,
            Hash taken) throws TxRejectedException {
        if (Nonces.below(nonce, base)) {
            throw new TxRejectedException(NONCE_REPLAYED, "nonce " + text(nonce) + " of " + sender
                    + " is already used: the account's nonce is " + text(base));
        }
        if (taken != null) {
            throw new TxRejectedException(NONCE_REPLAYED, "nonce " + text(nonce) + " of " + sender
                    + " is already taken by pending transaction " + taken);
        }
        if (Nonces.beyond(nonce, expected, maxNonceGap)) {
            throw new TxRejectedException(NONCE_TOO_HIGH, "nonce " + text(nonce) + " of " + sender
                    + " is too far ahead: its next nonce is " + text(expected) + " and the pool holds at most "
                    + maxNonceGap + " beyond it");
        }
    }
}
