package io.cairn.rpc.jsonrpc.internal;

import java.util.Collection;
import java.util.TreeSet;

/** A JSON-RPC error answered to the client: a code (JSON-RPC 2.0 or docs/rpc.md) and a message naming the problem. */
public final class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    public static final int REQUEST_TOO_LARGE = -32001;
    public static final int NOT_READY = io.cairn.api.node.TxRejectedException.Reason.NOT_READY.code;
    /** A block before the one this node joined the chain at from a snapshot (docs/snapshots.md). */
    public static final int NOT_HELD = -32032;
    /** A block whose body and receipts are in an archive file that cannot be read now (docs/operations.md). */
    public static final int ARCHIVE_UNREADABLE = -32033;

    private final int code;

    public RpcException(int code, String message) {
        // Rejections are part of normal traffic (a bench can send thousands per second): no stack trace.
        super(message, null, false, false);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static RpcException invalidParams(String message) {
        return new RpcException(INVALID_PARAMS, message);
    }

    /**
     * The answer to a method nobody offers: names the node's own methods and, when a ledger model is bound, its
     * queries.
     */
    public static RpcException unknownMethod(String method, Collection<String> registered, String model,
            Collection<String> modelMethods) {
        StringBuilder m = new StringBuilder("unknown method '").append(Params.abbreviate(method))
                .append("': the node offers ").append(String.join(", ", new TreeSet<>(registered)));
        if (model != null) {
            m.append("; its ").append(model).append(" ledger model offers ")
                    .append(modelMethods.isEmpty() ? "none" : String.join(", ", new TreeSet<>(modelMethods)));
        }
        return new RpcException(METHOD_NOT_FOUND, m.toString());
    }

    public static RpcException notReady(String what) {
        return new RpcException(NOT_READY, "not ready: " + what);
    }
}
