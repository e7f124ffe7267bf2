package io.cairn.ledger.internal;

import com.github.luben.zstd.Zstd;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.MalformedDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One archive file of cold blocks (docs/operations.md, Archiving cold blocks): the bodies and receipts of the
 * consecutive blocks {@code first..last}, each block one zstd frame, found through an index at the end.
 *
 * <pre>
 * "CAIRNARC" | u32 format (1) | u64 first | u64 last
 * one zstd frame per block, first..last, whose content is
 *     u64 number | bytes body | u32 n | n x (u8 0 | u8 1 bytes receipt)
 * index: per block, u64 offset | u32 frame length | u32 content length
 * u64 index offset | "CAIRNEND"
 * </pre>
 *
 * The body is the block store's body encoding (the block's transactions and seals); receipt i is that of
 * transaction i when the block store keeps it under this block (a failed replay of an earlier transaction keeps
 * the earlier one's: {@code u8 0}). The file's SHA-256 is recorded in the store and checked when it is opened.
 */
final class ArchiveFile implements AutoCloseable {
    static final byte[] MAGIC = "CAIRNARC".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "CAIRNEND".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT = 1;
    static final int HEADER = 8 + 4 + 8 + 8;
    static final int ZSTD_LEVEL = 3;
    /** A file is closed once it holds this many blocks, or this much content. */
    static final int MAX_BLOCKS = 1024;
    static final long MAX_CONTENT = 16L << 20;

    /** One block's entry: its body and, per transaction, its receipt or null. */
    record Entry(long number, byte[] body, List<byte[]> receipts) {}

    private final FileChannel channel;
    private final long first;
    private final long last;
    private final long[] offsets;
    private final int[] lengths;
    private final int[] sizes;

    private ArchiveFile(FileChannel channel, long first, long last, long[] offsets, int[] lengths, int[] sizes) {
        this.channel = channel;
        this.first = first;
        this.last = last;
        this.offsets = offsets;
        this.lengths = lengths;
        this.sizes = sizes;
    }

    static String file(long first, long last) {
        return String.format("blocks-%012d-%012d.arc", first, last);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static byte[] encode(Entry e) {
        int size = 16 + e.body().length;
        for (byte[] r : e.receipts()) {
            size += 5 + (r == null ? 0 : r.length);
        }
        Encoder out = new Encoder(size).u64(e.number()).bytes(e.body()).u32(e.receipts().size());
        for (byte[] r : e.receipts()) {
            if (r == null) {
                out.u8(0);
            } else {
                out.u8(1).bytes(r);
            }
        }
        return out.toByteArray();
    }

    static Entry decode(byte[] content, long number) {
        Decoder d = new Decoder(content, "archived block " + number);
        long n = d.u64("number");
        if (n != number) {
            throw new MalformedDataException("the index points block " + number + " at the entry of block " + n);
        }
        byte[] body = d.bytes(Integer.MAX_VALUE, "body");
        int count = d.u32("receipt count");
        if (count < 0 || count > io.cairn.api.chain.Block.MAX_TRANSACTIONS) {
            throw new MalformedDataException("archived block " + number + ": receipt count " + count + " out of range");
        }
        List<byte[]> receipts = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
            receipts.add(d.u8("receipt " + i + " flag") == 0 ? null : d.bytes(1 << 20, "receipt " + i));
        }
        d.end();
        return new Entry(n, body, receipts);
    }

    /** Writes a file entry by entry; {@link #finish} writes the index and the header and fsyncs it. */
    static final class Writer implements AutoCloseable {
        private final FileChannel out;
        private final long first;
        private long next;
        private long position;
        private long content;
        private final List<long[]> index = new ArrayList<>();

        Writer(Path file, long first) throws IOException {
            this.out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.first = first;
            this.next = first;
            // the header names the last block too: written once the file is finished
            write(ByteBuffer.allocate(HEADER));
        }

        long next() {
            return next;
        }

        boolean full() {
            return next - first >= MAX_BLOCKS || content >= MAX_CONTENT;
        }

        void add(Entry e) throws IOException {
            if (e.number() != next) {
                throw new IllegalStateException("archive entry " + e.number() + " out of order, expected " + next);
            }
            byte[] raw = encode(e);
            byte[] packed = Zstd.compress(raw, ZSTD_LEVEL);
            index.add(new long[] {position, packed.length, raw.length});
            write(ByteBuffer.wrap(packed));
            content += raw.length;
            next++;
        }

        /** Completes the file (index, end, header) and fsyncs it; its hash is read back from the disk. */
        Sealed finish() throws IOException {
            long last = next - 1;
            ByteBuffer idx = ByteBuffer.allocate(index.size() * 16 + 16);
            for (long[] i : index) {
                idx.putLong(i[0]).putInt((int) i[1]).putInt((int) i[2]);
            }
            long indexAt = position;
            idx.putLong(indexAt).put(END).flip();
            write(idx);
            ByteBuffer head = ByteBuffer.allocate(HEADER).put(MAGIC).putInt(FORMAT).putLong(first).putLong(last).flip();
            while (head.hasRemaining()) {
                out.write(head, head.position());
                head.position(head.limit()); // a positional write does not move the buffer
            }
            out.force(true);
            return new Sealed(first, last, position, null);
        }

        private void write(ByteBuffer b) throws IOException {
            position += b.remaining();
            while (b.hasRemaining()) {
                out.write(b);
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** A finished file: its blocks, size and (once read back) hash. */
    record Sealed(long first, long last, long bytes, byte[] sha256) {}

    /** The SHA-256 of a file, read in full. */
    static byte[] hash(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (in.read(buf) >= 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
        }
        return sha.digest();
    }

    /**
     * Opens a file whose size and SHA-256 were recorded: checks both, then reads its header and index.
     *
     * @throws IOException with the reason, phrased for "which is not readable: ..."
     */
    static ArchiveFile open(Path file, long bytes, byte[] sha256) throws IOException {
        FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = in.size();
            if (size != bytes) {
                throw new IOException("it is " + size + " bytes, the archive record says " + bytes);
            }
            byte[] actual = hash(file);
            if (!Arrays.equals(actual, sha256)) {
                throw new IOException("its SHA-256 is " + hex(actual) + ", the archive record says " + hex(sha256));
            }
            ByteBuffer head = read(in, 0, HEADER);
            byte[] magic = new byte[8];
            head.get(magic);
            int format = head.getInt();
            if (!Arrays.equals(magic, MAGIC) || format != FORMAT) {
                throw new IOException("it is not an archive file of format " + FORMAT);
            }
            long first = head.getLong();
            long last = head.getLong();
            ByteBuffer tail = read(in, size - 16, 16);
            long indexAt = tail.getLong();
            long count = last - first + 1;
            if (count < 1 || count > MAX_BLOCKS || indexAt + count * 16 + 16 != size) {
                throw new IOException("its index does not fit the file");
            }
            ByteBuffer idx = read(in, indexAt, (int) count * 16);
            long[] offsets = new long[(int) count];
            int[] lengths = new int[(int) count];
            int[] sizes = new int[(int) count];
            for (int i = 0; i < count; i++) {
                offsets[i] = idx.getLong();
                lengths[i] = idx.getInt();
                sizes[i] = idx.getInt();
            }
            return new ArchiveFile(in, first, last, offsets, lengths, sizes);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    long first() {
        return first;
    }

    long last() {
        return last;
    }

    /** The entry of block {@code number}, which this file holds. */
    Entry entry(long number) throws IOException {
        if (number < first || number > last) {
            throw new IOException("it holds blocks " + first + ".." + last + ", not block " + number);
        }
        int i = (int) (number - first);
        ByteBuffer packed = read(channel, offsets[i], lengths[i]);
        byte[] raw;
        try {
            raw = Zstd.decompress(packed.array(), sizes[i]);
        } catch (RuntimeException e) {
            throw new IOException("block " + number + "'s entry does not decompress: " + e.getMessage(), e);
        }
        try {
            return decode(raw, number);
        } catch (MalformedDataException e) {
            throw new IOException("block " + number + "'s entry does not decode: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer read(FileChannel in, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (in.read(b, at + b.position()) < 0) {
                throw new IOException("it ends at byte " + (at + b.position()) + ", before what its index names");
            }
        }
        return b.flip();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
