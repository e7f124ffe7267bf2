package io.cairn.launcher.client;

/** A JSON-RPC error object returned by the node: the call reached it and was refused. */
public final class RpcException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long code;

    public RpcException(long code, String message) {
        super(message);
        this.code = code;
    }

    public long code() {
        return code;
    }

    @Override
    public String toString() {
        return "RPC error " + code + ": " + getMessage();
    }
}
