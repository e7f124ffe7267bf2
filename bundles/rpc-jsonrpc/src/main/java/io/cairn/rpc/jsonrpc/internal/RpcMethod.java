package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;

/** One JSON-RPC method. Implementations are thread-safe: calls of one batch may run on several workers. */
@FunctionalInterface
public interface RpcMethod {
    /** Marks a call that may run in any order relative to the other calls of its batch. */
    int ANY_ORDER = Integer.MIN_VALUE;

    /**
     * Runs the call.
     *
     * @return the result (JSON null for a null result)
     * @throws RpcException for an error the client should see
     */
    JsonNode call(Params params);

    /**
     * Calls of a batch with the same key keep their relative order (for transactions: the sender, so that
     * its nonces arrive in order); calls with different keys may run in parallel.
     */
    default int orderingKey(JsonNode params) {
        return ANY_ORDER;
    }

    static RpcMethod ordered(RpcMethod method, java.util.function.ToIntFunction<JsonNode> key) {
        return new RpcMethod() {
            @Override
            public JsonNode call(Params params) {
                return method.call(params);
            }

            @Override
            public int orderingKey(JsonNode params) {
                return key.applyAsInt(params);
            }
        };
    }
}
