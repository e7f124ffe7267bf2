package io.cairn.storage.ignite.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntriesTest {
    private static ByteBuffer k(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aLogRecordIsTheDocumentedBytes() {
        Map<ByteBuffer, byte[]> ops = new LinkedHashMap<>();
        ops.put(k("ab"), new byte[] {7});
        ops.put(k("c"), Pending.DELETED);
        List<byte[]> parts = Entries.logParts(ops);
        assertEquals(1, parts.size());
        // u32(parts) ‖ u32(2) 'a' 'b' present u32(1) 7 ‖ u32(1) 'c' absent
        assertArrayEquals(new byte[] {0, 0, 0, 1, 0, 0, 0, 2, 'a', 'b', 1, 0, 0, 0, 1, 7, 0, 0, 0, 1, 'c', 0},
                parts.get(0));
        Map<ByteBuffer, byte[]> back = Entries.logOps(parts);
        assertEquals(List.of(k("ab"), k("c")), new ArrayList<>(back.keySet()), "in order");
        assertArrayEquals(new byte[] {7}, back.get(k("ab")));
        assertSame(Pending.DELETED, back.get(k("c")));
        assertEquals("log:5", Entries.logKey(5, 0));
        assertEquals("log:5:2", Entries.logKey(5, 2));
    }

    @Test
    void recordsSplitIntoPartsOfAtMostOneMebibyteAtEveryBoundary() {
        // one op of key "k" is 4 + 1 + 1 + 4 + value bytes; with the 4-byte count the first part is full at
        // a value of LOG_PART - 14 bytes
        for (int value : new int[] {0, Entries.LOG_PART - 15, Entries.LOG_PART - 14, Entries.LOG_PART - 13,
                2 * Entries.LOG_PART - 14, 2 * Entries.LOG_PART}) {
            byte[] v = new byte[value];
            for (int i = 0; i < v.length; i++) {
                v[i] = (byte) (i * 31);
            }
            Map<ByteBuffer, byte[]> ops = new LinkedHashMap<>();
            ops.put(k("k"), v);
            List<byte[]> parts = Entries.logParts(ops);
            int total = 0;
            for (byte[] p : parts) {
                assertTrue(p.length <= Entries.LOG_PART, "a part of " + p.length + " bytes");
                total += p.length;
            }
            assertEquals(value + 14, total, "value " + value);
            assertEquals(parts.size(), Entries.logPartCount(parts.get(0)));
            assertEquals((value + 14 + Entries.LOG_PART - 1) / Entries.LOG_PART, parts.size(), "value " + value);
            assertArrayEquals(v, Entries.logOps(parts).get(k("k")), "value " + value);
        }
    }
}
