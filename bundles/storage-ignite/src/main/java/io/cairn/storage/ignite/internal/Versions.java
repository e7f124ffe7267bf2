package io.cairn.storage.ignite.internal;

import io.cairn.api.node.NotReadyException;
import java.util.TreeMap;

/**
 * The batch numbers of a store: the last one committed (in the log), the last one applied to {@code kv}, and the
 * batches that open read views are pinned at. Waiters are woken whenever one of them changes.
 */
final class Versions {
    private final TreeMap<Long, Integer> pins = new TreeMap<>();
    private volatile long committed;
    private volatile long applied;

    Versions(long applied, long committed) {
        this.applied = applied;
        this.committed = committed;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    synchronized void committed(long n) {
        committed = n;
        notifyAll();
    }

    synchronized void applied(long n) {
        applied = n;
        notifyAll();
    }

    /** Pins a new view at the last committed batch. */
    synchronized long pin() {
        long at = committed;
        pins.merge(at, 1, Integer::sum);
        return at;
    }

    synchronized void unpin(long at) {
        pins.computeIfPresent(at, (v, n) -> n == 1 ? null : n - 1);
        notifyAll();
    }

    synchronized int openViews() {
        return pins.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The batch the oldest open view is pinned at, or the last committed one when none is open. */
    synchronized long oldestPin() {
        return pins.isEmpty() ? committed : Math.min(pins.firstKey(), committed);
    }

    /** Waits until {@code kv} holds batch {@code n}; false when {@code timeoutMs} passed first. */
    synchronized boolean awaitApplied(long n, long timeoutMs) {
        return await(() -> applied >= n, timeoutMs);
    }

    /** Waits until at most {@code lag} committed batches wait to be applied; false when {@code timeoutMs} passed. */
    synchronized boolean awaitLagAtMost(int lag, long timeoutMs) {
        return await(() -> committed - applied <= lag, timeoutMs);
    }

    /** Waits for any change, at most {@code ms}. */
    synchronized void awaitChange(long ms) {
        try {
            wait(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean await(java.util.function.BooleanSupplier done, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotReadyException("storage-ignite: interrupted while waiting for the storage cluster");
            }
        }
        return true;
    }
}
