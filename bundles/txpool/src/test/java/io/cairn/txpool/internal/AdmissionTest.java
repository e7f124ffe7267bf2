package io.cairn.txpool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AdmissionTest {
    @Test
    void theAdmissionLimitFollowsTheRateTheChainCommits() {
        Admission a = new Admission(1000, 100);
        assertEquals(100, a.limit(1_000_000), "no blocks yet: the floor");
        long t = 0;
        for (int i = 0; i < 200; i++) { // 2,000 transactions every 0.5 s for 100 s: 4,000 tx/s
            a.committed(2000, t);
            t += 500_000_000L;
        }
        assertEquals(4000, a.rate(), 40);
        assertEquals(4000, a.limit(1_000_000), 40);
        assertEquals(3000, a.limit(3000), "never beyond the capacity");
        a.committed(0, t + 60_000_000_000L); // a minute without blocks: back to the floor
        assertEquals(100, a.limit(1_000_000));
    }
}
