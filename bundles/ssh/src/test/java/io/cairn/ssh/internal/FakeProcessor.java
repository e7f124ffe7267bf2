package io.cairn.ssh.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.apache.felix.service.command.JobListener;

/**
 * A Gogo stand-in: {@code status} prints, {@code sum A B} returns a number, {@code put V} / {@code get}
 * use session state, {@code boom} throws, {@code hook} runs {@link #hook}. Counts open sessions so tests can see them closed.
 */
final class FakeProcessor implements CommandProcessor {
    final AtomicInteger open = new AtomicInteger();
    /** What {@code hook} runs, on the channel's thread. */
    volatile Runnable hook = () -> {};
    volatile Boolean interruptedInHook;

    @Override
    public CommandSession createSession(InputStream in, OutputStream out, OutputStream err) {
        open.incrementAndGet();
        PrintStream o = out instanceof PrintStream p ? p : new PrintStream(out, true, StandardCharsets.UTF_8);
        return new Session(o);
    }

    @Override
    public CommandSession createSession(CommandSession parent) {
        throw new UnsupportedOperationException();
    }

    private final class Session implements CommandSession {
        private final PrintStream out;
        private final Map<String, Object> vars = new HashMap<>();
        private boolean closed;

        Session(PrintStream out) {
            this.out = out;
        }

        @Override
        public Object execute(CharSequence line) throws Exception {
            List<String> words = List.of(line.toString().strip().split("\\s+"));
            switch (words.get(0)) {
                case "status" -> {
                    out.println("height 5");
                    return null;
                }
                case "sum" -> {
                    return Integer.parseInt(words.get(1)) + Integer.parseInt(words.get(2));
                }
                case "put" -> {
                    vars.put("v", words.get(1));
                    return null;
                }
                case "get" -> {
                    return vars.get("v");
                }
                case "boom" -> throw new IllegalStateException("boom broke");
                case "hook" -> {
                    hook.run();
                    interruptedInHook = Thread.currentThread().isInterrupted();
                    return "hook done";
                }
                default -> throw new IllegalArgumentException("Command not found: " + words.get(0));
            }
        }

        @Override
        public CharSequence format(Object target, int level) {
            return String.valueOf(target);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
            }
        }

        @Override public Path currentDir() { return Path.of(""); }
        @Override public void currentDir(Path path) {}
        @Override public ClassLoader classLoader() { return null; }
        @Override public void classLoader(ClassLoader loader) {}
        @Override public InputStream getKeyboard() { return InputStream.nullInputStream(); }
        @Override public PrintStream getConsole() { return out; }
        @Override public Object get(String name) { return vars.get(name); }
        @Override public Object put(String name, Object value) { return vars.put(name, value); }
        @Override public Object convert(Class<?> type, Object instance) { return instance; }
        @Override public List<Job> jobs() { return List.of(); }
        @Override public Job foregroundJob() { return null; }
        @Override public void setJobListener(JobListener listener) {}
    }
}
