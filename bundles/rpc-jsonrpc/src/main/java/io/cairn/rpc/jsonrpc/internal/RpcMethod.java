package io.cairn.rpc.jsonrpc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/** One JSON-RPC method. Implementations are thread-safe: calls of one batch may run on several workers. */
@FunctionalInterface
public interface RpcMethod {
    /** The lane key of a call that may run in any order relative to the other calls of its batch. */
    int ANY_ORDER = Integer.MIN_VALUE;

    /**
     * Runs the call.
     *
     * @return the result (JSON null for a null result)
     * @throws RpcException for an error the client should see
     */
    JsonNode call(Params params);

    /**
     * Reads a call of a batch that is about to be split into parallel lanes: calls with the same key keep their
     * batch order (for transactions: one sender's, so that its nonces arrive in order), calls with different keys
     * may run in parallel. A method that reads its parameters here hands what it read to the call it returns, so
     * nothing is parsed twice. The default runs in any order.
     *
     * @throws RpcException if the parameters are invalid (the call then answers this error, in any lane)
     */
    default Prepared prepare(Params params) {
        return new Prepared(ANY_ORDER, () -> call(params));
    }

    /** A call ready to run: its lane key and the call itself (which may throw {@link RpcException}). */
    record Prepared(int key, Supplier<JsonNode> call) {}
}
