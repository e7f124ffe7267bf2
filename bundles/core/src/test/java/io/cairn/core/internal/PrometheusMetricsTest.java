package io.cairn.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cairn.api.runtime.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest {

    private static String scrape(Metrics m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.scrape(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aCounterAskedForAgainIsTheSameCountSoAReplacedEngineKeepsCounting() throws IOException {
        Metrics m = new PrometheusMetrics(false);
        Metrics.Counter first = m.counter("consensus_view_changes", "views entered by view change");
        first.inc();
        first.inc(2);
        Metrics.Counter second = m.counter("consensus_view_changes", "views entered by view change");
        second.inc();
        assertEquals(4, second.value());
        assertEquals(4, first.value());
        assertTrue(scrape(m).contains("cairn_consensus_view_changes_total 4"), scrape(m));
    }

    @Test
    void labelledCountersAreSeparateSeries() throws IOException {
        Metrics m = new PrometheusMetrics(false);
        m.counter("txpool_rejected", "refused", "reason", "DUPLICATE").inc();
        m.counter("txpool_rejected", "refused", "reason", "POOL_FULL").inc(3);
        String text = scrape(m);
        assertTrue(text.contains("cairn_txpool_rejected_total{reason=\"DUPLICATE\"} 1"), text);
        assertTrue(text.contains("cairn_txpool_rejected_total{reason=\"POOL_FULL\"} 3"), text);
        assertThrows(IllegalArgumentException.class, () -> m.counter("txpool_rejected", "refused", "other", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.counter("Bad-Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.counter("odd_labels", "x", "reason"));
    }

    @Test
    void aGaugeReadsItsNewestReaderAndClosingAnOldOneLeavesTheNewOne() throws IOException {
        Metrics m = new PrometheusMetrics(false);
        Metrics.Gauge old = m.gauge("txpool_pending", "pending", () -> 5);
        Metrics.Gauge neu = m.gauge("txpool_pending", "pending", () -> 7);
        assertTrue(scrape(m).contains("cairn_txpool_pending 7.0"), scrape(m));
        old.close(); // the retired engine leaves after its successor registered
        assertTrue(scrape(m).contains("cairn_txpool_pending 7.0"), scrape(m));
        neu.close();
        assertFalse(scrape(m).contains("cairn_txpool_pending 7.0"), scrape(m));
    }

    @Test
    void aGaugeWhoseReaderFailsIsSkippedNotTheScrape() throws IOException {
        Metrics m = new PrometheusMetrics(false);
        m.gauge("leaving", "an engine mid-departure", () -> {
            throw new IllegalStateException("gone");
        });
        m.counter("still_here", "x").inc();
        assertTrue(scrape(m).contains("cairn_still_here_total 1"));
    }

    @Test
    void histogramsAndJvmMetricsAreExposed() throws IOException {
        Metrics m = new PrometheusMetrics(true);
        m.histogram("upgrade_pause_seconds", "pauses", "component", "txpool").observe(0.12);
        String text = scrape(m);
        assertTrue(text.contains("cairn_upgrade_pause_seconds_count{component=\"txpool\"} 1"), text);
        assertTrue(text.contains("jvm_memory_used_bytes{area=\"heap\"}"), text);
    }
}
