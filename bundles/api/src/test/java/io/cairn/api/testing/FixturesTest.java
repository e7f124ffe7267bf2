package io.cairn.api.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.runtime.Metrics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared fixtures keep the promises the engines' tests rely on. */
class FixturesTest {
    @Test
    void countersAreKeptByNameAndLabels() throws Exception {
        RecordingMetrics m = new RecordingMetrics();
        Metrics.Counter a = m.counter("rpc_requests", "help", "method", "echo");
        assertSame(a, m.counter("rpc_requests", "other help", "method", "echo"), "the same counter, as the registry");
        a.inc();
        a.inc(2);
        m.counter("rpc_requests", "help", "method", "boom").inc();
        m.counter("blocks", "help").inc();
        assertEquals(3, m.count("rpc_requests", "method", "echo"));
        assertEquals(1, m.count("rpc_requests", "method", "boom"));
        assertEquals(0, m.count("rpc_requests"), "no labels is another counter");
        assertEquals(0, m.count("never"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.scrape(out);
        assertEquals("# a test registry\ncairn_blocks[] 1\ncairn_rpc_requests[method, boom] 1\n"
                + "cairn_rpc_requests[method, echo] 3\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aClosedGaugeGoesOnlyIfItIsStillTheReader() {
        RecordingMetrics m = new RecordingMetrics();
        assertTrue(Double.isNaN(m.gauge("lag")));
        Metrics.Gauge old = m.gauge("lag", "help", () -> 1, "peer", "a");
        assertEquals(1.0, m.gauge("lag", "peer", "a"));
        Metrics.Gauge newer = m.gauge("lag", "help", () -> 2, "peer", "a");
        assertEquals(2.0, m.gauge("lag", "peer", "a"), "the newest reader wins");
        old.close();
        assertEquals(2.0, m.gauge("lag", "peer", "a"), "closing a replaced reader leaves the newer one");
        newer.close();
        assertTrue(Double.isNaN(m.gauge("lag", "peer", "a")));
    }

    @Test
    void histogramsKeepTheirObservations() {
        RecordingMetrics m = new RecordingMetrics();
        assertEquals(List.of(), m.observations("latency"));
        m.histogram("latency", "help", "lane", "a").observe(0.5);
        m.histogram("latency", "help", "lane", "a").observe(1.5);
        assertEquals(List.of(0.5, 1.5), m.observations("latency", "lane", "a"));
        assertEquals(List.of(), m.observations("latency", "lane", "b"));
    }

    @Test
    void theGateCountsWhoIsInsideAndRefusesWhileClosed() {
        TestGate g = new TestGate();
        g.closed = true;
        assertFalse(g.tryEnter());
        assertEquals(0, g.entered.get());
        g.closed = false;
        assertTrue(g.tryEnter());
        assertEquals(1, g.inside.get());
        g.exit();
        assertEquals(0, g.inside.get());
        assertEquals(1, g.entered.get());
    }

    @Test
    void callerThreadsRunOnTheCallerAndNeverStartOne() {
        CallerThreads t = new CallerThreads(4);
        assertEquals(4, t.parallelism());
        List<String> ran = new ArrayList<>();
        t.compute().execute(() -> ran.add(Thread.currentThread().getName()));
        t.parallel(3, i -> ran.add("part " + i));
        t.parallel(2, i -> { });
        assertEquals(List.of(Thread.currentThread().getName(), "part 0", "part 1", "part 2"), ran);
        assertEquals(1, t.tasks.get());
        assertEquals(3, t.mostParts.get());
        assertThrows(AssertionError.class, () -> t.start("loop", () -> { }));
        assertThrows(IllegalArgumentException.class, () -> new CallerThreads(0));
    }

    @Test
    void queuedThreadsRunTasksWhenTheTestSays() {
        CallerThreads t = CallerThreads.queued(1);
        List<String> ran = new ArrayList<>();
        t.compute().execute(() -> {
            ran.add("first");
            t.compute().execute(() -> ran.add("queued by the first"));
        });
        t.queue.add(() -> ran.add("the test's"));
        assertEquals(List.of(), ran, "nothing runs until the test says");
        assertEquals(3, t.runQueued());
        assertEquals(List.of("first", "the test's", "queued by the first"), ran);
        assertEquals(2, t.tasks.get());
    }
}
