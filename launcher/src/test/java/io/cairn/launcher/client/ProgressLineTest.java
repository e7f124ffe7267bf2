package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * On a terminal, {@code ./cairn snapshot export} shows the node's progress lines as one line updated in place: each
 * after a {@code \r}, padded over the longer one before it; the result, or an error, starts a line of its own.
 */
class ProgressLineTest {
    final StringWriter screen = new StringWriter();
    final ProgressLine line = new ProgressLine(screen, "export: ");

    /** Bytes as the node's channel delivers them, in pieces that need not end at a line. */
    static void send(Writer to, String... pieces) throws Exception {
        OutputStream channel = new WriterOutputStream(to);
        for (String p : pieces) {
            channel.write(p.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void progressLinesUpdateOneLineAndTheResultStartsItsOwn() throws Exception {
        send(line, "export: entries 10 of ~40 (25%), 1.0 MB, 1.0 MB/s, 3 s left\nexport: entries 2",
                "0 of ~40 (50%), 2.0 MB, 1.0 MB/s, 2 s left\n", "export: entries 40, 4.0 MB, 1.3 MB/s\n",
                "snapshot of block 9 (0xab) written to /x: 40 entries\n");
        line.finish();
        assertEquals("\rexport: entries 10 of ~40 (25%), 1.0 MB, 1.0 MB/s, 3 s left"
                + "\rexport: entries 20 of ~40 (50%), 2.0 MB, 1.0 MB/s, 2 s left"
                + "\rexport: entries 40, 4.0 MB, 1.3 MB/s" + " ".repeat(23)
                + "\nsnapshot of block 9 (0xab) written to /x: 40 entries\n", screen.toString());
    }

    @Test
    void anErrorEndsTheProgressLineFirst() throws Exception {
        StringWriter errors = new StringWriter();
        send(line, "export: entries 5, 0.1 MB, 0.1 MB/s\n");
        send(line.before(errors), "Error: read view on RocksDB at /d is closed\n");
        line.finish();
        assertEquals("\rexport: entries 5, 0.1 MB, 0.1 MB/s\n", screen.toString());
        assertEquals("Error: read view on RocksDB at /d is closed\n", errors.toString());
    }

    @Test
    void withoutProgressLinesTheOutputIsUnchanged() throws Exception {
        send(line, "snapshot of block 1 (0x01) written", " to /x\nno newline at the end");
        line.finish();
        assertEquals("snapshot of block 1 (0x01) written to /x\nno newline at the end", screen.toString());
    }
}
