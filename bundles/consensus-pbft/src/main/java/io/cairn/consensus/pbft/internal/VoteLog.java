package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Seals;
import io.cairn.api.node.NotReadyException;
import io.cairn.api.storage.NodeRecords;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this node has voted at the height in progress, written to the node's records BEFORE a vote leaves, so
 * that neither a crash nor an engine swap can make the node vote two ways at one (height, view). Kept as the
 * records {@code votes} (small record), {@code prepare-block} and {@code cert-block} (block bytes, only rewritten
 * when they change) of owner {@code pbft}: the storage keys {@code m pbft/votes}... of earlier versions, so a node
 * home keeps its votes. Every check re-reads the small record, so a second engine instance sees the votes of the
 * first. With no storage bound nothing is written and the vote must not leave ({@link Ballot#NO_STORAGE}).
 *
 * <p>Record: {@code u8 version | u64 height | u64 votedView+1 | u64 prepareView+1 | prepareHash[32] |
 * u64 certView+1 | certHash[32] | u32 k | k x prepare[128] | u64 commitView+1 | commitHash[32]}
 * (a view of -1 means none).
 */
final class VoteLog {
    static final String OWNER = "pbft";
    static final String VOTES = "votes";
    static final String PREPARE_BLOCK = "prepare-block";
    static final String CERT_BLOCK = "cert-block";
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

    /** Reads the log if the records hold a newer record than this copy. */
    void refresh(NodeRecords records) {
        byte[] rec = records.get(OWNER, VOTES);
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
                : records.get(OWNER, PREPARE_BLOCK);
        PreparedCert c = null;
        if (cv >= 0) {
            byte[] cb = ch.equals(ph) ? pb : records.get(OWNER, CERT_BLOCK);
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

    /** What became of a vote. */
    enum Ballot {
        /** Written: the vote may leave now. */
        WRITTEN,
        /** This node voted otherwise there (before a restart or swap, or another instance of this engine). */
        REFUSED,
        /** No storage now (an engine swap): nothing written, nothing may leave. */
        NO_STORAGE
    }

    /** Records a PREPARE (or, for the leader, a PRE-PREPARE) for {@code hash} at (h, v), if it keeps this node's word. */
    Ballot prepare(NodeRecords records, long h, long v, Hash hash, byte[] block) {
        try {
            refresh(records); // another instance of this engine (a blue/green swap) may have voted
            if (!mayPrepare(h, v, hash)) {
                return Ballot.REFUSED;
            }
            moveTo(h);
            boolean newBlock = !(prepareView >= 0 && prepareHash.equals(hash));
            Map<String, byte[]> batch = new LinkedHashMap<>();
            if (newBlock && cert != null && cert.hash().equals(prepareHash)) {
                batch.put(CERT_BLOCK, cert.block()); // the certificate's block is about to lose its slot
            }
            prepareView = v;
            prepareHash = hash;
            prepareBlock = block;
            if (newBlock) {
                batch.put(PREPARE_BLOCK, block);
            }
            write(records, batch);
            return Ballot.WRITTEN;
        } catch (NotReadyException e) {
            return Ballot.NO_STORAGE;
        }
    }

    /** Records a COMMIT at (h, v) for the block of {@code c}, a quorum's proof that it prepared, if it keeps this node's word. */
    Ballot commit(NodeRecords records, long h, long v, PreparedCert c) {
        try {
            refresh(records);
            if (!mayCommit(h, v, c.hash())) {
                return Ballot.REFUSED;
            }
            moveTo(h);
            Map<String, byte[]> batch = new LinkedHashMap<>();
            if (!c.hash().equals(prepareHash)) {
                batch.put(CERT_BLOCK, c.block());
            }
            if (cert == null || c.view() >= cert.view()) {
                cert = c;
            }
            commitView = v;
            commitHash = c.hash();
            write(records, batch);
            return Ballot.WRITTEN;
        } catch (NotReadyException e) {
            return Ballot.NO_STORAGE;
        }
    }

    /** Records a request for view {@code target} at height h: from then on this node takes no part in lower views. */
    Ballot viewChange(NodeRecords records, long h, long target) {
        try {
            refresh(records);
            if (!mayViewChange(h, target)) {
                return Ballot.REFUSED;
            }
            moveTo(h);
            votedView = Math.max(votedView, target);
            write(records, new LinkedHashMap<>());
            return Ballot.WRITTEN;
        } catch (NotReadyException e) {
            return Ballot.NO_STORAGE;
        }
    }

    /** The highest prepared certificate at height h, or null. */
    PreparedCert certAt(long h) {
        return height == h ? cert : null;
    }

    /**
     * Writes the record and the blocks in {@code batch} in one atomic write. If it fails, this copy forgets what
     * it was about to record (the records are what counts), so the next check reads them again.
     */
    private void write(NodeRecords records, Map<String, byte[]> batch) {
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
        batch.put(VOTES, rec);
        try {
            records.write(OWNER, batch);
        } catch (RuntimeException e2) {
            moveTo(-1);
            lastRecord = null;
            throw e2;
        }
        lastRecord = rec;
    }
}
