package io.cairn.consensus.pbft.internal;

/**
 * The engine's configuration (PID {@code io.cairn.consensus.pbft}), checked.
 *
 * @param blockTxs      the leader proposes as soon as this many transactions can run; also the most per block
 * @param intervalMs    ... or once the oldest waiting transaction has waited this long
 * @param viewTimeoutMs a view with work and no commit for this long is abandoned for the next
 * @param emptyBlocks   a block every intervalMs even with no transactions
 */
record Settings(int blockTxs, long intervalMs, long viewTimeoutMs, boolean emptyBlocks) {
    Settings {
        if (blockTxs < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: blockTxs must be at least 1, got " + blockTxs);
        }
        if (intervalMs < 1) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: intervalMs must be at least 1, got " + intervalMs);
        }
        if (viewTimeoutMs < 10) {
            throw new IllegalArgumentException("io.cairn.consensus.pbft: viewTimeoutMs must be at least 10, got "
                    + viewTimeoutMs);
        }
    }
}
