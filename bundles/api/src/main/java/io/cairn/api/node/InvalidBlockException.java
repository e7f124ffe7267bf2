package io.cairn.api.node;

import java.util.OptionalInt;

/**
 * A block (proposed, fetched or replayed) breaks a rule of the chain: the message says which. Whoever sent it
 * sent what no honest node sends, unless the rule depends on this node's own state (its head, its clock).
 */
public class InvalidBlockException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int transaction;

    public InvalidBlockException(String message) {
        this(message, -1);
    }

    public InvalidBlockException(String message, Throwable cause) {
        super(message, cause);
        this.transaction = -1;
    }

    /**
     * A block refused for one of its transactions, which no block may hold (the ledger model's rule).
     *
     * @param transaction the transaction's index in the block
     */
    public InvalidBlockException(String message, int transaction) {
        super(message);
        this.transaction = transaction;
    }

    /** The index in the block of the transaction that makes it invalid, if one does. */
    public OptionalInt transaction() {
        return transaction < 0 ? OptionalInt.empty() : OptionalInt.of(transaction);
    }
}
