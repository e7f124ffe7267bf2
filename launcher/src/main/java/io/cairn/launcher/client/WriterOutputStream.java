package io.cairn.launcher.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 bytes from the node's channel into the command's Writer, flushed after every write so that
 * long listings show while they arrive. A character split across two writes is kept until complete.
 */
public final class WriterOutputStream extends OutputStream {
    private final Writer out;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer pending = ByteBuffer.allocate(8192);
    private final CharBuffer chars = CharBuffer.allocate(8192);

    public WriterOutputStream(Writer out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, pending.remaining());
            pending.put(b, off, n);
            off += n;
            len -= n;
            pending.flip();
            while (true) {
                boolean overflow = decoder.decode(pending, chars, false).isOverflow();
                chars.flip();
                out.write(chars.array(), 0, chars.limit());
                chars.clear();
                if (!overflow) {
                    break;
                }
            }
            pending.compact();
        }
        out.flush();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }
}
