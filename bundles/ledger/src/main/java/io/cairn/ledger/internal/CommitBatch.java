package io.cairn.ledger.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one storage batch that commits an executed block on top of the head (docs/architecture.md, Pipeline): its
 * state writes (checked to stay in the state and governance key spaces), header, body, hash index, its
 * transactions' locations and receipts (a failed replay of a committed transaction keeps the original's), the new
 * head and the transaction count.
 */
final class CommitBatch {
    private CommitBatch() {}

    /** The batch, the block's hash and seals, its transactions' hashes, and the transactions counted up to it. */
    record Built(WriteBatch batch, Hash hash, List<byte[]> seals, List<Hash> txHashes, long total) {}

    /**
     * Builds the batch of {@code executed}, sealed by {@code seals}, after a head that counts {@code headTotal}
     * transactions; {@code s} answers whether a failed transaction replays one already committed.
     *
     * @throws IllegalArgumentException when the block's receipts or counts do not match its transactions, or a
     *     state write falls outside the state key spaces
     */
    static Built build(ExecutedBlock executed, List<byte[]> seals, long headTotal, Storage s, CryptoSuite c) {
        BlockHeader h = executed.header();
        List<VerifiedTransaction> txs = executed.transactions();
        List<Receipt> receipts = executed.receipts();
        if (receipts.size() != txs.size()) {
            throw new IllegalArgumentException("block " + h.number() + " has " + txs.size() + " transactions but "
                    + receipts.size() + " receipts");
        }
        if (h.txCount() != txs.size()) {
            throw new IllegalArgumentException("block " + h.number() + " header counts " + h.txCount()
                    + " transactions but the block has " + txs.size());
        }
        List<byte[]> sealList = List.copyOf(seals);

        byte[] headerBytes = h.encode();
        Hash hash = c.digest(headerBytes);
        WriteBatch batch = new WriteBatch();
        WriteBatch state = executed.stateWrites();
        if (state != null) {
            for (WriteBatch.Op op : state.ops()) {
                // state: the ledger model's entries and the chain's governance (upgrade plans)
                if (op.key().length == 0 || op.key()[0] != Keys.STATE && op.key()[0] != Keys.GOVERNANCE) {
                    throw new IllegalArgumentException("block " + h.number()
                            + ": a state write falls outside the state key spaces (it would overwrite chain data)");
                }
            }
            batch.addAll(state);
        }
        batch.put(ChainKeys.header(h.number()), headerBytes);
        batch.put(ChainKeys.body(h.number()), BlockBody.encode(txs, sealList));
        batch.put(ChainKeys.blockNumber(hash), ChainKeys.u64(h.number()));
        List<Hash> txHashes = new ArrayList<>(txs.size());
        Set<Hash> inBlock = null;
        for (int i = 0; i < txs.size(); i++) {
            Hash txHash = txs.get(i).hash();
            txHashes.add(txHash);
            Receipt r = receipts.get(i);
            // A failed transaction may be a replay of one already committed (same payload, same hash): keep
            // the original's location and receipt. Only failures can be replays, so successes cost no lookup.
            if (r.status() != Receipt.Status.SUCCESS) {
                if (inBlock == null) {
                    inBlock = new HashSet<>(txHashes.subList(0, i));
                }
                if (inBlock.contains(txHash) || s.get(ChainKeys.txLocation(txHash)) != null) {
                    continue;
                }
            }
            if (inBlock != null) {
                inBlock.add(txHash);
            }
            batch.put(ChainKeys.txLocation(txHash), ChainKeys.location(h.number(), i));
            batch.put(ChainKeys.receipt(txHash), r.encode());
        }
        long total = headTotal + txs.size();
        batch.put(ChainKeys.HEAD, ChainKeys.u64(h.number()));
        batch.put(ChainKeys.TOTAL_TXS, ChainKeys.u64(total));
        return new Built(batch, hash, sealList, txHashes, total);
    }
}
