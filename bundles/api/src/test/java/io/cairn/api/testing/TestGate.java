package io.cairn.api.testing;

import io.cairn.api.pipeline.PipelineGate;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pipeline gate a test closes and opens by hand ({@link #closed}), counting the engines {@link #inside} it now
 * and the entries it ever let through ({@link #entered}): a commit made while {@code inside} is 0 was made outside
 * the gate.
 */
public final class TestGate implements PipelineGate {
    public volatile boolean closed;
    public final AtomicInteger inside = new AtomicInteger();
    public final AtomicInteger entered = new AtomicInteger();

    @Override
    public boolean tryEnter() {
        if (closed) {
            return false;
        }
        inside.incrementAndGet();
        entered.incrementAndGet();
        return true;
    }

    @Override
    public void exit() {
        inside.decrementAndGet();
    }
}
