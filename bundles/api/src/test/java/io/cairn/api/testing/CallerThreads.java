package io.cairn.api.testing;

import io.cairn.api.runtime.NodeThreads;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The node's threads for a test of engine logic, with no thread of their own: parallel parts run on the calling
 * thread, recording the most parts work was split into ({@link #mostParts}); compute tasks are counted
 * ({@link #tasks}) and run at once on the calling thread or, for a {@link #queued} instance, wait in
 * {@link #queue} until the test runs them ({@link #runQueued}) on the thread it chooses. {@link #start} fails
 * the test: engine logic under test must never start a thread.
 */
public final class CallerThreads implements NodeThreads {
    public final AtomicInteger tasks = new AtomicInteger();
    public final AtomicInteger mostParts = new AtomicInteger();
    /** Compute tasks not run yet (queued instances only); a test may add its own to stand for other engines. */
    public final List<Runnable> queue = new CopyOnWriteArrayList<>();
    private final int parallelism;
    private final boolean queues;

    private CallerThreads(int parallelism, boolean queues) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        this.parallelism = parallelism;
        this.queues = queues;
    }

    /** Compute tasks run at once; {@link #parallelism()} reports {@code parallelism}. */
    public CallerThreads(int parallelism) {
        this(parallelism, false);
    }

    /** Compute tasks wait in {@link #queue} for {@link #runQueued}. */
    public static CallerThreads queued(int parallelism) {
        return new CallerThreads(parallelism, true);
    }

    /** Runs the queued tasks, and those they queue, on the calling thread, oldest first; returns how many ran. */
    public int runQueued() {
        int ran = 0;
        while (!queue.isEmpty()) {
            queue.remove(0).run();
            ran++;
        }
        return ran;
    }

    @Override
    public Executor compute() {
        return task -> {
            tasks.incrementAndGet();
            if (queues) {
                queue.add(task);
            } else {
                task.run();
            }
        };
    }

    @Override
    public int parallelism() {
        return parallelism;
    }

    @Override
    public void parallel(int parts, IntConsumer part) {
        mostParts.accumulateAndGet(parts, Math::max);
        for (int i = 0; i < parts; i++) {
            part.accept(i);
        }
    }

    @Override
    public Thread start(String name, Runnable loop) {
        throw new AssertionError("the engine started a thread: " + name);
    }
}
