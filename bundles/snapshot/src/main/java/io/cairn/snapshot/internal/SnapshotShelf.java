package io.cairn.snapshot.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The snapshots a node serves its peers: the whole ones under {@code <home>/snapshots/<height>} (a directory named
 * by its height, holding manifest.json: {@code cairn:snapshot create} makes them so, and a joined node keeps the one
 * it joined from), the newest first. Thread-safe.
 */
final class SnapshotShelf {
    private final Path root;
    private volatile Cached cached;

    private record Cached(long height, byte[] json, Manifest manifest, long modified) {}

    SnapshotShelf(Path root) {
        this.root = root;
    }

    /** The newest whole snapshot's height and manifest.json bytes, if there is one. */
    Optional<SnapshotMessage.ManifestOffer> newest() {
        long best = -1;
        if (Files.isDirectory(root)) {
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path d : (Iterable<Path>) dirs::iterator) {
                    String name = d.getFileName().toString();
                    if (name.matches("[0-9]{1,18}") && Files.isRegularFile(d.resolve(Manifest.FILE))) {
                        best = Math.max(best, Long.parseLong(name));
                    }
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        if (best < 0) {
            return Optional.empty();
        }
        return load(best).map(c -> new SnapshotMessage.ManifestOffer(c.height(), c.json()));
    }

    /**
     * Up to {@code length} bytes (at most {@link SnapshotMessage#MAX_PIECE}) of chunk {@code chunk} of the snapshot of
     * block {@code height} from {@code offset}; empty when it is not held here or the range is outside the chunk.
     * Chunks are numbered state chunks first, then block chunks: block chunk i is chunk (state chunks + i).
     */
    byte[] piece(long height, int chunk, long offset, int length) {
        Optional<Cached> c = load(height);
        if (c.isEmpty() || offset < 0 || length <= 0) {
            return new byte[0];
        }
        Manifest m = c.get().manifest();
        String name;
        long size;
        if (chunk >= 0 && chunk < m.chunks().size()) {
            name = m.chunks().get(chunk).file();
            size = m.chunks().get(chunk).bytes();
        } else if (chunk >= m.chunks().size() && chunk - m.chunks().size() < m.blocks().size()) {
            name = m.blocks().get(chunk - m.chunks().size()).file();
            size = m.blocks().get(chunk - m.chunks().size()).bytes();
        } else {
            return new byte[0];
        }
        if (offset >= size) {
            return new byte[0];
        }
        int n = (int) Math.min(Math.min(length, SnapshotMessage.MAX_PIECE), size - offset);
        Path file = root.resolve(Long.toString(height)).resolve(name);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(n);
            while (buf.hasRemaining()) {
                if (in.read(buf, offset + buf.position()) < 0) {
                    return new byte[0]; // shorter than its manifest says: not a whole snapshot
                }
            }
            return buf.array();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private Optional<Cached> load(long height) {
        Path file = root.resolve(Long.toString(height)).resolve(Manifest.FILE);
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            Cached c = cached;
            if (c != null && c.height() == height && c.modified() == modified) {
                return Optional.of(c);
            }
            byte[] json = Files.readAllBytes(file);
            Manifest m = Manifest.parse(json, file.toString());
            c = new Cached(height, json, m, modified);
            cached = c;
            return Optional.of(c);
        } catch (IOException | SnapshotRefused e) {
            return Optional.empty();
        }
    }
}
