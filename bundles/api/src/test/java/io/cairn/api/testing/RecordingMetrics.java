package io.cairn.api.testing;

import io.cairn.api.runtime.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * A metrics registry a test reads back, keeping the node registry's promises: the same counter for the same name
 * and labels (so counts survive an engine swap), a gauge registered again replaces the reader, and closing a
 * registration removes the gauge only while it is still the current reader. Readings name the labels as the
 * engine gave them, in pairs. {@link #scrape} writes each counter as {@code cairn_<name>[<labels>] <count>},
 * sorted; open to subclasses that make a scrape fail.
 */
public class RecordingMetrics implements Metrics {
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, List<Double>> observations = new ConcurrentHashMap<>();

    private static String key(String name, String... labels) {
        return name + Arrays.asList(labels);
    }

    /** The counter's count; 0 if the engine never asked for it. */
    public long count(String name, String... labels) {
        Counter c = counters.get(key(name, labels));
        return c == null ? 0 : c.value();
    }

    /** The gauge's reading now; NaN if no gauge of that name and labels is registered. */
    public double gauge(String name, String... labels) {
        DoubleSupplier g = gauges.get(key(name, labels));
        return g == null ? Double.NaN : g.getAsDouble();
    }

    /** What the histogram observed, in order; empty if the engine never asked for it. */
    public List<Double> observations(String name, String... labels) {
        List<Double> o = observations.get(key(name, labels));
        return o == null ? List.of() : List.copyOf(o);
    }

    @Override
    public Counter counter(String name, String help, String... labels) {
        // Metrics.NONE makes a fresh counter that counts; keeping it here makes it the one for these labels.
        return counters.computeIfAbsent(key(name, labels), k -> NONE.counter(name, help, labels));
    }

    @Override
    public Gauge gauge(String name, String help, DoubleSupplier value, String... labels) {
        String k = key(name, labels);
        gauges.put(k, value);
        return () -> gauges.remove(k, value);
    }

    @Override
    public Histogram histogram(String name, String help, String... labels) {
        return observations.computeIfAbsent(key(name, labels), k -> new CopyOnWriteArrayList<>())::add;
    }

    @Override
    public void scrape(OutputStream out) throws IOException {
        StringBuilder b = new StringBuilder("# a test registry\n");
        for (Map.Entry<String, Counter> e : new TreeMap<>(counters).entrySet()) {
            b.append("cairn_").append(e.getKey()).append(' ').append(e.getValue().value()).append('\n');
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }
}
