package io.cairn.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class BenchWhyTest {
    @Test
    void anExceptionWithoutAMessageIsNamedByItsKindNeverNull() {
        assertEquals("ConnectException", Bench.why(new ConnectException()));
        assertEquals("node answered 500", Bench.why(new IOException("node answered 500")));
        assertEquals("send failed (ConnectException)", Bench.why(new IOException("send failed", new ConnectException())));
        assertEquals("IOException (connection refused)",
                Bench.why(new IOException(null, new ConnectException("connection refused"))));
    }
}
