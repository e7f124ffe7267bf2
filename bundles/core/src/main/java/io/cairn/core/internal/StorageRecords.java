package io.cairn.core.internal;

import io.cairn.api.node.NotReadyException;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.NodeRecords;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Engine records in the node's metadata key space: {@code m <owner>/<name>} (docs/architecture.md, storage key
 * spaces). Owner and name are plain names; neither may contain {@code /}, so no owner reaches another's records.
 * While no storage engine is bound (one is being swapped), reads and writes fail with {@link NotReadyException}.
 */
@Component(service = NodeRecords.class, immediate = true)
public final class StorageRecords implements NodeRecords {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Storage storage;

    public StorageRecords() {
    }

    StorageRecords(Storage storage) {
        this.storage = storage;
    }

    static byte[] key(String owner, String name) {
        check(owner, "owner");
        check(name, "name");
        return Keys.of(Keys.META, owner + "/" + name);
    }

    private static void check(String s, String what) {
        if (s == null || s.isEmpty() || s.indexOf('/') >= 0) {
            throw new IllegalArgumentException("record " + what + " must be a non-empty name without '/': " + s);
        }
    }

    private Storage storage() {
        Storage s = storage;
        if (s == null) {
            throw new NotReadyException("no storage engine to keep records in");
        }
        return s;
    }

    @Override
    public byte[] get(String owner, String name) {
        return storage().get(key(owner, name));
    }

    @Override
    public void write(String owner, Map<String, byte[]> records) {
        WriteBatch batch = new WriteBatch();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] key = key(owner, r.getKey());
            if (r.getValue() == null) {
                batch.delete(key);
            } else {
                batch.put(key, r.getValue().clone());
            }
        }
        storage().write(batch);
    }
}
