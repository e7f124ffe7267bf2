package io.cairn.api.node;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.storage.WriteBatch;
import java.util.List;

/** A block as executed but not yet committed: the header (with roots), receipts and state writes. */
public record ExecutedBlock(BlockHeader header, List<VerifiedTransaction> transactions, List<Receipt> receipts,
        WriteBatch stateWrites) {

    public ExecutedBlock {
        transactions = List.copyOf(transactions);
        receipts = List.copyOf(receipts);
    }

    public Block seal(List<byte[]> seals) {
        return new Block(header, transactions.stream().map(VerifiedTransaction::envelope).toList(), seals);
    }
}
