package io.cairn.api.storage;

import java.util.Iterator;
import org.osgi.annotation.versioning.ProviderType;

/** A consistent snapshot: later writes are invisible to it. */
@ProviderType
public interface ReadView extends AutoCloseable {
    byte[] get(byte[] key);

    /**
     * Entries with {@code from <= key < to} in ascending unsigned order ({@code to == null}: no upper
     * bound). The iterator must be consumed or the view closed.
     */
    Iterator<Entry> scan(byte[] from, byte[] to);

    @Override
    void close();

    record Entry(byte[] key, byte[] value) {}
}
