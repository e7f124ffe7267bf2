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

    /** Engine name, e.g. {@code rocksdb} or {@code memory}. */
    String engine();
}
