package io.cairn.api.node;

import io.cairn.api.chain.BlockHeader;

/** State as of a committed block, consistent for as long as it is open. */
public interface StateSnapshot extends StateView, AutoCloseable {
    /** The header of the block this state belongs to. */
    BlockHeader header();

    @Override
    void close();
}
