package io.cairn.ledger.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.node.BlockArchivedException;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which blocks' bodies and receipts are in archive files rather than the hot store, and reading them back. The
 * records live in the store ({@code c a u64(first)}, docs/architecture.md), one per archive file or part of one;
 * here they are an immutable map replaced whole, so a reader never sees one half-changed. Open files are cached,
 * and re-checked (size, SHA-256) whenever the file at the path is not the one opened: moved away, put back,
 * replaced.
 */
final class Archives {
    /** {@code u8 1 | u64 first | u64 last | u8 complete | bytes path | sha256[32] | u64 bytes}. */
    record Record(long first, long last, String path, byte[] sha256, long bytes, boolean complete) {
        byte[] encode() {
            return new Encoder(64 + path.length() * 3).u8(1).u64(first).u64(last).u8(complete ? 1 : 0)
                    .bytes(path.getBytes(StandardCharsets.UTF_8)).fixed(sha256).u64(bytes).toByteArray();
        }

        static Record decode(byte[] b) {
            Decoder d = new Decoder(b, "archive record");
            int version = d.u8("version");
            if (version != 1) {
                throw new io.cairn.api.chain.MalformedDataException("archive record: version " + version
                        + " is not one this block store reads (1)");
            }
            Record r = new Record(d.u64("first"), d.u64("last"), d.u8("complete") != 0,
                    new String(d.bytes(4096, "path"), StandardCharsets.UTF_8), d.fixed(32, "sha256"), d.u64("bytes"));
            d.end();
            return r;
        }

        private Record(long first, long last, boolean complete, String path, byte[] sha256, long bytes) {
            this(first, last, path, sha256, bytes, complete);
        }

        Record range(long from, long to) {
            return new Record(from, to, path, sha256, bytes, complete);
        }

        Record completed() {
            return new Record(first, last, path, sha256, bytes, true);
        }

        String blocks() {
            return first + ".." + last;
        }
    }

    static byte[] key(long first) {
        byte[] k = new byte[10];
        k[0] = Keys.CHAIN;
        k[1] = 'a';
        System.arraycopy(ChainKeys.u64(first), 0, k, 2, 8);
        return k;
    }

    static final byte[] PREFIX = {Keys.CHAIN, 'a'};

    private volatile NavigableMap<Long, Record> records = Collections.emptyNavigableMap();
    private final Map<String, Opened> open = new ConcurrentHashMap<>();

    private record Opened(ArchiveFile file, Object fileKey, long size, long modified) {}

    /** Reads the records of a storage just bound. */
    void load(Storage s) {
        TreeMap<Long, Record> m = new TreeMap<>();
        try (ReadView v = s.view()) {
            Iterator<ReadView.Entry> it = v.scan(PREFIX, Keys.prefixEnd(PREFIX));
            while (it.hasNext()) {
                Record r = Record.decode(it.next().value());
                m.put(r.first(), r);
            }
        }
        records = Collections.unmodifiableNavigableMap(m);
    }

    void clear() {
        records = Collections.emptyNavigableMap();
        closeAll();
    }

    NavigableMap<Long, Record> records() {
        return records;
    }

    /** Publishes records already written to storage (after the write, so a reader finds what storage holds). */
    synchronized void replace(Iterable<Record> removed, Iterable<Record> added) {
        TreeMap<Long, Record> m = new TreeMap<>(records);
        removed.forEach(r -> m.remove(r.first()));
        added.forEach(r -> m.put(r.first(), r));
        records = Collections.unmodifiableNavigableMap(m);
    }

    /** A block's body from the hot store, or from its archive file once it was moved there. */
    byte[] body(Storage s, long number) {
        byte[] body = s.get(ChainKeys.body(number));
        if (body != null) {
            return body;
        }
        Archives.Record r = find(number);
        if (r != null) {
            return entry(r, number).body();
        }
        // a restore may have written it back and dropped the record between the two reads
        return s.get(ChainKeys.body(number));
    }

    /** The receipt of an archived block's transaction: its block from the index, its receipt from the file. */
    byte[] receipt(Storage s, io.cairn.api.chain.Hash txHash) {
        byte[] loc = s.get(ChainKeys.txLocation(txHash));
        if (loc == null || loc.length != 12) {
            return null;
        }
        long number = ChainKeys.u64(java.util.Arrays.copyOf(loc, 8), "block number");
        int index = ((loc[8] & 0xff) << 24) | ((loc[9] & 0xff) << 16) | ((loc[10] & 0xff) << 8) | (loc[11] & 0xff);
        Archives.Record record = find(number);
        if (record == null) {
            return s.get(ChainKeys.receipt(txHash)); // restored meanwhile
        }
        java.util.List<byte[]> receipts = entry(record, number).receipts();
        return index >= 0 && index < receipts.size() ? receipts.get(index) : null;
    }

    /** The record holding block {@code n}, or null. */
    Record find(long n) {
        Map.Entry<Long, Record> e = records.floorEntry(n);
        return e == null || n > e.getValue().last() ? null : e.getValue();
    }

    /** The highest archived block, or -1. */
    long end() {
        return records.values().stream().mapToLong(Record::last).max().orElse(-1);
    }

    /** Block {@code n}'s entry from the file of record {@code r}; a clear error when it cannot be read. */
    ArchiveFile.Entry entry(Record r, long n) {
        try {
            return file(r).entry(n);
        } catch (IOException e) {
            throw unreadable(r, n, e);
        }
    }

    static BlockArchivedException unreadable(Record r, long n, IOException e) {
        String why = why(e);
        return new BlockArchivedException("block " + n + " is archived in " + r.path() + " (blocks " + r.blocks()
                + "), which is not readable: " + why, r.path(), r.first(), r.last());
    }

    static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "the file is missing";
        }
        return e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
    }

    /** Checks that the record's file reads: its size and SHA-256 are those recorded. */
    void check(Record r) throws IOException {
        file(r);
    }

    private ArchiveFile file(Record r) throws IOException {
        Path path = Path.of(r.path());
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        long modified = a.lastModifiedTime().toMillis();
        Opened o = open.get(r.path());
        if (o != null && Objects.equals(o.fileKey(), a.fileKey()) && o.size() == a.size() && o.modified() == modified) {
            return o.file();
        }
        synchronized (this) {
            o = open.get(r.path());
            if (o != null && Objects.equals(o.fileKey(), a.fileKey()) && o.size() == a.size()
                    && o.modified() == modified) {
                return o.file();
            }
            if (o != null) {
                open.remove(r.path());
                closeQuietly(o.file());
            }
            ArchiveFile f = ArchiveFile.open(path, r.bytes(), r.sha256());
            open.put(r.path(), new Opened(f, a.fileKey(), a.size(), modified));
            return f;
        }
    }

    synchronized void closeAll() {
        open.values().forEach(o -> closeQuietly(o.file()));
        open.clear();
    }

    private static void closeQuietly(ArchiveFile f) {
        try {
            f.close();
        } catch (IOException ignored) {
            // a read-only file: nothing to lose
        }
    }
}
