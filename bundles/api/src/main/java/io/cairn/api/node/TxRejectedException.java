package io.cairn.api.node;

/** A transaction the node will not accept, with the reason in the chain's words. */
public class TxRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why; each reason has a stable JSON-RPC error code (docs/rpc.md). */
    public enum Reason {
        MALFORMED(-32010), BAD_SIGNATURE(-32011), WRONG_CHAIN(-32012), DUPLICATE(-32013), NONCE_REPLAYED(-32014),
        NONCE_TOO_HIGH(-32015), INSUFFICIENT_BALANCE(-32016), POOL_FULL(-32017), NOT_READY(-32018);

        public final int code;

        Reason(int code) {
            this.code = code;
        }
    }

    private final Reason reason;

    public TxRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
