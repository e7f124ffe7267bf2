package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The importer works only in a node the launcher started for it, whose pipeline does not run. */
class SnapshotImportTest {
    @Test
    void aRunningNodeDoesNotImport() {
        assertEquals("REFUSED: a snapshot is imported by a node started for it (cairn snapshot import), not a running "
                + "one", new SnapshotImport(new NodeParts(), false).apply("/snapshots/42"));
    }

    @Test
    void aNodeStartedForTheImportWaitsForItsParts() {
        assertEquals("NOT READY: no storage is running", new SnapshotImport(new NodeParts(), true).apply("/snapshots/42"));
    }
}
