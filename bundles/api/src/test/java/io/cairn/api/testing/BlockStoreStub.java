package io.cairn.api.testing;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.StateSnapshot;
import java.util.List;
import java.util.Optional;

/**
 * A block store that answers nothing: a test's fake extends it and overrides only what the code under test reads,
 * so that a call to anything else fails the test, naming the method, instead of answering made-up data. Always
 * ready.
 */
public abstract class BlockStoreStub implements BlockStore {
    private static UnsupportedOperationException unsupported(String method) {
        return new UnsupportedOperationException("BlockStore." + method + " is not in this test's fake");
    }

    @Override public long height() { throw unsupported("height"); }
    @Override public Optional<BlockHeader> header(long number) { throw unsupported("header"); }
    @Override public Optional<Hash> hash(long number) { throw unsupported("hash"); }
    @Override public Optional<Block> block(long number) { throw unsupported("block(number)"); }
    @Override public Optional<Block> block(Hash hash) { throw unsupported("block(hash)"); }
    @Override public Optional<Long> number(Hash blockHash) { throw unsupported("number"); }
    @Override public Optional<Located> transaction(Hash txHash) { throw unsupported("transaction"); }
    @Override public Optional<Receipt> receipt(Hash txHash) { throw unsupported("receipt"); }
    @Override public long totalTransactionCount() { throw unsupported("totalTransactionCount"); }
    @Override public Optional<Genesis> genesis() { throw unsupported("genesis"); }
    @Override public StateSnapshot state() { throw unsupported("state"); }
    @Override public Block commit(ExecutedBlock block, List<byte[]> seals) { throw unsupported("commit"); }
    @Override public Health health() { return Health.ready("test store"); }
}
