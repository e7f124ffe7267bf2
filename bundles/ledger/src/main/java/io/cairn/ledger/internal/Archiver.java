package io.cairn.ledger.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockArchivedException;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Moves cold blocks' bodies and receipts into archive files and back (docs/operations.md, Archiving cold blocks),
 * while the node goes on committing blocks. One file at a time: it is written and fsynced, its record is written
 * to the store, and only then are its blocks deleted from the hot store, in batches; so at every moment each block
 * is readable from one or the other, and a crash leaves no block in neither. Headers, hashes and the transaction
 * index are never touched.
 */
final class Archiver {
    private static final System.Logger LOG = System.getLogger(Archiver.class.getName());
    /** One archive or restore at a time, per JVM: they work on the same records. */
    private static final ReentrantLock BUSY = new ReentrantLock();
    static final String MANIFEST = "manifest.json";
    private static final int BATCH_OPS = 4096;
    private static final long BATCH_BYTES = 4L << 20;

    private final LedgerBlockStore store;
    private final Storage storage;
    private final CryptoSuite suite;
    private final Archives archives;
    private final int margin;

    Archiver(LedgerBlockStore store, Storage storage, CryptoSuite suite, Archives archives, int margin) {
        this.store = store;
        this.storage = storage;
        this.suite = suite;
        this.archives = archives;
        this.margin = margin;
    }

    private static void lock() {
        if (!BUSY.tryLock()) {
            throw new IllegalStateException("an archive or restore is running on this node already: run it again "
                    + "once that has finished");
        }
    }

    /** Archives the bodies and receipts of every block below {@code below} not archived yet into {@code dir}. */
    String create(long below, Path dir) throws IOException {
        lock();
        try {
            finishInterrupted();
            long head = store.height();
            if (head < 0) {
                throw new IllegalArgumentException("the chain has no blocks yet: nothing to archive");
            }
            if (below > head - margin) {
                throw new IllegalArgumentException("cannot archive below block " + below + ": the head is block "
                        + head + " and the " + margin + " blocks before it stay in the hot store (archiveMargin), so "
                        + (head - margin >= 2 ? "BELOW may be at most " + (head - margin)
                                : "nothing can be archived before the head passes block " + (margin + 1)));
            }
            if (below < 2) {
                throw new IllegalArgumentException("BELOW must be 2 or more: block 0, the genesis block, stays in the "
                        + "hot store");
            }
            long end = archives.end();
            if (end >= 1 && below <= end + 1) {
                throw new IllegalArgumentException("blocks below " + below + " are archived already (blocks up to "
                        + end + " are, cairn:archives): BELOW must be above " + (end + 1));
            }
            long joined = store.joinedBlock();
            if (joined > 0 && below <= joined + 1) {
                throw new IllegalArgumentException("this node joined the chain at block " + joined + " from a snapshot "
                        + "and holds no bodies of blocks 1.." + joined + ": BELOW must be above " + (joined + 1));
            }
            checkDirectory(dir);
            long first = Math.max(1, Math.max(end + 1, joined + 1));
            Files.createDirectories(dir);
            List<Archives.Record> written = new ArrayList<>();
            long txs = 0;
            long bytes = 0;
            for (long n = first; n < below; ) {
                Hot hot = new Hot();
                Archives.Record r = writeFile(dir, n, below, hot);
                storage.write(new WriteBatch().put(Archives.key(r.first()), r.encode()));
                archives.replace(List.of(), List.of(r)); // from here the block's readers find it in the file
                txs += hot.delete(r.first(), r.last());
                Archives.Record done = r.completed();
                storage.write(new WriteBatch().put(Archives.key(done.first()), done.encode()));
                archives.replace(List.of(r), List.of(done));
                written.add(done);
                writeManifest(dir, written);
                bytes += r.bytes();
                n = r.last() + 1;
            }
            compact(first, below);
            String msg = "archived blocks " + first + ".." + (below - 1) + " (" + txs + " transactions) into " + dir
                    + ": " + written.size() + (written.size() == 1 ? " file, " : " files, ") + bytes + " bytes; their "
                    + "bodies and receipts were deleted from the hot store, which was compacted (headers, hashes and "
                    + "the transaction index stay)";
            LOG.log(Level.INFO, msg);
            return msg;
        } finally {
            BUSY.unlock();
        }
    }

    private static void checkDirectory(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("DIR " + dir + " exists and is not a directory: archives are written "
                    + "into a new or empty directory");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("DIR " + dir + " exists and is not empty: archives are written "
                            + "into a new or empty directory");
                }
            }
        }
    }

    /**
     * What an archive file's blocks hold in the hot store, gathered as the file is written, so that deleting them
     * reads and hashes nothing again (hashing every transaction was most of an archive's time, and it was done twice).
     */
    private final class Hot {
        private final List<byte[]> receipts = new ArrayList<>();
        private long transactions;

        /** Deletes the bodies of blocks from..to and the receipts gathered, in batches; the transactions. */
        long delete(long from, long to) {
            WriteBatch batch = new WriteBatch();
            for (byte[] key : receipts) {
                batch = add(batch, b -> b.delete(key));
            }
            for (long n = from; n <= to; n++) {
                long block = n;
                batch = add(batch, b -> b.delete(ChainKeys.body(block)));
            }
            storage.write(batch);
            return transactions;
        }

        private WriteBatch add(WriteBatch batch, java.util.function.Consumer<WriteBatch> op) {
            op.accept(batch);
            if (batch.size() >= BATCH_OPS) {
                storage.write(batch);
                return new WriteBatch();
            }
            return batch;
        }
    }

    /**
     * Writes blocks from {@code first} (before {@code below}) into one new file of {@code dir}; its record. What the
     * blocks hold in the hot store goes to {@code hot}.
     */
    private Archives.Record writeFile(Path dir, long first, long below, Hot hot) throws IOException {
        Path tmp = dir.resolve(".blocks-" + first + ".writing");
        ArchiveFile.Sealed sealed;
        try (ArchiveFile.Writer w = new ArchiveFile.Writer(tmp, first)) {
            while (w.next() < below && !w.full()) {
                w.add(entry(w.next(), hot));
            }
            sealed = w.finish();
        }
        Path file = dir.resolve(ArchiveFile.file(sealed.first(), sealed.last()));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
        byte[] sha = ArchiveFile.hash(file); // read back from the disk: what later reads will be checked against
        return new Archives.Record(sealed.first(), sealed.last(), file.toAbsolutePath().toString(), sha,
                sealed.bytes(), false);
    }

    /** Block {@code n}'s body and the receipts kept under it, from the hot store; their keys go to {@code hot}. */
    private ArchiveFile.Entry entry(long n, Hot hot) {
        byte[] body = storage.get(ChainKeys.body(n));
        if (body == null) {
            throw new IllegalStateException("block " + n + " has no body in the hot store: the archive stopped "
                    + "there (the blocks before it that were archived stay archived)");
        }
        List<Envelope> txs = BlockBody.decode(body, n).transactions();
        List<byte[]> receipts = new ArrayList<>(txs.size());
        for (int i = 0; i < txs.size(); i++) {
            Hash h = suite.digest(txs.get(i).payload());
            if (ownReceipt(h, n, i)) {
                byte[] key = ChainKeys.receipt(h);
                receipts.add(storage.get(key));
                hot.receipts.add(key);
            } else {
                receipts.add(null);
            }
        }
        hot.transactions += txs.size();
        return new ArchiveFile.Entry(n, body, receipts);
    }

    /** Whether the receipt stored under {@code txHash} is that of transaction i of block n (not of an earlier one). */
    private boolean ownReceipt(Hash txHash, long n, int i) {
        return Arrays.equals(storage.get(ChainKeys.txLocation(txHash)), ChainKeys.location(n, i));
    }

    /**
     * Deletes the bodies and own receipts of blocks from..to from the hot store, in batches, reading and hashing the
     * bodies to find the receipts (after a crash, when nothing gathered them); the transactions.
     */
    private long deleteHot(long from, long to) {
        WriteBatch batch = new WriteBatch();
        long txs = 0;
        for (long n = from; n <= to; n++) {
            byte[] body = storage.get(ChainKeys.body(n));
            if (body == null) {
                continue; // deleted before an interruption
            }
            List<Envelope> list = BlockBody.decode(body, n).transactions();
            for (int i = 0; i < list.size(); i++) {
                Hash h = suite.digest(list.get(i).payload());
                if (ownReceipt(h, n, i)) {
                    batch.delete(ChainKeys.receipt(h));
                }
            }
            txs += list.size();
            batch.delete(ChainKeys.body(n));
            if (batch.size() >= BATCH_OPS) {
                storage.write(batch);
                batch = new WriteBatch();
            }
        }
        storage.write(batch);
        return txs;
    }

    /** An archive stopped between its record and the end of its deletions (a crash): the deletions are finished. */
    private void finishInterrupted() {
        for (Archives.Record r : List.copyOf(archives.records().values())) {
            if (!r.complete()) {
                LOG.log(Level.INFO, "finishing the archive of blocks {0} in {1}: deleting them from the hot store",
                        r.blocks(), r.path());
                deleteHot(r.first(), r.last());
                Archives.Record done = r.completed();
                storage.write(new WriteBatch().put(Archives.key(done.first()), done.encode()));
                archives.replace(List.of(r), List.of(done));
            }
        }
    }

    private void compact(long first, long below) {
        storage.compact(ChainKeys.body(first), ChainKeys.body(below));
        byte[] receipts = {Keys.CHAIN, 'r'};
        storage.compact(receipts, Keys.prefixEnd(receipts));
    }

    /** {@code manifest.json}: the files of this directory, for people and tools (the node reads its records). */
    private void writeManifest(Path dir, List<Archives.Record> files) throws IOException {
        StringBuilder j = new StringBuilder("{\n  \"format\": 1,\n  \"kind\": \"blocks\",\n");
        var spec = store.spec();
        if (spec.isPresent()) {
            j.append("  \"chainId\": \"").append(spec.get().chainIdText()).append("\",\n");
        }
        store.hash(0).ifPresent(g -> j.append("  \"genesisHash\": \"").append(g).append("\",\n"));
        j.append("  \"files\": [");
        for (int i = 0; i < files.size(); i++) {
            Archives.Record r = files.get(i);
            j.append(i == 0 ? "\n" : ",\n").append("    {\"file\": \"").append(Path.of(r.path()).getFileName())
                    .append("\", \"first\": ").append(r.first()).append(", \"last\": ").append(r.last())
                    .append(", \"bytes\": ").append(r.bytes()).append(", \"sha256\": \"")
                    .append(ArchiveFile.hex(r.sha256())).append("\"}");
        }
        j.append("\n  ]\n}\n");
        Path tmp = dir.resolve("." + MANIFEST + ".writing");
        Files.writeString(tmp, j, StandardCharsets.UTF_8);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the files themselves were
        }
    }

    /**
     * Writes the bodies and receipts of blocks from..to back into the hot store from their archive files, each block
     * checked against its header first, then drops the records of that range. {@code from < 0}: every archived block.
     */
    String restore(long from, long to) {
        lock();
        try {
            List<Archives.Record> all = List.copyOf(archives.records().values());
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no blocks are archived on this node: nothing to restore");
            }
            String blocks = from + ".." + to;
            if (from < 0) { // every archived block, gaps and all
                blocks = ranges(all);
                from = all.get(0).first();
                to = archives.end();
            }
            if (from > to) {
                throw new IllegalArgumentException("FROM " + from + " is after TO " + to);
            }
            long next = from;
            for (Archives.Record r : all) {
                if (r.last() >= next && r.first() <= next) {
                    next = r.last() + 1;
                }
            }
            if (next <= to && !blocks.equals(ranges(all))) {
                throw new IllegalArgumentException("blocks " + from + ".." + to + " are not all archived: the archived "
                        + "blocks are " + ranges(all) + " (cairn:archives)");
            }
            long txs = 0;
            List<String> paths = new ArrayList<>();
            for (Archives.Record r : all) {
                if (r.last() < from || r.first() > to) {
                    continue;
                }
                long lo = Math.max(from, r.first());
                long hi = Math.min(to, r.last());
                try {
                    archives.check(r);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot restore: " + Archives.unreadable(r, lo, e).getMessage());
                }
                txs += writeBack(r, lo, hi);
                WriteBatch records = new WriteBatch().delete(Archives.key(r.first()));
                List<Archives.Record> left = new ArrayList<>();
                if (lo > r.first()) {
                    left.add(r.range(r.first(), lo - 1));
                }
                if (hi < r.last()) {
                    left.add(r.range(hi + 1, r.last()));
                }
                left.forEach(x -> records.put(Archives.key(x.first()), x.encode()));
                storage.write(records);
                archives.replace(List.of(r), left);
                if (!paths.contains(r.path())) {
                    paths.add(r.path());
                }
            }
            String msg = "restored blocks " + blocks + " (" + txs + " transactions) into the hot store from "
                    + String.join(", ", paths) + "; the archive files stay where they are";
            LOG.log(Level.INFO, msg);
            return msg;
        } finally {
            BUSY.unlock();
        }
    }

    private long writeBack(Archives.Record r, long lo, long hi) {
        WriteBatch batch = new WriteBatch();
        long txs = 0;
        for (long n = lo; n <= hi; n++) {
            ArchiveFile.Entry e;
            try {
                e = archives.entry(r, n);
            } catch (BlockArchivedException unreadable) {
                storage.write(batch);
                throw new IllegalArgumentException("cannot restore: " + unreadable.getMessage());
            }
            List<Hash> hashes;
            try {
                hashes = check(r, e);
            } catch (IllegalArgumentException mismatch) {
                storage.write(batch); // the blocks before it were good: they are served from the hot store
                throw mismatch;
            }
            batch.put(ChainKeys.body(n), e.body());
            for (int i = 0; i < hashes.size(); i++) {
                if (e.receipts().get(i) != null) {
                    batch.put(ChainKeys.receipt(hashes.get(i)), e.receipts().get(i));
                }
            }
            txs += hashes.size();
            if (batch.size() >= BATCH_OPS || batch.byteSize() >= BATCH_BYTES) {
                storage.write(batch);
                batch = new WriteBatch();
            }
        }
        storage.write(batch);
        return txs;
    }

    /** The block's transactions against its header (count, transaction root) and its receipts against them. */
    private List<Hash> check(Archives.Record r, ArchiveFile.Entry e) {
        long n = e.number();
        BlockHeader h = store.header(n).orElseThrow(() -> new IllegalStateException("block " + n
                + " has no header in the hot store"));
        String wrong = null;
        List<Hash> hashes = new ArrayList<>();
        try {
            List<Envelope> txs = BlockBody.decode(e.body(), n).transactions();
            txs.forEach(t -> hashes.add(suite.digest(t.payload())));
            if (txs.size() != h.txCount()) {
                wrong = "its header counts " + h.txCount() + " transactions, the archive holds " + txs.size();
            } else if (!MerkleRoot.of(hashes, suite::hash).equals(h.txRoot())) {
                wrong = "its transactions do not give its header's transaction root";
            } else if (e.receipts().size() != txs.size()) {
                wrong = "it has " + txs.size() + " transactions and " + e.receipts().size() + " receipt entries";
            } else {
                for (int i = 0; i < txs.size() && wrong == null; i++) {
                    byte[] rb = e.receipts().get(i);
                    if (rb != null) {
                        Receipt rc = Receipt.decode(rb);
                        if (!rc.txHash().equals(hashes.get(i)) || rc.blockNumber() != n) {
                            wrong = "receipt " + i + " is not that of transaction " + i;
                        }
                    }
                }
            }
        } catch (MalformedDataException bad) {
            wrong = bad.getMessage();
        }
        if (wrong != null) {
            throw new IllegalArgumentException("cannot restore: block " + n + " in " + r.path()
                    + " does not match its header: " + wrong + "; the blocks before it were written back, it and the "
                    + "blocks after it stay archived");
        }
        return hashes;
    }

    static String ranges(List<Archives.Record> records) {
        List<String> out = new ArrayList<>();
        long a = -1;
        long b = -1;
        for (Archives.Record r : records) {
            if (a >= 0 && r.first() == b + 1) {
                b = r.last();
                continue;
            }
            if (a >= 0) {
                out.add(a + ".." + b);
            }
            a = r.first();
            b = r.last();
        }
        if (a >= 0) {
            out.add(a + ".." + b);
        }
        return String.join(", ", out);
    }

    /** {@code cairn:archives}: each record, whether its file reads. */
    String list() {
        List<Archives.Record> all = List.copyOf(archives.records().values());
        if (all.isEmpty()) {
            return "no blocks are archived on this node";
        }
        StringBuilder out = new StringBuilder();
        for (Archives.Record r : all) {
            String state;
            try {
                archives.check(r);
                state = r.complete() ? "readable" : "readable (its blocks are still being deleted from the hot store)";
            } catch (IOException e) {
                state = "NOT READABLE: " + Archives.why(e);
            }
            out.append("blocks ").append(r.blocks()).append(" in ").append(r.path()).append(", ").append(r.bytes())
                    .append(" bytes, sha256 ").append(ArchiveFile.hex(r.sha256())).append(": ").append(state)
                    .append('\n');
        }
        return out.append("archived blocks: ").append(ranges(all)).toString();
    }
}
