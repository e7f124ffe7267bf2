package io.cairn.ledger.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.Arrays;
import java.util.List;

/**
 * A chain taken from a snapshot into a store that holds block 0 alone (docs/snapshots.md): the head of a state
 * snapshot (its header alone: the store joined the chain there), or every block of a full one, written in order
 * before the last becomes the head. While blocks are written, {@code c I} holds the last one written and the
 * transactions counted so far ({@code u64 number | u64 transactions}); the head stays block 0 until the end.
 */
final class ChainImport {
    /** {@code c I}: the last block a full import wrote, and the transactions up to it; absent otherwise. */
    static final byte[] PROGRESS = io.cairn.api.storage.Keys.of(io.cairn.api.storage.Keys.CHAIN, new byte[] {'I'});

    private final Storage storage;
    private final CryptoSuite suite;
    private final ChainSpec chain;

    ChainImport(Storage storage, CryptoSuite suite, ChainSpec chain) {
        this.storage = storage;
        this.suite = suite;
        this.chain = chain;
    }

    static void requireNew(long head) {
        if (head != 0) {
            throw new IllegalStateException(head < 0 ? "the store holds no genesis block to join the chain of"
                    : "the store holds blocks 1.." + head + " already: a snapshot is imported into a new home");
        }
    }

    private void requireChain(BlockHeader header) {
        if (header.number() < 1 || header.chainId() != chain.chainId()) {
            throw new IllegalStateException("block " + header.number() + " of chain "
                    + Long.toUnsignedString(header.chainId()) + " cannot be the head of chain " + chain.chainIdText());
        }
    }

    /** Writes {@code blocks} (with their receipts) after the last one written, or from block 1 anew. */
    void blocks(List<Block> blocks, List<List<Receipt>> receipts) {
        WriteBatch batch = new WriteBatch();
        long[] written = put(batch, blocks, receipts, progress(), Long.MAX_VALUE, null, "blocks");
        if (!blocks.isEmpty()) {
            batch.put(PROGRESS, new Encoder(16).u64(written[0]).u64(written[1]).toByteArray());
            storage.write(batch);
        }
    }

    /**
     * Puts {@code blocks} into {@code batch} after the last one written ({@code progress}: {@code last, transactions})
     * or from block 1 anew, up to block {@code upTo}, each extending the one before; block {@code upTo} must hash to
     * {@code end} unless it is null. Returns the last block put and the transactions up to it.
     */
    private long[] put(WriteBatch batch, List<Block> blocks, List<List<Receipt>> receipts, long[] progress, long upTo,
            Hash end, String what) {
        if (blocks.size() != receipts.size()) {
            throw new IllegalArgumentException(blocks.size() + " blocks but " + receipts.size() + " receipt lists");
        }
        if (blocks.isEmpty()) {
            return progress;
        }
        boolean anew = blocks.get(0).number() == 1;
        long last = anew ? 0 : progress[0];
        long txs = anew ? 0 : progress[1];
        if (last >= upTo) {
            return new long[] {last, txs};
        }
        byte[] parentBytes = storage.get(ChainKeys.header(last));
        if (parentBytes == null) {
            throw new IllegalStateException("block " + blocks.get(0).number() + " does not follow the " + what
                    + " written so far (up to block " + last + ")");
        }
        Hash parent = suite.digest(parentBytes);
        for (int b = 0; b < blocks.size() && last < upTo; b++) {
            Block block = blocks.get(b);
            BlockHeader h = block.header();
            requireChain(h);
            if (h.number() != last + 1 || !h.parentHash().equals(parent)) {
                throw new IllegalStateException("block " + h.number() + " does not extend block " + last + " ("
                        + parent + ")");
            }
            byte[] headerBytes = h.encode();
            parent = suite.digest(headerBytes);
            if (h.number() == upTo && end != null && !parent.equals(end)) {
                throw new IllegalStateException("block " + upTo + " of the history has hash " + parent + ", the block "
                        + "this store joined the chain at has " + end);
            }
            txs += write(batch, block, receipts.get(b), headerBytes, parent);
            last = h.number();
        }
        return new long[] {last, txs};
    }

    /**
     * {@code c F}: the last block of a joined store's history written so far and the transactions up to it
     * ({@code u64 number | u64 transactions}); absent when no history import is under way.
     */
    static final byte[] HISTORY = io.cairn.api.storage.Keys.of(io.cairn.api.storage.Keys.CHAIN, new byte[] {'F'});

    /**
     * Writes blocks of the history of a store that joined the chain at block {@code joined} (whose hash is
     * {@code joinedHash}) after the last one written, or from block 1 anew; blocks after {@code joined} are skipped.
     * Once block {@code joined} is written the store holds the whole chain: the joined mark goes, and the total
     * transaction count becomes {@code total} plus the history's.
     *
     * @return the last block written so far
     */
    long history(List<Block> blocks, List<List<Receipt>> receipts, long joined, Hash joinedHash, long total) {
        WriteBatch batch = new WriteBatch();
        long[] written = put(batch, blocks, receipts, read(HISTORY), joined, joinedHash, "history");
        if (batch.ops().isEmpty()) {
            return written[0];
        }
        if (written[0] == joined) {
            batch.delete(HISTORY);
            batch.delete(ChainKeys.JOINED);
            batch.put(ChainKeys.TOTAL_TXS, ChainKeys.u64(total + written[1]));
        } else {
            batch.put(HISTORY, new Encoder(16).u64(written[0]).u64(written[1]).toByteArray());
        }
        storage.write(batch);
        return written[0];
    }

    /** Puts one block's header, body, hash index, and its transactions' locations and receipts; its transactions. */
    private int write(WriteBatch batch, Block block, List<Receipt> rs, byte[] headerBytes, Hash hash) {
        BlockHeader h = block.header();
        List<Envelope> list = block.transactions();
        if (rs.size() != list.size()) {
            throw new IllegalArgumentException("block " + h.number() + " has " + list.size() + " transactions but "
                    + rs.size() + " receipt entries");
        }
        batch.put(ChainKeys.header(h.number()), headerBytes);
        batch.put(ChainKeys.body(h.number()), body(list, block.seals()));
        batch.put(ChainKeys.blockNumber(hash), ChainKeys.u64(h.number()));
        for (int i = 0; i < list.size(); i++) {
            Receipt r = rs.get(i);
            if (r != null) {
                Hash txHash = suite.digest(list.get(i).payload());
                batch.put(ChainKeys.txLocation(txHash), ChainKeys.location(h.number(), i));
                batch.put(ChainKeys.receipt(txHash), r.encode());
            }
        }
        return list.size();
    }

    /** {@code u64 last | u64 transactions} of a full import under way, or {0, 0}. */
    private long[] progress() {
        return read(PROGRESS);
    }

    /** {@code u64 last | u64 transactions} under {@code key}, or {0, 0}. */
    private long[] read(byte[] key) {
        byte[] p = storage.get(key);
        if (p == null || p.length != 16) {
            return new long[] {0, 0};
        }
        return new long[] {ChainKeys.u64(Arrays.copyOf(p, 8), "imported block"),
                ChainKeys.u64(Arrays.copyOfRange(p, 8, 16), "imported transactions")};
    }

    /**
     * Makes {@code header} the head: with every block before it when {@link #blocks} wrote them up to it (a full
     * snapshot), else alone (the store joined the chain there).
     *
     * @return whether the store now holds the whole chain
     */
    boolean head(BlockHeader header) {
        requireChain(header);
        byte[] bytes = header.encode();
        Hash hash = suite.digest(bytes);
        long[] progress = progress();
        boolean whole = progress[0] == header.number() && Arrays.equals(storage.get(ChainKeys.header(header.number())),
                bytes);
        WriteBatch batch = new WriteBatch();
        if (whole) {
            batch.put(ChainKeys.TOTAL_TXS, ChainKeys.u64(progress[1]));
        } else {
            batch.put(ChainKeys.header(header.number()), bytes);
            batch.put(ChainKeys.blockNumber(hash), ChainKeys.u64(header.number()));
            batch.put(ChainKeys.JOINED, ChainKeys.u64(header.number()));
        }
        batch.delete(PROGRESS);
        batch.put(ChainKeys.HEAD, ChainKeys.u64(header.number()));
        storage.write(batch);
        return whole;
    }

    /** The block store's body encoding of transactions given as envelopes (their bytes as sent). */
    private static byte[] body(List<Envelope> txs, List<byte[]> seals) {
        int size = 8;
        for (Envelope t : txs) {
            size += 4 + t.encoded().length;
        }
        for (byte[] s : seals) {
            size += 4 + s.length;
        }
        Encoder out = new Encoder(size).u32(txs.size());
        txs.forEach(t -> out.bytes(t.encoded()));
        out.u32(seals.size());
        seals.forEach(out::bytes);
        return out.toByteArray();
    }
}
