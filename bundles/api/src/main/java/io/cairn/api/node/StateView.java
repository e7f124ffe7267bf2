package io.cairn.api.node;

import io.cairn.api.storage.ReadView;
import java.util.Iterator;

/** Read access to ledger state at one block. Keys are full storage keys in {@code Keys.STATE}. */
@FunctionalInterface
public interface StateView {
    byte[] get(byte[] key);

    /**
     * The entries with {@code from <= key < to}, in ascending unsigned order of their keys. The head's state a
     * ledger model is given for its queries and balances ({@link BlockStore#state()}) can be scanned; a view
     * that cannot (a model's apply and admission see point reads only) throws.
     *
     * @throws UnsupportedOperationException if this view cannot be scanned
     */
    default Iterator<ReadView.Entry> scan(byte[] from, byte[] to) {
        throw new UnsupportedOperationException("this state view cannot be scanned (only the head's state can)");
    }
}
