package io.cairn.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a create killed in the middle leaves ({@code .creating-...}, chunks and maybe a manifest) is removed when the
 * snapshot commands come up again, unless it is recent (a create in progress); whole snapshots stay, and the list
 * never shows an unfinished one.
 */
class SnapshotCommandsTest {
    @TempDir
    Path home;

    @Test
    void theRemainsOfAnInterruptedCreateAreRemovedAndNeverListed() throws Exception {
        Path root = Files.createDirectories(home.resolve(SnapshotCommands.DIR));
        Path killed = Files.createDirectories(root.resolve(".creating-123"));
        Files.writeString(killed.resolve("chunk-00000.zst"), "part");
        Files.writeString(killed.resolve(Manifest.FILE), "{}");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - SnapshotCommands.UNFINISHED_AGE_MS - 60_000);
        Files.setLastModifiedTime(killed, old);
        Path inProgress = Files.createDirectories(root.resolve(".creating-456"));
        Path whole = Files.createDirectories(root.resolve("42"));
        Files.writeString(whole.resolve(Manifest.FILE), "{}");
        Files.setLastModifiedTime(whole, old);

        SnapshotCommands commands = new SnapshotCommands(home, null, new NodeParts());
        assertTrue(Files.notExists(killed), "the killed create's directory is gone");
        assertTrue(Files.isDirectory(inProgress), "a create still writing is left alone");
        assertTrue(Files.isDirectory(whole), "a whole snapshot stays");
        assertEquals(List.of(), SnapshotCommands.removeUnfinished(root, System.currentTimeMillis() - 60_000));
        String listed = commands.list();
        assertTrue(listed.startsWith("42 ") && !listed.contains(".creating"), listed);
    }
}
