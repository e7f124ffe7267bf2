package io.cairn.core.internal;

import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeThreads;
import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's threads: one compute pool sized for the machine, shared by every engine for CPU-bound work, and
 * dedicated named threads for engines' event loops. Its gauges show the pool's queue and busy threads.
 */
@Component(service = NodeThreads.class, immediate = true, configurationPid = "io.cairn.threads")
@Designate(ocd = NodeThreadPool.Config.class)
public final class NodeThreadPool implements NodeThreads {

    @ObjectClassDefinition(name = "Cairn threads", description = "The node's shared compute pool (pid io.cairn.threads)")
    public @interface Config {
        @AttributeDefinition(description = "Threads of the shared compute pool (signature checks, hashing); 0: one per processor")
        int computeThreads() default 0;
    }

    private static final System.Logger LOG = System.getLogger(NodeThreadPool.class.getName());

    private final ThreadPoolExecutor compute;
    private final int parallelism;
    private final Metrics.Gauge queued;
    private final Metrics.Gauge busy;

    @Activate
    public NodeThreadPool(Config config, @Reference Metrics metrics) {
        if (config.computeThreads() < 0) {
            throw new IllegalArgumentException("io.cairn.threads: computeThreads must not be negative, got "
                    + config.computeThreads());
        }
        parallelism = config.computeThreads() > 0 ? config.computeThreads() : Runtime.getRuntime().availableProcessors();
        AtomicInteger count = new AtomicInteger();
        compute = new ThreadPoolExecutor(parallelism, parallelism, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> newThread("compute-" + count.incrementAndGet(), r));
        compute.allowCoreThreadTimeOut(true);
        queued = metrics.gauge("compute_queued_tasks", "Tasks waiting for a thread of the shared compute pool",
                () -> compute.getQueue().size());
        busy = metrics.gauge("compute_busy_threads", "Threads of the shared compute pool running a task",
                compute::getActiveCount);
    }

    static Thread newThread(String name, Runnable r) {
        Thread t = new Thread(r, "cairn-" + name);
        t.setDaemon(true);
        t.setContextClassLoader(null);
        return t;
    }

    @Override
    public Executor compute() {
        return compute;
    }

    @Override
    public int parallelism() {
        return parallelism;
    }

    @Override
    public void parallel(int parts, IntConsumer part) {
        if (parts <= 1) {
            for (int i = 0; i < parts; i++) {
                part.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Object finished = new Object();
        Runnable worker = () -> {
            int i;
            while ((i = next.getAndIncrement()) < parts) {
                try {
                    if (failure.get() == null) {
                        part.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (done.incrementAndGet() == parts) {
                        synchronized (finished) {
                            finished.notifyAll();
                        }
                    }
                }
            }
        };
        // The caller works too: with parallelism helpers besides it, a machine of that many cores would run one
        // thread more than it has, and the waves of a block would pay for the switching.
        int helpers = Math.min(parts - 1, parallelism - 1);
        for (int h = 0; h < helpers; h++) {
            try {
                compute.execute(worker);
            } catch (java.util.concurrent.RejectedExecutionException shutDown) {
                break; // the caller does the rest
            }
        }
        worker.run();
        // Every part was taken; wait for those a helper is still running. A helper that never started took none.
        synchronized (finished) {
            while (done.get() < parts) {
                try {
                    finished.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for parallel work", e);
                }
            }
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
        Thread t = newThread(name, loop);
        t.start();
        return t;
    }

    @Deactivate
    void deactivate() {
        queued.close();
        busy.close();
        compute.shutdown();
        try {
            if (!compute.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "threads: compute tasks still running after 5 s; interrupting them");
                compute.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            compute.shutdownNow();
        }
    }
}
