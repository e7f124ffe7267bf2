package io.cairn.network.netty.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectionLogTest {
    @Test
    void aPeerCannotWriteItsBytesIntoTheLog() {
        String flood = "ab".repeat(50_000);
        String reason = Connection.rootMessage(new RuntimeException(new IllegalStateException("not an SSL/TLS record: " + flood)));
        assertTrue(reason.length() < Connection.MAX_REASON + 40, reason.length() + " characters");
        assertTrue(reason.startsWith("IllegalStateException: not an SSL/TLS record: abab"), reason);
    }
}
