package io.cairn.launcher.client;

import java.io.IOException;
import java.io.Writer;

/**
 * A command's standard output on a terminal, where the node's progress lines (those that begin with a prefix, e.g.
 * {@code export: } of {@code cairn:snapshot create}) update one line in place: each is written after a {@code \r},
 * padded with spaces over what the one before showed, without a line break; any other line first ends the progress
 * line. Text written to the error stream through {@link #before(Writer)} ends it too, so an error starts on a line
 * of its own. Call {@link #finish()} once the command is done.
 */
public final class ProgressLine extends Writer {
    private final Writer out;
    private final String prefix;
    private final StringBuilder partial = new StringBuilder();
    /** The length of the progress line shown, 0 when none is open. */
    private int shown;

    public ProgressLine(Writer out, String prefix) {
        this.out = out;
        this.prefix = prefix;
    }

    @Override
    public synchronized void write(char[] c, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) {
            if (c[i] == '\n') {
                line(partial.toString());
                partial.setLength(0);
            } else {
                partial.append(c[i]);
            }
        }
    }

    private void line(String line) throws IOException {
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (l.startsWith(prefix)) {
            out.write("\r" + l + " ".repeat(Math.max(0, shown - l.length())));
            shown = Math.max(1, l.length());
        } else {
            end();
            out.write(l + "\n");
        }
        out.flush();
    }

    /** Ends the progress line shown, if any, so that what follows starts a line of its own. */
    public synchronized void end() throws IOException {
        if (shown > 0) {
            out.write("\n");
            shown = 0;
            out.flush();
        }
    }

    /** The command is done: what is left of an unfinished line is written, and the progress line ended. */
    public synchronized void finish() throws IOException {
        if (partial.length() > 0) {
            String rest = partial.toString();
            partial.setLength(0);
            end();
            out.write(rest);
        }
        end();
        out.flush();
    }

    /** {@code err}, which ends the progress line before it writes. */
    public Writer before(Writer err) {
        return new Writer() {
            @Override
            public void write(char[] c, int off, int len) throws IOException {
                if (len > 0) {
                    end();
                }
                err.write(c, off, len);
            }

            @Override
            public void flush() throws IOException {
                err.flush();
            }

            @Override
            public void close() throws IOException {
                err.close();
            }
        };
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
    }
}
