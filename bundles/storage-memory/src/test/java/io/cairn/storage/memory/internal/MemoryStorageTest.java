package io.cairn.storage.memory.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import io.cairn.storage.contract.StorageContractTest;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MemoryStorageTest extends StorageContractTest {

    @Override
    protected Storage open() {
        return new MemoryStorage();
    }

    @Override
    protected void close(Storage s) {
        ((MemoryStorage) s).deactivate();
    }

    @Override
    protected String expectedEngine() {
        return "memory";
    }

    private MemoryStorage memory() {
        return (MemoryStorage) storage;
    }

    @Test
    void oldVersionsArePrunedWhenNoViewNeedsThem() {
        for (int i = 0; i < 1_000; i++) {
            storage.write(new WriteBatch().put(b("k"), u64(i)));
        }
        assertEquals(1, memory().versionCount());
    }

    @Test
    void openViewKeepsItsVersionUntilClosed() {
        storage.write(new WriteBatch().put(b("k"), u64(0)));
        ReadView v = storage.view();
        for (int i = 1; i <= 100; i++) {
            storage.write(new WriteBatch().put(b("k"), u64(i)));
        }
        assertEquals(0, u64(v.get(b("k"))));
        assertTrue(memory().versionCount() >= 2);
        v.close();
        storage.write(new WriteBatch().put(b("k"), u64(101)));
        assertEquals(1, memory().versionCount());
    }

    @Test
    void deletedKeysAreDroppedOnceInvisible() {
        WriteBatch put = new WriteBatch();
        WriteBatch delete = new WriteBatch();
        for (int i = 0; i < 100; i++) {
            put.put(u64(i), b("v"));
            delete.delete(u64(i));
        }
        storage.write(put);
        ReadView v = storage.view();
        storage.write(delete);
        assertEquals(100, memory().keyCount(), "an open view still needs the deleted values");
        assertArrayEquals(b("v"), v.get(u64(5)));
        v.close();
        storage.write(new WriteBatch().put(b("other"), b("x")));
        assertEquals(1, memory().keyCount());
        assertEquals(1, memory().versionCount());
    }

    @Test
    void plainGetStaysCorrectWhilePruningRuns() throws Exception {
        storage.write(new WriteBatch().put(b("stable"), b("s")));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                while (!stop.get()) {
                    if (storage.get(b("stable")) == null || storage.get(b("hot")) == null) {
                        throw new AssertionError("get lost a key that was never deleted");
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        storage.write(new WriteBatch().put(b("hot"), u64(0)));
        reader.start();
        for (int i = 1; i <= 50_000 && failure.get() == null; i++) {
            storage.write(new WriteBatch().put(b("hot"), u64(i)).put(b("stable"), b("s")));
        }
        stop.set(true);
        reader.join(10_000);
        assertNull(failure.get());
    }

    @Test
    void viewOpenedWhilePruningRunsKeepsItsVersion() throws Exception {
        storage.write(new WriteBatch().put(b("hot"), u64(0)));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.List<Thread> readers = new java.util.ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread reader = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        try (ReadView v = storage.view()) {
                            if (v.get(b("hot")) == null) {
                                throw new AssertionError("a view lost the version it was opened on");
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            reader.start();
            readers.add(reader);
        }
        for (int i = 1; i <= 200_000 && failure.get() == null; i++) {
            storage.write(new WriteBatch().put(b("hot"), u64(i)));
        }
        stop.set(true);
        for (Thread reader : readers) {
            reader.join(10_000);
        }
        assertNull(failure.get());
    }

    @Test
    void deactivatedStorageRefusesUse() {
        storage.write(new WriteBatch().put(b("k"), b("v")));
        ReadView v = storage.view();
        memory().deactivate();
        assertFalse(storage.health().ready());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> storage.get(b("k")));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> storage.write(new WriteBatch().put(b("k"), b("v"))));
        assertThrows(IllegalStateException.class, () -> v.get(b("k")));
        assertThrows(IllegalStateException.class, storage::view);
    }
}
