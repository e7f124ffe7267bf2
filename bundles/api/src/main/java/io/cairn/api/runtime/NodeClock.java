package io.cairn.api.runtime;

/**
 * Time as engines read it, so that protocol logic can be driven by a test that steps time itself instead of
 * sleeping. {@link #SYSTEM} in a node.
 */
public interface NodeClock {
    /** Monotonic nanoseconds, for timeouts and intervals ({@link System#nanoTime()}). */
    long nanoTime();

    /** Wall-clock milliseconds since the epoch, for block timestamps ({@link System#currentTimeMillis()}). */
    long millis();

    NodeClock SYSTEM = new NodeClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long millis() {
            return System.currentTimeMillis();
        }
    };
}
