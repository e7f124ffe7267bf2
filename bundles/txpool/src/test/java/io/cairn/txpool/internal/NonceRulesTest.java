package io.cairn.txpool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.testing.KeyedSuite;
import org.junit.jupiter.api.Test;

/** The pool's nonce rules over unsigned nonces (their comparisons are tested with {@code Nonces} in the api). */
class NonceRulesTest {
    private static final Address SENDER = Address.of(new byte[20]);
    private static final long TOP = -1L; // 2^64 - 1
    private static final long HALF = Long.MIN_VALUE; // 2^63

    private static Reason refused(long nonce, long base, long expected, int gap, Hash taken) {
        return assertThrows(TxRejectedException.class,
                () -> NonceRules.check(SENDER, nonce, base, expected, gap, taken)).reason();
    }

    private static void admitted(long nonce, long base, long expected, int gap) throws TxRejectedException {
        NonceRules.check(SENDER, nonce, base, expected, gap, null);
    }

    @Test
    void replayedTakenAndTooHighInThatOrder() throws Exception {
        Hash h = Hash.of(KeyedSuite.sha256(new byte[] {1}));
        assertEquals(Reason.NONCE_REPLAYED, refused(4, 5, 5, 10, null));
        assertEquals(Reason.NONCE_REPLAYED, refused(6, 5, 8, 10, h), "taken by a pending transaction");
        assertEquals(Reason.NONCE_TOO_HIGH, refused(19, 5, 8, 10, null));
        admitted(18, 5, 8, 10);
        admitted(5, 5, 5, 0);
        assertEquals(Reason.NONCE_TOO_HIGH, refused(6, 5, 5, 0, null));
    }

    @Test
    void aNonceTheAccountCanNeverReachIsTooHigh() {
        // Signed, these would read as below the account's nonce (replayed) or as a negative gap (admitted).
        assertEquals(Reason.NONCE_TOO_HIGH, refused(HALF, 0, 0, 1000, null));
        assertEquals(Reason.NONCE_TOO_HIGH, refused(TOP, 7, 7, 1000, null));
        assertEquals(Reason.NONCE_TOO_HIGH, refused(TOP, 0, 0, Integer.MAX_VALUE, null));
    }

    @Test
    void accountsPastTwoToTheSixtyThirdKeepTheSameRules() throws Exception {
        admitted(HALF, HALF, HALF, 0);
        admitted(HALF + 3, HALF, HALF + 1, 2);
        assertEquals(Reason.NONCE_REPLAYED, refused(HALF - 1, HALF, HALF, 10, null));
        assertEquals(Reason.NONCE_REPLAYED, refused(0, HALF, HALF, 10, null));
        assertEquals(Reason.NONCE_TOO_HIGH, refused(HALF + 4, HALF, HALF + 1, 2, null));
        admitted(TOP, TOP - 1, TOP - 1, 1);
    }

    @Test
    void theMessagesWriteNoncesUnsigned() {
        TxRejectedException e = assertThrows(TxRejectedException.class,
                () -> NonceRules.check(SENDER, TOP, HALF, HALF, 3, null));
        assertEquals("nonce 18446744073709551615 of " + SENDER + " is too far ahead: its next nonce is "
                + "9223372036854775808 and the pool holds at most 3 beyond it", e.getMessage());
    }
}
