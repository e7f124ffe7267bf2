package io.cairn.api.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Nonces are unsigned 64-bit numbers: nothing here reads one at or above 2^63 as negative. */
class NoncesTest {
    private static final long TOP = -1L; // 2^64 - 1
    private static final long HALF = Long.MIN_VALUE; // 2^63

    @Test
    void comparisonsAreUnsigned() {
        assertTrue(Nonces.below(HALF - 1, HALF));
        assertFalse(Nonces.below(HALF, 5));
        assertFalse(Nonces.below(5, 5));
        assertTrue(Nonces.above(HALF, 5));
        assertTrue(Nonces.above(TOP, HALF));
        assertFalse(Nonces.above(5, 5));
        assertFalse(Nonces.above(HALF - 1, HALF));
        assertEquals(HALF, Nonces.max(5, HALF));
        assertEquals(TOP, Nonces.max(TOP, 0));
        assertEquals(7, Nonces.max(7, 7));
    }

    @Test
    void theOrderPutsLargeNoncesLast() {
        TreeMap<Long, String> byNonce = new TreeMap<>(Nonces.ORDER);
        byNonce.put(HALF, "high");
        byNonce.put(TOP, "top");
        byNonce.put(3L, "low");
        assertEquals(List.of(3L, HALF, TOP), List.copyOf(byNonce.keySet()));
        assertEquals(List.of(3L), List.copyOf(byNonce.headMap(HALF).keySet()));
    }

    @Test
    void beyondMeasuresUpwardsOnly() {
        assertFalse(Nonces.beyond(18, 8, 10), "exactly the distance");
        assertTrue(Nonces.beyond(19, 8, 10));
        assertFalse(Nonces.beyond(5, 5, 0));
        assertTrue(Nonces.beyond(6, 5, 0), "distance 0 is 'above'");
        assertFalse(Nonces.beyond(0, HALF, 10), "below: a wrapped distance is no distance");
        assertFalse(Nonces.beyond(HALF - 1, HALF, 0));
        assertTrue(Nonces.beyond(HALF, 0, 1000), "2^63 is far past 0, not below it");
        assertTrue(Nonces.beyond(TOP, 0, Integer.MAX_VALUE));
        assertFalse(Nonces.beyond(TOP, TOP - 1, 1));
        assertTrue(Nonces.beyond(HALF + 4, HALF + 1, 2));
    }

    @Test
    void textIsUnsignedDecimal() {
        assertEquals("18446744073709551615", Nonces.text(TOP));
        assertEquals("9223372036854775808", Nonces.text(HALF));
        assertEquals("0", Nonces.text(0));
    }
}
