package io.cairn.launcher.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** {@code <home>/cairn.pid}: the process id of the node running a home. */
public final class PidFile {
    private final Path file;

    public PidFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** The recorded pid, or empty when there is no (readable) pid file. */
    public OptionalLong read() {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The live node process named by the pid file. A pid the OS has reused for something that is not a
     * Java process running Cairn counts as dead, so a stale file never makes us signal a stranger.
     */
    public Optional<ProcessHandle> liveProcess() {
        OptionalLong pid = read();
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
        return p.filter(h -> h.info().commandLine().map(c -> c.contains("java") || c.contains("cairn")).orElse(true));
    }

    public void write(long pid) throws IOException {
        Files.writeString(file, pid + "\n", StandardCharsets.US_ASCII);
    }

    /** Removes the file if it still names {@code pid}, so a node never deletes its successor's file. */
    public void deleteIfOwnedBy(long pid) {
        if (read().orElse(-1) == pid) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the next start treats a dead pid as stale, so a leftover file is harmless
            }
        }
    }

    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
