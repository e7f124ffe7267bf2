package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class BlockGateTest {
    final BlockGate gate = new BlockGate();

    @Test
    void closesAtOnceWhenNoBlockIsInFlight() throws Exception {
        Duration took = gate.pause(Duration.ofSeconds(1));
        assertTrue(took.toMillis() < 1000);
        assertTrue(gate.isClosed());
        assertFalse(gate.tryEnter(), "no block starts while closed");
        gate.resume();
        assertTrue(gate.tryEnter());
        gate.exit();
    }

    @Test
    void waitsForTheBlockInFlight() throws Exception {
        assertTrue(gate.tryEnter());
        CompletableFuture<Duration> pausing = CompletableFuture.supplyAsync(() -> {
            try {
                return gate.pause(Duration.ofSeconds(10));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!gate.isClosed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(gate.isClosed(), "closed to new blocks while waiting");
        assertFalse(pausing.isDone(), "still waiting for the block in flight");
        assertFalse(gate.tryEnter());
        gate.exit();
        pausing.get(10, TimeUnit.SECONDS);
        assertEquals(0, gate.inFlight());
        gate.resume();
    }

    @Test
    void aTimeoutLeavesTheGateOpen() throws Exception {
        assertTrue(gate.tryEnter());
        TimeoutException e = assertThrows(TimeoutException.class, () -> gate.pause(Duration.ofMillis(30)));
        assertTrue(e.getMessage().contains("did not reach a block boundary"), e.getMessage());
        assertFalse(gate.isClosed());
        gate.exit();
    }

    @Test
    void oneUpgradeAtATime() throws Exception {
        gate.pause(Duration.ofSeconds(1));
        assertThrows(IllegalStateException.class, () -> gate.pause(Duration.ofSeconds(1)));
        gate.resume();
    }
}
