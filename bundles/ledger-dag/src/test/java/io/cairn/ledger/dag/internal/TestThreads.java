package io.cairn.ledger.dag.internal;

import io.cairn.api.runtime.NodeThreads;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/** The node's threads for tests and the benchmark. */
final class TestThreads {
    private TestThreads() {}

    /**
     * {@code n} threads: the caller and {@code n - 1} pool threads take parts of {@link #parallel} as the node's
     * compute pool does (core's NodeThreadPool). Close it when done.
     */
    static final class Fixed implements NodeThreads, AutoCloseable {
        private final int n;
        private final ExecutorService pool;

        Fixed(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("at least 1 thread, got " + n);
            }
            this.n = n;
            AtomicInteger count = new AtomicInteger();
            this.pool = n == 1 ? null : Executors.newFixedThreadPool(n - 1, r -> {
                Thread t = new Thread(r, "dag-test-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public Executor compute() {
            return pool == null ? Runnable::run : pool;
        }

        @Override
        public int parallelism() {
            return n;
        }

        @Override
        public void parallel(int parts, IntConsumer part) {
            AtomicInteger next = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int helpers = pool == null ? 0 : Math.min(parts - 1, n - 1);
            CountDownLatch helped = new CountDownLatch(Math.max(0, helpers));
            Runnable worker = () -> {
                int i;
                while ((i = next.getAndIncrement()) < parts) {
                    try {
                        if (failure.get() == null) {
                            part.accept(i);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            };
            for (int h = 0; h < helpers; h++) {
                pool.execute(() -> {
                    try {
                        worker.run();
                    } finally {
                        helped.countDown();
                    }
                });
            }
            worker.run();
            try {
                helped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public Thread start(String name, Runnable loop) {
            throw new UnsupportedOperationException("the ledger model starts no thread");
        }

        @Override
        public void close() {
            if (pool != null) {
                pool.shutdown();
                try {
                    pool.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Claims {@code width} threads but runs the parts of {@link #parallel} on the caller in a random order: every
     * interleaving of a wave's parts, reproducibly (seeded).
     */
    static final class Shuffled implements NodeThreads {
        private final int width;
        private final Random random;

        Shuffled(int width, long seed) {
            this.width = width;
            this.random = new Random(seed);
        }

        @Override
        public Executor compute() {
            return Runnable::run;
        }

        @Override
        public int parallelism() {
            return width;
        }

        @Override
        public void parallel(int parts, IntConsumer part) {
            List<Integer> order = new ArrayList<>(parts);
            for (int i = 0; i < parts; i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            for (int i : order) {
                part.accept(i);
            }
        }

        @Override
        public Thread start(String name, Runnable loop) {
            throw new UnsupportedOperationException("the ledger model starts no thread");
        }
    }
}
