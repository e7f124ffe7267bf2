package io.cairn.api.node;

/** A transaction the node will not accept, with the reason in the chain's words. */
public class TxRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why; each reason has a stable JSON-RPC error code (docs/rpc.md). Codes are never reused. */
    public enum Reason {
        MALFORMED(-32010), BAD_SIGNATURE(-32011), WRONG_CHAIN(-32012), DUPLICATE(-32013), NONCE_REPLAYED(-32014),
        NONCE_TOO_HIGH(-32015), INSUFFICIENT_BALANCE(-32016), POOL_FULL(-32017), NOT_READY(-32018),
        /** The envelope names another ledger model than the chain's. */
        WRONG_LEDGER(-32019),
        /** One public key signs twice in one envelope. */
        DUPLICATE_SIGNER(-32020),
        /** A key signs that the transaction does not need. */
        EXTRA_SIGNER(-32021),
        /** A key the transaction needs (a sender, a coin's owner) has not signed. */
        MISSING_SIGNER(-32022),
        /** An input names a coin that does not exist or is already spent. */
        UNKNOWN_INPUT(-32023),
        /** An input is a coin a pending transaction already spends (first seen wins). */
        DOUBLE_SPEND(-32024),
        /** The inputs add up to less than the outputs. */
        INPUTS_BELOW_OUTPUTS(-32025),
        /** A parent the transaction names (its account's previous transaction, a send it receives) does not exist. */
        UNKNOWN_PARENT(-32026),
        /** A parent exists but cannot be this transaction's: another account's transaction, a send to someone else. */
        WRONG_PARENT(-32027),
        /** Another transaction already follows the same previous transaction of the account: a fork. */
        FORK(-32028),
        /** The send is already received. */
        ALREADY_RECEIVED(-32029),
        /** A governance transaction signed by a key that is not one of the chain's sealers. */
        NOT_A_SEALER(-32030),
        /** A governance transaction the chain's upgrade rules refuse: its plan, height, component or vote. */
        PLAN_REFUSED(-32031),
        /** A range proof does not show that every output's hidden amount is in [0, 2^64) (private ledger). */
        BAD_RANGE_PROOF(-32034),
        /**
         * The kernel signature does not hold: the outputs and the fee do not take exactly what the inputs hold, or the
         * kernel was made for another transaction (private ledger).
         */
        BAD_KERNEL(-32035);

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
