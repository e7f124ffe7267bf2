package io.cairn.api.node;

/**
 * What the transaction pool reports (getPoolStatus).
 *
 * @param size        transactions pending, runnable or waiting for a nonce gap
 * @param capacity    the most it holds
 * @param clientLimit clients are refused (POOL_FULL) at this many pending: admission control
 * @param commitRate  transactions per second the chain recently committed, as admission control sees it
 */
public record PoolStatus(int size, int capacity, int clientLimit, double commitRate) {}
