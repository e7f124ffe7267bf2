package io.cairn.core.internal;

import io.cairn.api.runtime.Metrics;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The node's metrics registry on the Prometheus Java client. Families are created on first use and kept for
 * the life of the node (this bundle is never swapped), so the counters an engine increments keep their counts
 * when the engine is replaced. JVM metrics (memory, GC, threads, ...) come from the client's instrumentation.
 */
@Component(service = Metrics.class, immediate = true)
public final class PrometheusMetrics implements Metrics {
    static final String PREFIX = "cairn_";

    /** Configuration given here, not read from system properties or a file on some class loader. */
    private final PrometheusProperties properties = PrometheusProperties.builder().build();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Map<String, Family<io.prometheus.metrics.core.metrics.Counter>> counters = new ConcurrentHashMap<>();
    private final Map<String, Family<io.prometheus.metrics.core.metrics.Histogram>> histograms = new ConcurrentHashMap<>();
    private final Map<String, GaugeFamily> gauges = new ConcurrentHashMap<>();

    private record Family<M>(List<String> labelNames, M metric) {}

    @Activate
    public PrometheusMetrics() {
        this(true);
    }

    PrometheusMetrics(boolean jvm) {
        if (jvm) {
            JvmMetrics.builder(properties).register(registry);
        }
    }

    @Override
    public Metrics.Counter counter(String name, String help, String... labels) {
        List<String> names = labelNames(name, labels);
        Family<io.prometheus.metrics.core.metrics.Counter> f = counters.computeIfAbsent(name, n -> {
            io.prometheus.metrics.core.metrics.Counter.Builder b = io.prometheus.metrics.core.metrics.Counter.builder(properties).name(PREFIX + n).help(help)
                    .labelNames(names.toArray(String[]::new));
            b.withoutExemplars();
            return new Family<>(names, b.register(registry));
        });
        checkSame(name, f.labelNames(), names);
        CounterDataPoint point = names.isEmpty() ? f.metric() : f.metric().labelValues(labelValues(labels));
        return new Metrics.Counter() {
            @Override
            public void inc() {
                point.inc();
            }

            @Override
            public void inc(long n) {
                point.inc(n);
            }

            @Override
            public long value() {
                return point.getLongValue();
            }
        };
    }

    @Override
    public Metrics.Histogram histogram(String name, String help, String... labels) {
        List<String> names = labelNames(name, labels);
        Family<io.prometheus.metrics.core.metrics.Histogram> f = histograms.computeIfAbsent(name, n -> {
            io.prometheus.metrics.core.metrics.Histogram.Builder b = io.prometheus.metrics.core.metrics.Histogram.builder(properties).name(PREFIX + n).help(help).classicOnly()
                    .labelNames(names.toArray(String[]::new));
            b.withoutExemplars();
            return new Family<>(names, b.register(registry));
        });
        checkSame(name, f.labelNames(), names);
        var point = names.isEmpty() ? f.metric() : f.metric().labelValues(labelValues(labels));
        return point::observe;
    }

    @Override
    public Metrics.Gauge gauge(String name, String help, DoubleSupplier value, String... labels) {
        List<String> names = labelNames(name, labels);
        GaugeFamily f = gauges.computeIfAbsent(name, n -> new GaugeFamily(n, help, names));
        checkSame(name, f.labelNames, names);
        List<String> values = List.of(labelValues(labels));
        f.readers.put(values, value);
        return () -> f.readers.remove(values, value);
    }

    @Override
    public void scrape(OutputStream out) throws IOException {
        writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    }

    /** A gauge family whose readers are replaced as engines come and go. */
    private final class GaugeFamily {
        final List<String> labelNames;
        final Map<List<String>, DoubleSupplier> readers = new ConcurrentHashMap<>();

        GaugeFamily(String name, String help, List<String> labelNames) {
            this.labelNames = labelNames;
            GaugeWithCallback.builder(properties).name(PREFIX + name).help(help).labelNames(labelNames.toArray(String[]::new))
                    .callback(cb -> readers.forEach((values, reader) -> {
                        double v;
                        try {
                            v = reader.getAsDouble();
                        } catch (RuntimeException | LinkageError departing) {
                            return; // an engine leaving mid-scrape: its reading is skipped
                        }
                        cb.call(v, values.toArray(String[]::new));
                    })).register(registry);
        }
    }

    private static List<String> labelNames(String name, String[] labels) {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("metric name must be lower-case letters, digits and _: " + name);
        }
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("metric " + name + ": labels come in name, value pairs: "
                    + Arrays.toString(labels));
        }
        String[] names = new String[labels.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = labels[2 * i];
        }
        return List.of(names);
    }

    private static String[] labelValues(String[] labels) {
        String[] values = new String[labels.length / 2];
        for (int i = 0; i < values.length; i++) {
            values[i] = labels[2 * i + 1];
        }
        return values;
    }

    private static void checkSame(String name, List<String> had, List<String> asked) {
        if (!had.equals(asked)) {
            throw new IllegalArgumentException("metric " + name + " has labels " + had + ", not " + asked);
        }
    }
}
