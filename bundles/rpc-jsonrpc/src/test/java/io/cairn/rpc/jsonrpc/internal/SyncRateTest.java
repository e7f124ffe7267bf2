package io.cairn.rpc.jsonrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SyncRateTest {
    private static final long S = 1_000_000_000L;

    @Test
    void theRateIsMeasuredBetweenAnswersOverTheWindow() {
        SyncRate rate = new SyncRate();
        assertEquals(0.0, rate.sample(0, 100), "no earlier answer");
        assertEquals(0.0, rate.sample(S / 10, 110), "too short a span to say");
        assertEquals(50.0, rate.sample(2 * S, 200));
        assertEquals(25.0, rate.sample(4 * S, 200), "100 blocks in 4 s");
        // at 12 s the answers before 2 s are out of the window; the one at 2 s is its start
        assertEquals(10.0, rate.sample(12 * S, 300), "from the answer at 2 s: 100 blocks in 10 s");
        // at 30 s every answer is older than the window: the newest of them (12 s) starts the measure
        assertEquals(5.0, rate.sample(30 * S, 390), "90 blocks in 18 s");
        assertEquals(0.0, rate.sample(60 * S, 390), "nothing applied since");
    }

    @Test
    void aCounterThatWentBackStartsAgain() {
        SyncRate rate = new SyncRate();
        rate.sample(0, 1000);
        assertEquals(0.0, rate.sample(5 * S, 10), "the sync engine was swapped: its counters restarted");
        assertEquals(10.0, rate.sample(7 * S, 30));
    }
}
