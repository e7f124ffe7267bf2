package io.cairn.sync.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncMessageTest {
    private static final Hash H1 = Hash.of(Fakes.sha256(new byte[] {1}));
    private static final Hash H2 = Hash.of(Fakes.sha256(new byte[] {2}));

    @Test
    void roundTrips() {
        SyncMessage.Status s = new SyncMessage.Status(42, H1, H2);
        assertEquals(s, SyncMessage.decode(s.encode(), 1024));
        assertEquals(74, s.encode().length);
        SyncMessage.GetBlocks g = new SyncMessage.GetBlocks(7, 64);
        assertEquals(g, SyncMessage.decode(g.encode(), 1024));
        SyncMessage.Blocks b = (SyncMessage.Blocks) SyncMessage.decode(
                new SyncMessage.Blocks(9, List.of(new byte[] {1, 2}, new byte[0])).encode(), 1024);
        assertEquals(9, b.from());
        assertArrayEquals(new byte[] {1, 2}, b.blocks().get(0));
        assertEquals(0, b.blocks().get(1).length);
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        assertArrayEquals(new byte[] {1, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3}, new SyncMessage.GetBlocks(5, 3).encode());
        assertArrayEquals(new byte[] {1, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 1, 9},
                new SyncMessage.Blocks(5, List.of(new byte[] {9})).encode());
    }

    @Test
    void malformedMessagesSayWhatIsWrong() {
        assertMalformed(new byte[0], "truncated at version");
        assertMalformed(new byte[] {1, 9}, "unknown type 9");
        assertMalformed(new byte[] {1, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0}, "count 0");
        assertMalformed(new byte[] {1, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 7}, "trailing");
        assertMalformed(new byte[] {1, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0x7f, 0, 0, 0}, "block count");
        assertMalformed(new SyncMessage.Blocks(1, List.of(new byte[2048])).encode(), "exceeds the limit of 1024");
        assertThrows(SyncMessage.UnsupportedVersionException.class, () -> SyncMessage.decode(new byte[] {2, 1}, 1024));
    }

    private static void assertMalformed(byte[] payload, String part) {
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> SyncMessage.decode(payload, 1024));
        assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' should contain '" + part + "'");
    }
}
