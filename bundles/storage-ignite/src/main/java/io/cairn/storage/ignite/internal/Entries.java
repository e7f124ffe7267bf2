package io.cairn.storage.ignite.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** The byte formats of the ignite engine's caches (docs/storage.md, "What is stored"). */
final class Entries {
    private Entries() {}

    /** An entry of {@code kv} or {@code history}: {@code u64(batch) ‖ present ‖ value}; batch 0: absent. */
    static byte[] entry(long n, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(9 + (value == null ? 0 : value.length)).putLong(n);
        b.put((byte) (value == null ? 0 : 1));
        if (value != null) {
            b.put(value);
        }
        return b.array();
    }

    static long batchOf(byte[] entry) {
        return ByteBuffer.wrap(entry).getLong();
    }

    /** The entry's value, or null for a tombstone or an absent key. */
    static byte[] valueOf(byte[] entry) {
        return entry[8] == 0 ? null : Arrays.copyOfRange(entry, 9, entry.length);
    }

    static byte[] historyKey(byte[] key, long n) {
        return ByteBuffer.allocate(key.length + 8).put(key).putLong(n).array();
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(2 + 2 * Math.min(b.length, 32)).append("0x");
        for (int i = 0; i < Math.min(b.length, 32); i++) {
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return b.length > 32 ? s.append("...").toString() : s.toString();
    }
}
