package io.cairn.sync.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A wake-up one thread waits for with a bound: set by any thread, cleared when the waiter returns. */
final class Signal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean set; // guarded by lock

    void set() {
        lock.lock();
        try {
            set = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until set or {@code nanos} passed, and clears it. Returns false if the thread was interrupted. */
    boolean await(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (!set && left > 0) {
                left = changed.awaitNanos(left);
            }
            set = false;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
