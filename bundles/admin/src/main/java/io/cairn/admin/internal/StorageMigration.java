package io.cairn.admin.internal;

import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Moves a node's whole chain from one storage engine to another (memory to RocksDB and back): every
 * key/value of one consistent view of the source, written to the target in batches, then checked entry by
 * entry against that same view. The caller keeps every writer away for the duration (the pipeline gate
 * closed, the txpool stopped), so the view is also the source's latest state.
 *
 * <p>A target that already holds data is refused unless it is an older copy of this very chain (same block 0,
 * e.g. the RocksDB directory a previous replacement left behind): that copy is cleared first, so no stale key
 * survives next to the migrated ones.
 */
final class StorageMigration {
    /** Entries per batch: large enough to amortise a RocksDB write, small enough to bound the memory held. */
    static final int BATCH = 10_000;
    static final byte[] HEAD = Keys.CHAIN_HEAD;
    /** The header of block 0, which names the chain. */
    static final byte[] GENESIS_HEADER = Keys.blockHeader(0);

    /** What a migration copied; {@code cleared} counts stale entries removed from the target first. */
    record Result(long entries, long bytes, long cleared, long millis, byte[] head) {
        String describe() {
            return "copied " + entries + " entries, " + bytes + " bytes, in " + millis + " ms"
                    + (head == null ? ", no chain head" : ", head block " + headNumber())
                    + (cleared > 0 ? ", after clearing " + cleared + " stale entries of an older copy" : "");
        }

        long headNumber() {
            if (head == null || head.length != 8) {
                return -1;
            }
            long v = 0;
            for (byte x : head) {
                v = (v << 8) | (x & 0xff);
            }
            return v;
        }
    }

    /** The migration stopped before the target was usable; the source is untouched. */
    static final class MigrationFailure extends Exception {
        private static final long serialVersionUID = 1L;

        MigrationFailure(String message) {
            super(message);
        }
    }

    private StorageMigration() {}

    static Result copy(Storage from, Storage to) throws MigrationFailure {
        if (from == to) {
            throw new IllegalArgumentException("cannot migrate a storage engine into itself");
        }
        long start = System.nanoTime();
        try (ReadView source = from.view()) {
            long cleared = clearOlderCopy(source, to, from.engine(), to.engine());
            long entries = 0;
            long bytes = 0;
            WriteBatch batch = new WriteBatch();
            for (Iterator<ReadView.Entry> it = source.scan(null, null); it.hasNext(); ) {
                ReadView.Entry e = it.next();
                batch.put(e.key(), e.value());
                entries++;
                bytes += e.key().length + e.value().length;
                if (batch.size() >= BATCH) {
                    to.write(batch);
                    batch = new WriteBatch();
                }
            }
            if (batch.size() > 0) {
                to.write(batch);
            }
            byte[] head = source.get(HEAD);
            check(source, to, entries, head);
            return new Result(entries, bytes, cleared, BlockGate.millis(System.nanoTime() - start), head);
        }
    }

    /** Every entry of the target equals the source's, in the same order, and nothing more; the heads agree. */
    private static void check(ReadView source, Storage to, long copied, byte[] head) throws MigrationFailure {
        long n = 0;
        try (ReadView target = to.view()) {
            Iterator<ReadView.Entry> a = source.scan(null, null);
            Iterator<ReadView.Entry> b = target.scan(null, null);
            while (a.hasNext() && b.hasNext()) {
                ReadView.Entry x = a.next();
                ReadView.Entry y = b.next();
                if (!Arrays.equals(x.key(), y.key()) || !Arrays.equals(x.value(), y.value())) {
                    throw new MigrationFailure("entry " + n + " differs after the copy: " + to.engine() + " has key "
                            + hex(y.key()) + ", " + "the source has " + hex(x.key())
                            + (Arrays.equals(x.key(), y.key()) ? " with another value" : ""));
                }
                n++;
            }
            if (a.hasNext() || b.hasNext() || n != copied) {
                throw new MigrationFailure("entry counts differ after the copy: copied " + copied + ", "
                        + (a.hasNext() ? "the source has more than " + n : to.engine() + " storage has "
                                + (b.hasNext() ? "more than " : "") + n));
            }
            byte[] targetHead = target.get(HEAD);
            if (!Arrays.equals(head, targetHead)) {
                throw new MigrationFailure("chain heads differ after the copy: the source has " + hex(head) + ", "
                        + to.engine() + " storage has " + hex(targetHead));
            }
        }
    }

    /**
     * Empties a target that holds an older copy of the source's chain; refuses any other non-empty target, whose
     * data is not ours to destroy.
     */
    private static long clearOlderCopy(ReadView source, Storage to, String fromEngine, String toEngine)
            throws MigrationFailure {
        List<byte[]> keys = new ArrayList<>();
        byte[] targetGenesis;
        try (ReadView target = to.view()) {
            Iterator<ReadView.Entry> it = target.scan(null, null);
            if (!it.hasNext()) {
                return 0;
            }
            targetGenesis = target.get(GENESIS_HEADER);
            byte[] sourceGenesis = source.get(GENESIS_HEADER);
            if (targetGenesis == null || !Arrays.equals(targetGenesis, sourceGenesis)) {
                throw new MigrationFailure("the new " + toEngine + " storage already holds data that is not an older "
                        + "copy of this chain (" + (targetGenesis == null ? "no block 0" : "another block 0")
                        + "); it was left untouched: move its data away and upgrade again");
            }
            while (it.hasNext()) {
                keys.add(it.next().key());
            }
        }
        WriteBatch batch = new WriteBatch();
        for (byte[] k : keys) {
            batch.delete(k);
            if (batch.size() >= BATCH) {
                to.write(batch);
                batch = new WriteBatch();
            }
        }
        if (batch.size() > 0) {
            to.write(batch);
        }
        System.getLogger(StorageMigration.class.getName()).log(System.Logger.Level.INFO, "cleared " + keys.size()
                + " entries of an older copy of the chain from " + toEngine + " storage before copying from "
                + fromEngine);
        return keys.size();
    }

    private static String hex(byte[] b) {
        if (b == null) {
            return "nothing";
        }
        String h = HexFormat.of().formatHex(b, 0, Math.min(b.length, 40));
        return "0x" + h + (b.length > 40 ? "..." : "");
    }
}
