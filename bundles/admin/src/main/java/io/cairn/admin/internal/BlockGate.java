package io.cairn.admin.internal;

import io.cairn.api.pipeline.PipelineGate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.service.component.annotations.Component;

/**
 * The block boundary an upgrade waits for. Consensus enters once per block, so an uncontended lock is
 * cheap enough; closing waits until the block in flight is committed or abandoned.
 */
@Component(service = {PipelineGate.class, BlockGate.class}, property = "cairn.component=admin")
public final class BlockGate implements PipelineGate {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private boolean closed; // guarded by lock
    private int inFlight; // guarded by lock

    @Override
    public boolean tryEnter() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            inFlight++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void exit() {
        lock.lock();
        try {
            if (inFlight > 0 && --inFlight == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the gate once no block is in flight and returns how long that took. On timeout the gate is
     * open again, as it was.
     *
     * @throws IllegalStateException if the gate is already closed (one upgrade at a time)
     */
    public Duration pause(Duration timeout) throws TimeoutException, InterruptedException {
        long start = System.nanoTime();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the pipeline is already paused by another upgrade");
            }
            closed = true; // no new block starts while we wait for the one in flight
            long left = timeout.toNanos();
            while (inFlight > 0) {
                if (left <= 0) {
                    closed = false;
                    throw new TimeoutException("a block was still being made after " + timeout.toMillis()
                            + " ms: the pipeline did not reach a block boundary");
                }
                try {
                    left = idle.awaitNanos(left);
                } catch (InterruptedException e) {
                    closed = false;
                    throw e;
                }
            }
            return Duration.ofNanos(System.nanoTime() - start);
        } finally {
            lock.unlock();
        }
    }

    public void resume() {
        lock.lock();
        try {
            closed = false;
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
