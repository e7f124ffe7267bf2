package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Seals;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What this node has voted at the height in progress, written to storage BEFORE a vote leaves, so that
 * neither a crash nor an engine swap can make the node vote two ways at one (height, view). Kept under
 * {@code m pbft/votes} (small record), {@code m pbft/prepare-block} and {@code m pbft/cert-block}
 * (block bytes, only rewritten when they change). Every check re-reads the small record, so a second
 * engine instance (blue/green swap) sees the votes of the first.
 *
 * <p>Record: {@code u8 version | u64 height | u64 votedView+1 | u64 prepareView+1 | prepareHash[32] |
 * u64 certView+1 | certHash[32] | u32 k | k x prepare[128] | u64 commitView+1 | commitHash[32]}
 * (a view of -1 means none).
 */
final class VoteLog {
    static final byte[] VOTES = Keys.of(Keys.META, "pbft/votes");
    static final byte[] PREPARE_BLOCK = Keys.of(Keys.META, "pbft/prepare-block");
    static final byte[] CERT_BLOCK = Keys.of(Keys.META, "pbft/cert-block");
    private static final int VERSION = 1;

    long height = -1;
    /** The highest view this node asked to change to at {@link #height}: it takes no part in lower views. */
    long votedView = -1;
    long prepareView = -1;
    Hash prepareHash = Hash.ZERO;
    byte[] prepareBlock;
    PreparedCert cert;
    long commitView = -1;
    Hash commitHash = Hash.ZERO;

    private byte[] lastRecord;

    /** Reads the log if storage holds a newer record than this copy. */
    void refresh(Storage storage) {
        byte[] rec = storage.get(VOTES);
        if (rec == null || Arrays.equals(rec, lastRecord)) {
            return;
        }
        Decoder d = new Decoder(rec, "pbft vote log");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new MalformedDataException("pbft vote log: unsupported version " + version);
        }
        long h = d.u64("height");
        long voted = d.u64("votedView") - 1;
        long pv = d.u64("prepareView") - 1;
        Hash ph = Hash.of(d.fixed(32, "prepareHash"));
        long cv = d.u64("certView") - 1;
        Hash ch = Hash.of(d.fixed(32, "certHash"));
        int k = d.u32("prepare count");
        if (k < 0 || k > 1024) {
            throw new MalformedDataException("pbft vote log: prepare count " + k);
        }
        List<byte[]> prepares = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            prepares.add(d.fixed(Seals.SIZE, "prepare"));
        }
        long mv = d.u64("commitView") - 1;
        Hash mh = Hash.of(d.fixed(32, "commitHash"));
        d.end();
        byte[] pb = pv < 0 ? null
                : pv == prepareView && ph.equals(prepareHash) && prepareBlock != null ? prepareBlock
                : storage.get(PREPARE_BLOCK);
        PreparedCert c = null;
        if (cv >= 0) {
            byte[] cb = ch.equals(ph) ? pb : storage.get(CERT_BLOCK);
            if (cb == null) {
                throw new MalformedDataException("pbft vote log: the block of the prepared certificate is missing");
            }
            c = new PreparedCert(cv, ch, cb, prepares);
        }
        height = h;
        votedView = voted;
        prepareView = pv;
        prepareHash = ph;
        prepareBlock = pb;
        cert = c;
        commitView = mv;
        commitHash = mh;
        lastRecord = rec;
    }

    private void moveTo(long h) {
        if (height != h) {
            height = h;
            votedView = -1;
            prepareView = -1;
            prepareHash = Hash.ZERO;
            prepareBlock = null;
            cert = null;
            commitView = -1;
            commitHash = Hash.ZERO;
        }
    }

    /** Whether a PREPARE (or, for the leader, a PRE-PREPARE) for hash at (h, v) keeps this node's word. */
    boolean mayPrepare(long h, long v, Hash hash) {
        if (height != h) {
            return true;
        }
        if (v < votedView || v < prepareView) {
            return false;
        }
        return v != prepareView || prepareHash.equals(hash);
    }

    boolean mayCommit(long h, long v, Hash hash) {
        if (height != h) {
            return true;
        }
        if (v < votedView || v < commitView) {
            return false;
        }
        return v != commitView || commitHash.equals(hash);
    }

    boolean mayViewChange(long h, long target) {
        return height != h || target >= votedView;
    }

    void recordPrepare(Storage storage, long h, long v, Hash hash, byte[] block) {
        refresh(storage);
        if (!mayPrepare(h, v, hash)) {
            throw new IllegalStateException("pbft: refusing to prepare " + hash + " at height " + h + " view " + v
                    + ": this node already voted otherwise");
        }
        moveTo(h);
        boolean newBlock = !(prepareView >= 0 && prepareHash.equals(hash));
        WriteBatch batch = new WriteBatch();
        if (newBlock && cert != null && cert.hash().equals(prepareHash)) {
            batch.put(CERT_BLOCK, cert.block()); // the certificate's block is about to lose its slot
        }
        prepareView = v;
        prepareHash = hash;
        prepareBlock = block;
        if (newBlock) {
            batch.put(PREPARE_BLOCK, block);
        }
        write(storage, batch);
    }

    void recordCommit(Storage storage, long h, long v, PreparedCert c) {
        refresh(storage);
        if (!mayCommit(h, v, c.hash())) {
            throw new IllegalStateException("pbft: refusing to commit " + c.hash() + " at height " + h + " view " + v
                    + ": this node already voted otherwise");
        }
        moveTo(h);
        WriteBatch batch = new WriteBatch();
        if (!c.hash().equals(prepareHash)) {
            batch.put(CERT_BLOCK, c.block());
        }
        if (cert == null || c.view() >= cert.view()) {
            cert = c;
        }
        commitView = v;
        commitHash = c.hash();
        write(storage, batch);
    }

    void recordViewChange(Storage storage, long h, long target) {
        refresh(storage);
        if (!mayViewChange(h, target)) {
            throw new IllegalStateException("pbft: refusing to ask for view " + target + " at height " + h
                    + ": this node already asked for view " + votedView);
        }
        moveTo(h);
        votedView = Math.max(votedView, target);
        write(storage, new WriteBatch());
    }

    /** The highest prepared certificate at height h, or null. */
    PreparedCert certAt(long h) {
        return height == h ? cert : null;
    }

    private void write(Storage storage, WriteBatch batch) {
        PreparedCert c = cert;
        List<byte[]> prepares = c == null ? List.of() : c.prepares();
        Encoder e = new Encoder(200 + prepares.size() * Seals.SIZE).u8(VERSION).u64(height).u64(votedView + 1)
                .u64(prepareView + 1).fixed(prepareHash.toByteArray()).u64(c == null ? 0 : c.view() + 1)
                .fixed(c == null ? Hash.ZERO.toByteArray() : c.hash().toByteArray()).u32(prepares.size());
        for (byte[] p : prepares) {
            e.fixed(p);
        }
        e.u64(commitView + 1).fixed(commitHash.toByteArray());
        byte[] rec = e.toByteArray();
        storage.write(batch.put(VOTES, rec));
        lastRecord = rec;
    }
}
