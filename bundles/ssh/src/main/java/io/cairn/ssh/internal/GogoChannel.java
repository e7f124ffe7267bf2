package io.cairn.ssh.internal;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * One SSH channel running Gogo: an exec channel runs its command line once; a shell channel reads
 * lines and runs each in one session (variables persist) until {@code exit} or end of input.
 *
 * <p>With a pseudo-terminal (interactive {@code ssh}) the client's terminal is raw, so this side
 * echoes, handles backspace, ^C and ^D, and turns LF into CRLF. Without one (piped input, the
 * {@code cairn shell} client) it reads plain LF-terminated lines and writes output unchanged.
 */
final class GogoChannel implements Command {
    static final String PROMPT = "g! ";
    private static final int MAX_LINE = 64 * 1024;

    private final CommandProcessor processor;
    private final String command;
    private final ExecutorService executor;
    private final AtomicInteger running;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;

    /** {@code command} null: an interactive shell channel. */
    /** {@code running} counts the commands executing now, in every channel of the server. */
    GogoChannel(CommandProcessor processor, String command, ExecutorService executor, AtomicInteger running) {
        this.processor = processor;
        this.command = command;
        this.executor = executor;
        this.running = running;
    }

    @Override public void setInputStream(InputStream in) { this.in = in; }
    @Override public void setOutputStream(OutputStream out) { this.out = out; }
    @Override public void setErrorStream(OutputStream err) { this.err = err; }
    @Override public void setExitCallback(ExitCallback callback) { this.exit = callback; }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        boolean terminal = env.getEnv().containsKey(Environment.ENV_TERM) || !env.getPtyModes().isEmpty();
        try {
            executor.execute(() -> {
                int status;
                try {
                    status = command != null ? exec(command) : repl(terminal);
                } catch (RuntimeException | IOException e) {
                    status = 1; // the channel broke: nobody is left to tell
                }
                try {
                    exit.onExit(status);
                } catch (RuntimeException closed) {
                    // the channel is already gone
                }
            });
        } catch (RejectedExecutionException e) {
            throw new IOException("ssh: the shell is shutting down", e);
        }
    }

    private int exec(String line) throws IOException {
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        try (CommandSession s = processor.createSession(InputStream.nullInputStream(), o, e)) {
            return run(s, line, o, e, running) ? 0 : 1;
        } finally {
            o.flush();
            e.flush();
        }
    }

    private int repl(boolean terminal) throws IOException {
        OutputStream raw = terminal ? new CrLf(out) : out;
        PrintStream o = new PrintStream(raw, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(terminal ? new CrLf(err) : err, true, StandardCharsets.UTF_8);
        try (CommandSession s = processor.createSession(InputStream.nullInputStream(), o, e)) {
            LineReader lines = new LineReader(in, terminal ? raw : null);
            while (true) {
                o.print(PROMPT);
                o.flush();
                String line = lines.readLine();
                if (line == null || line.strip().equals("exit")) {
                    return 0;
                }
                if (!line.isBlank()) {
                    run(s, line, o, e, running);
                }
            }
        } catch (InterruptedIOException interrupted) {
            return 0; // destroyed: the session or the server is closing
        } finally {
            o.flush();
            e.flush();
        }
    }

    /** Prints the result or "Error: ..." on the error stream, as the Gogo console does. */
    private static boolean run(CommandSession s, String line, PrintStream o, PrintStream e, AtomicInteger running) {
        running.incrementAndGet();
        try {
            Object result = s.execute(line);
            if (result != null) {
                o.println(s.format(result, Converter.INSPECT));
            }
            return true;
        } catch (Exception x) {
            e.println("Error: " + (x.getMessage() == null ? x.toString() : x.getMessage()));
            return false;
        } finally {
            running.decrementAndGet();
        }
    }

    /**
     * The channel closed (client gone, or the server stopping). The shell loop sees end of input and
     * returns; a running command is left to finish, never interrupted: it may be an upgrade, and a
     * client hitting ^C must not abandon a bundle update halfway.
     */
    @Override
    public void destroy(ChannelSession channel) {
    }

    /** Reads one line; with an echo stream it also edits the line as a terminal in cooked mode would. */
    static final class LineReader {
        private final InputStream in;
        private final OutputStream echo;
        private boolean skipLf;

        LineReader(InputStream in, OutputStream echo) {
            this.in = in;
            this.echo = echo;
        }

        /** Null at end of input (or ^D on an empty line). */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                if (b == '\n' && skipLf) {
                    skipLf = false;
                    continue;
                }
                skipLf = b == '\r';
                if (b == '\r' || b == '\n') {
                    echo("\n");
                    return line.toString(StandardCharsets.UTF_8);
                }
                if (echo == null) {
                    if (line.size() >= MAX_LINE) {
                        throw new IOException("ssh: input line over " + MAX_LINE + " bytes");
                    }
                    line.write(b);
                    continue;
                }
                switch (b) {
                    case 0x04 -> { // ^D
                        if (line.size() == 0) {
                            echo("\n");
                            return null;
                        }
                    }
                    case 0x03 -> { // ^C drops the line
                        echo("^C\n");
                        return "";
                    }
                    case 0x7f, 0x08 -> {
                        if (line.size() > 0) {
                            byte[] bytes = line.toByteArray();
                            int end = bytes.length - 1;
                            while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
                                end--; // back to the first byte of a UTF-8 sequence
                            }
                            line.reset();
                            line.write(bytes, 0, end);
                            echo("\b \b");
                        }
                    }
                    case 0x1b -> skipEscape();
                    default -> {
                        if (b >= 0x20 && line.size() < MAX_LINE) {
                            line.write(b);
                            echo.write(b);
                            echo.flush();
                        }
                    }
                }
            }
        }

        /** Arrow keys and the like send ESC [ ... letter: no history or cursor motion here, so drop them. */
        private void skipEscape() throws IOException {
            int b = in.read();
            if (b != '[' && b != 'O') {
                return;
            }
            do {
                b = in.read();
            } while (b >= 0 && !(b >= 0x40 && b <= 0x7e));
        }

        private void echo(String s) throws IOException {
            if (echo != null) {
                echo.write(s.getBytes(StandardCharsets.UTF_8));
                echo.flush();
            }
        }
    }

    /** LF to CRLF for a terminal in raw mode. */
    static final class CrLf extends FilterOutputStream {
        private int last;

        CrLf(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (b == '\n' && last != '\r') {
                out.write('\r');
            }
            out.write(b);
            last = b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n' && (i > off ? b[i - 1] : last) != '\r') {
                    out.write(b, start, i - start);
                    out.write('\r');
                    start = i;
                }
            }
            out.write(b, start, off + len - start);
            if (len > 0) {
                last = b[off + len - 1];
            }
        }
    }
}
