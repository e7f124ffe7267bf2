package io.cairn.api.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SealsTest {
    @Test
    void quorumIsTwoFPlusOneOfThreeFPlusOne() {
        assertEquals(1, Seals.quorum(1));
        assertEquals(3, Seals.quorum(4));
        assertEquals(5, Seals.quorum(7));
        assertEquals(1, Seals.faultTolerance(4));
        assertEquals(2, Seals.faultTolerance(7));
        // n = 5, 6: f = 1, so quorum n - f keeps any two quorums overlapping in an honest node
        assertEquals(4, Seals.quorum(5));
        assertEquals(5, Seals.quorum(6));
    }
}
