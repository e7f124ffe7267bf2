package io.cairn.api.storage;

import io.cairn.api.node.Component;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The storage component: an ordered key-value store with atomic batches and consistent read views.
 * Keys compare as unsigned bytes. All durable node state lives here.
 */
@ProviderType
public interface Storage extends Component {
    /** The value of {@code key} in the latest committed state, or null. */
    byte[] get(byte[] key);

    /** Applies every put and delete of the batch atomically and durably (write-ahead logged). */
    void write(WriteBatch batch);

    /** A consistent view of the committed state at this moment; close it when done. */
    ReadView view();

    /**
     * Asks the engine to reclaim the space of deleted entries with {@code from <= key < to} now, rather than
     * whenever it would have (block archiving deletes a range of cold blocks and wants the store to shrink). Reads
     * and writes go on meanwhile; an engine that holds nothing on disk does nothing. Returns when done.
     */
    default void compact(byte[] from, byte[] to) {}

    /** Engine name, e.g. {@code rocksdb} or {@code memory}. */
    String engine();
}
