package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.runtime.Metrics;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The RPC server's counters: calls by method and errors by code. A method label is only ever a registered
 * method's name or the name of a method the ledger model offers (anything else counts as {@value #UNKNOWN}), so a
 * client cannot grow the label set.
 */
final class RpcMetrics {
    static final String UNKNOWN = "unknown";

    private final Metrics metrics;
    private final Map<String, Metrics.Counter> requests;
    /** The ledger models' methods that were called: a few names, those the models offer. */
    private final Map<String, Metrics.Counter> offered = new ConcurrentHashMap<>();
    private final Predicate<String> offers;
    private final Map<Integer, Metrics.Counter> errors = new ConcurrentHashMap<>();

    RpcMetrics(Metrics metrics, Set<String> methods) {
        this(metrics, methods, name -> false);
    }

    /** @param offers whether a name that is not registered is offered now (a ledger model's query) */
    RpcMetrics(Metrics metrics, Set<String> methods, Predicate<String> offers) {
        this.metrics = metrics;
        this.offers = offers;
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

    /**
     * One call of {@code method}: a registered name, a name the ledger model offers, or anything else (null,
     * unknown) as {@value #UNKNOWN}.
     */
    void request(String method) {
        Metrics.Counter c = method == null ? null : requests.get(method);
        if (c == null && method != null && offers.test(method)) {
            c = offered.computeIfAbsent(method, this::requestCounter);
        }
        (c == null ? requests.get(UNKNOWN) : c).inc();
    }

    /** One error answered (or owed to a notification) with this JSON-RPC code. */
    void error(int code) {
        // the codes are the fixed set of RpcException and TxRejectedException: the map stays small
        errors.computeIfAbsent(code, c -> metrics.counter("rpc_errors",
                "JSON-RPC errors, by code (docs/rpc.md, Errors)", "code", Integer.toString(c))).inc();
    }
}
