package io.cairn.ledger.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark harness runs (on a small block: timings are not judged here) and its schedules agree. */
class DagParallelBenchTest {
    @Test
    void theHarnessRunsBothScenariosOnOneAndTwoThreads() {
        List<DagParallelBench.Result> results = DagParallelBench.run(300, 0, 1); // no warm-up: timings are not judged
        assertEquals(2, results.size());
        assertEquals(300, results.get(0).txs());
        String report = DagParallelBench.report(results, 0, 1);
        assertTrue(report.contains("independent sends") && report.contains("send+receive pairs")
                && report.contains("speedup"), report);
    }
}
