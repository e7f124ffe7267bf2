package io.cairn.storage.ignite.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class KeyFilterTest {
    private static byte[] key(String prefix, int i) {
        byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(p.length + 4).put(p).putInt(i).array();
    }

    @Test
    void everyKeyAddedIsHeldThroughGrowthAndFewOthersAre() {
        KeyFilter f = new KeyFilter(1024);
        assertTrue(f.mightContain(key("x", 1)), "until the start's keys are read, every key may be held");
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            f.add(key("tx", i));
        }
        f.complete();
        for (int i = 0; i < n; i++) {
            assertTrue(f.mightContain(key("tx", i)), "no false negative: key " + i);
        }
        int falsePositives = 0;
        for (int i = 0; i < n; i++) {
            if (f.mightContain(key("absent", i))) {
                falsePositives++;
            }
        }
        // 10 bits and 7 hashes a key: about 1% in the first segment, less in each later one
        assertTrue(falsePositives < n * 0.03, falsePositives + " false positives in " + n);
        assertFalse(f.bytes() > 6L * n * 10 / 8, "a few bytes a key: " + f.bytes() + " bytes for " + n + " keys");
    }
}
