package io.cairn.api.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An ordered list of puts and deletes applied as one atomic write. Not thread-safe. */
public final class WriteBatch {
    private final List<Op> ops = new ArrayList<>();
    private long bytes;

    public WriteBatch put(byte[] key, byte[] value) {
        ops.add(new Op(key, value));
        bytes += key.length + value.length;
        return this;
    }

    public WriteBatch delete(byte[] key) {
        ops.add(new Op(key, null));
        bytes += key.length;
        return this;
    }

    public WriteBatch addAll(WriteBatch other) {
        ops.addAll(other.ops);
        bytes += other.bytes;
        return this;
    }

    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    public int size() {
        return ops.size();
    }

    public long byteSize() {
        return bytes;
    }

    /** A put, or a delete when {@code value} is null. */
    public record Op(byte[] key, byte[] value) {
        public boolean isDelete() {
            return value == null;
        }
    }
}
