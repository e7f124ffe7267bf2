package io.cairn.api.node;

/**
 * A block was refused because it does not extend the current head: another engine (consensus, sync) committed
 * a block at that height first, or the block was built on an older head. The caller's block is stale; nothing
 * is wrong with the node.
 */
public class HeadMovedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long head;

    public HeadMovedException(long head, String message) {
        super(message);
        this.head = head;
    }

    /** The head's number when the block was refused. */
    public long head() {
        return head;
    }
}
