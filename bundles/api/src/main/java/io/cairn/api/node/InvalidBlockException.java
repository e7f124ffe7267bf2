package io.cairn.api.node;

/**
 * A block (proposed, fetched or replayed) breaks a rule of the chain: the message says which. Whoever sent it
 * sent what no honest node sends, unless the rule depends on this node's own state (its head, its clock).
 */
public class InvalidBlockException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidBlockException(String message) {
        super(message);
    }

    public InvalidBlockException(String message, Throwable cause) {
        super(message, cause);
    }
}
