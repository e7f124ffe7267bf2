package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.runtime.Metrics;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The RPC server's counters: calls by method and errors by code. A method label is only ever a registered
 * method's name (anything else counts as {@value #UNKNOWN}), so a client cannot grow the label set.
 */
final class RpcMetrics {
    static final String UNKNOWN = "unknown";

    private final Metrics metrics;
    private final Map<String, Metrics.Counter> requests;
    private final Map<Integer, Metrics.Counter> errors = new ConcurrentHashMap<>();

    RpcMetrics(Metrics metrics, Set<String> methods) {
        this.metrics = metrics;
        Map<String, Metrics.Counter> m = new HashMap<>();
        for (String name : methods) {
            m.put(name, requestCounter(name));
        }
        m.put(UNKNOWN, requestCounter(UNKNOWN));
        this.requests = Map.copyOf(m);
    }

    private Metrics.Counter requestCounter(String method) {
        return metrics.counter("rpc_requests", "JSON-RPC calls received, batch entries each counted, by method",
                "method", method);
    }

    /** One call of {@code method}: a registered name, or anything else (null, unknown) as {@value #UNKNOWN}. */
    void request(String method) {
        Metrics.Counter c = method == null ? null : requests.get(method);
        (c == null ? requests.get(UNKNOWN) : c).inc();
    }

    /** One error answered (or owed to a notification) with this JSON-RPC code. */
    void error(int code) {
        // the codes are the fixed set of RpcException and TxRejectedException: the map stays small
        errors.computeIfAbsent(code, c -> metrics.counter("rpc_errors",
                "JSON-RPC errors, by code (docs/rpc.md, Errors)", "code", Integer.toString(c))).inc();
    }
}
