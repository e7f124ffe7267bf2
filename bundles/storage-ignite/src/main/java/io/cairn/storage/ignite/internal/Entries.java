package io.cairn.storage.ignite.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** The most bytes of a batch's log record in one meta entry. */
    static final int LOG_PART = 1 << 20;

    /** The meta key of part {@code i} of batch {@code n}'s log record: {@code log:<n>}, then {@code log:<n>:<i>}. */
    static String logKey(long n, int i) {
        return i == 0 ? "log:" + n : "log:" + n + ":" + i;
    }

    /**
     * A batch's log record, in parts of at most {@link #LOG_PART} bytes: the first starts with {@code u32(parts)};
     * their concatenation is, per operation, {@code u32(key length) ‖ key ‖ present ‖ [u32(value length) ‖ value]}.
     */
    static List<byte[]> logParts(Map<ByteBuffer, byte[]> ops) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (Map.Entry<ByteBuffer, byte[]> e : ops.entrySet()) {
                out.writeInt(e.getKey().capacity());
                out.write(e.getKey().array());
                boolean present = e.getValue() != Pending.DELETED;
                out.writeByte(present ? 1 : 0);
                if (present) {
                    out.writeInt(e.getValue().length);
                    out.write(e.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] all = bytes.toByteArray();
        int parts = Math.max(1, (all.length + 4 + LOG_PART - 1) / LOG_PART);
        List<byte[]> out = new ArrayList<>(parts);
        int at = 0;
        for (int i = 0; i < parts; i++) {
            int room = i == 0 ? LOG_PART - 4 : LOG_PART;
            int len = Math.min(room, all.length - at);
            ByteBuffer b = ByteBuffer.allocate(len + (i == 0 ? 4 : 0));
            if (i == 0) {
                b.putInt(parts);
            }
            out.add(b.put(all, at, len).array());
            at += len;
        }
        return out;
    }

    /** The number of parts of a log record, from its first part. */
    static int logPartCount(byte[] first) {
        return ByteBuffer.wrap(first).getInt();
    }

    /** A batch's operations from its log record's parts, in order. */
    static Map<ByteBuffer, byte[]> logOps(List<byte[]> parts) {
        int size = -4;
        for (byte[] p : parts) {
            size += p.length;
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (int i = 0; i < parts.size(); i++) {
            all.put(parts.get(i), i == 0 ? 4 : 0, parts.get(i).length - (i == 0 ? 4 : 0));
        }
        all.flip();
        Map<ByteBuffer, byte[]> ops = new LinkedHashMap<>();
        while (all.hasRemaining()) {
            byte[] key = new byte[all.getInt()];
            all.get(key);
            byte[] value = Pending.DELETED;
            if (all.get() != 0) {
                value = new byte[all.getInt()];
                all.get(value);
            }
            ops.put(ByteBuffer.wrap(key), value);
        }
        return ops;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(2 + 2 * Math.min(b.length, 32)).append("0x");
        for (int i = 0; i < Math.min(b.length, 32); i++) {
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return b.length > 32 ? s.append("...").toString() : s.toString();
    }
}
