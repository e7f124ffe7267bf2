package io.cairn.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.runtime.Metrics;
import java.lang.annotation.Annotation;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class NodeThreadPoolTest {

    private static NodeThreadPool pool(int threads) {
        return new NodeThreadPool(new NodeThreadPool.Config() {
            @Override public Class<? extends Annotation> annotationType() { return NodeThreadPool.Config.class; }
            @Override public int computeThreads() { return threads; }
        }, Metrics.NONE);
    }

    @Test
    void parallelRunsEveryPartOnceOnPoolAndCaller() {
        NodeThreadPool p = pool(2);
        try {
            AtomicIntegerArray runs = new AtomicIntegerArray(64);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            p.parallel(64, i -> {
                runs.incrementAndGet(i);
                threads.add(Thread.currentThread().getName());
            });
            for (int i = 0; i < 64; i++) {
                assertEquals(1, runs.get(i), "part " + i);
            }
            assertTrue(threads.contains(Thread.currentThread().getName()) || threads.stream().allMatch(t -> t.startsWith("cairn-compute-")));
        } finally {
            p.deactivate();
        }
    }

    @Test
    void parallelRunsNoMoreThreadsAtOnceThanItsParallelismCallerIncluded() {
        NodeThreadPool p = pool(2);
        try {
            java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
            p.parallel(4, i -> {
                int now = active.incrementAndGet();
                most.accumulateAndGet(now, Math::max);
                // Hold the part until a third thread joins, or 100 ms: a third would be caught here.
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                while (active.get() < 3 && System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                most.accumulateAndGet(active.get(), Math::max);
                active.decrementAndGet();
            });
            assertEquals(2, most.get(), "the caller and one pool thread on a pool of 2");
        } finally {
            p.deactivate();
        }
    }

    @Test
    void parallelCompletesWhileEveryPoolThreadIsBusy() throws InterruptedException {
        NodeThreadPool p = pool(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        try {
            p.compute().execute(() -> {
                blocked.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(blocked.await(10, TimeUnit.SECONDS));
            AtomicIntegerArray runs = new AtomicIntegerArray(8);
            p.parallel(8, runs::incrementAndGet); // the caller takes every part
            for (int i = 0; i < 8; i++) {
                assertEquals(1, runs.get(i));
            }
        } finally {
            release.countDown();
            p.deactivate();
        }
    }

    @Test
    void theFirstFailureIsRethrown() {
        NodeThreadPool p = pool(2);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.parallel(16, i -> {
                if (i == 5) {
                    throw new IllegalArgumentException("part 5 is bad");
                }
            }));
            assertEquals("part 5 is bad", e.getMessage());
        } finally {
            p.deactivate();
        }
    }

    @Test
    void dedicatedThreadsAreNamedDaemonsWithoutAContextClassLoader() throws InterruptedException {
        NodeThreadPool p = pool(1);
        try {
            ClassLoader[] seen = new ClassLoader[] {getClass().getClassLoader()};
            Thread t = p.start("test-loop", () -> seen[0] = Thread.currentThread().getContextClassLoader());
            t.join(10_000);
            assertEquals("cairn-test-loop", t.getName());
            assertTrue(t.isDaemon());
            assertNull(seen[0]);
        } finally {
            p.deactivate();
        }
        assertThrows(IllegalArgumentException.class, () -> pool(-1));
    }
}
