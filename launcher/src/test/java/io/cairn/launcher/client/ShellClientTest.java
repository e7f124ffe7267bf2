package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellClientTest {
    @TempDir
    Path tmp;

    @Test
    void sendsTheLineHalfClosesAndCopiesTheAnswerToEof() throws Exception {
        Path socket = tmp.resolve("shell.sock");
        try (FakeShellServer server = new FakeShellServer(socket)) {
            StringWriter out = new StringWriter();
            new ShellClient(socket).run("cairn:status", out);
            assertEquals("ran: cairn:status\ngrüße\n", out.toString());
            new ShellClient(socket).run("lb", new StringWriter());
            assertEquals(List.of("cairn:status\n", "lb\n"), server.requests);
        }
    }

    @Test
    void noServerIsAnIoError() {
        assertThrows(IOException.class, () -> new ShellClient(tmp.resolve("none.sock")).run("lb", new StringWriter()));
    }
}
