package io.cairn.api.testing;

import io.cairn.api.runtime.NodeClock;
import java.util.concurrent.TimeUnit;

/** A clock a test moves by hand: nothing happens in time unless the test says so. */
public final class StepClock implements NodeClock {
    private volatile long nanos = TimeUnit.SECONDS.toNanos(1000);
    private volatile long millis = 1_700_000_000_000L;

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long millis() {
        return millis;
    }

    public synchronized void advance(long amount, TimeUnit unit) {
        long n = unit.toNanos(amount);
        nanos += n;
        millis += TimeUnit.NANOSECONDS.toMillis(n);
    }

    public void advanceMillis(long ms) {
        advance(ms, TimeUnit.MILLISECONDS);
    }
}
