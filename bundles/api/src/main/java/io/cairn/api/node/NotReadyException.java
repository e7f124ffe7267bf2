package io.cairn.api.node;

/**
 * A component cannot do its work now because something it needs is absent (a swapped engine, no storage, no
 * genesis block yet). Nothing was done; trying again once it is ready is safe.
 */
public class NotReadyException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NotReadyException(String message) {
        super(message);
    }
}
