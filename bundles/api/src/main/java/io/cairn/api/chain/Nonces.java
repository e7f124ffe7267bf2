package io.cairn.api.chain;

import java.util.Comparator;

/**
 * Nonce arithmetic. A nonce is an unsigned 64-bit number, as the encoding and the ledger model treat it: a nonce
 * at or above 2^63 is a large number, never a negative one. The ledger model and the pool compare, order and
 * write nonces through this class only, so that they cannot disagree on which of two nonces comes first.
 */
public final class Nonces {
    /** Nonce order, for maps and queues keyed by nonce. */
    public static final Comparator<Long> ORDER = Long::compareUnsigned;

    private Nonces() {}

    /** True if {@code nonce} comes before {@code than}. */
    public static boolean below(long nonce, long than) {
        return Long.compareUnsigned(nonce, than) < 0;
    }

    /** True if {@code nonce} comes after {@code than}. */
    public static boolean above(long nonce, long than) {
        return Long.compareUnsigned(nonce, than) > 0;
    }

    /** The later of two nonces. */
    public static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    /**
     * True if {@code nonce} is more than {@code distance} past {@code from}, measured as the unsigned distance
     * {@code nonce - from}; false for a nonce below {@code from}, whose distance would wrap around and read as
     * far ahead. Every nonce past {@code from + distance} counts, 2^64 - 1 included.
     */
    public static boolean beyond(long nonce, long from, long distance) {
        return !below(nonce, from) && Long.compareUnsigned(nonce - from, distance) > 0;
    }

    /** The nonce in decimal, as the unsigned number it is. */
    public static String text(long nonce) {
        return Long.toUnsignedString(nonce);
    }
}
