package io.cairn.api.runtime;

import java.util.concurrent.Executor;
import java.util.function.IntConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's threads, sized once for the machine instead of a processor-sized pool per engine: a shared pool
 * for CPU-bound work (signature checks, hashing), and dedicated event-loop threads that engines start in their
 * activate method and stop in deactivate. Every thread is a daemon, named {@code cairn-...}, and runs with no
 * context class loader, so a retired engine's class loader is never held by a thread it did not stop.
 */
@ProviderType
public interface NodeThreads {
    /**
     * The shared pool for short CPU-bound tasks. Tasks must not block on I/O or wait for each other. Never shut
     * it down; a task still queued when its engine leaves runs against the references it captured.
     */
    Executor compute();

    /** How many threads {@link #compute()} runs: the parallelism worth splitting work into. */
    int parallelism();

    /**
     * Runs {@code part.accept(i)} for every i in [0, parts), on the compute pool and on the calling thread, and
     * returns once all have run. The caller takes parts too, so this completes even while the pool is busy.
     * The first exception a part throws is rethrown here (the remaining parts are skipped).
     */
    void parallel(int parts, IntConsumer part);

    /**
     * Starts a dedicated thread for an engine's loop, named {@code cairn-<name>}. The engine stops it (ends the
     * loop and joins with a bound) in its deactivate method.
     */
    Thread start(String name, Runnable loop);

    /** Runs everything on the calling thread: for unit tests and tools outside a node. */
    NodeThreads DIRECT = new NodeThreads() {
        @Override
        public Executor compute() {
            return Runnable::run;
        }

        @Override
        public int parallelism() {
            return 1;
        }

        @Override
        public void parallel(int parts, IntConsumer part) {
            for (int i = 0; i < parts; i++) {
                part.accept(i);
            }
        }

        @Override
        public Thread start(String name, Runnable loop) {
            Thread t = new Thread(loop, "cairn-" + name);
            t.setDaemon(true);
            t.setContextClassLoader(null);
            t.start();
            return t;
        }
    };
}
