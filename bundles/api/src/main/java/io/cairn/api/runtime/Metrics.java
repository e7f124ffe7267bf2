package io.cairn.api.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.DoubleSupplier;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's metrics registry, exposed in Prometheus text format at {@code GET /metrics} on the RPC port.
 * It lives in the core bundle, so a counter an engine increments keeps counting when the engine is replaced:
 * asking again for the same name and labels returns the same counter. A gauge reads a value when scraped;
 * registering a gauge of the same name and labels again replaces the reader (the newest engine wins), and
 * closing a registration removes the gauge only if it still reads through it.
 *
 * <p>Names are Prometheus names without the {@code cairn_} prefix the registry adds (counters also get
 * {@code _total}); labels are given as name, value pairs. docs/metrics.md lists every family.
 */
@ProviderType
public interface Metrics {
    /** The content type of {@link #scrape}: Prometheus text exposition format 0.0.4. */
    String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    Counter counter(String name, String help, String... labels);

    Gauge gauge(String name, String help, DoubleSupplier value, String... labels);

    /** A distribution of observations (e.g. durations in seconds) with Prometheus' default buckets. */
    Histogram histogram(String name, String help, String... labels);

    /** Writes every metric in Prometheus text format. */
    void scrape(OutputStream out) throws IOException;

    /** A monotonically increasing count. */
    interface Counter {
        void inc();

        void inc(long n);

        long value();
    }

    /** A reading taken at each scrape; close it when the engine that reads it leaves. */
    interface Gauge extends AutoCloseable {
        @Override
        void close();
    }

    interface Histogram {
        void observe(double value);
    }

    /** Records nothing: for unit tests and tools outside a node. Counters still count, for tests that read them. */
    Metrics NONE = new Metrics() {
        @Override
        public Counter counter(String name, String help, String... labels) {
            java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
            return new Counter() {
                @Override
                public void inc() {
                    n.incrementAndGet();
                }

                @Override
                public void inc(long k) {
                    n.addAndGet(k);
                }

                @Override
                public long value() {
                    return n.get();
                }
            };
        }

        @Override
        public Gauge gauge(String name, String help, DoubleSupplier value, String... labels) {
            return () -> {};
        }

        @Override
        public Histogram histogram(String name, String help, String... labels) {
            return v -> {};
        }

        @Override
        public void scrape(OutputStream out) {
        }
    };
}
