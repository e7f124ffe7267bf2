package io.cairn.launcher;

import static io.cairn.launcher.CliTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.launcher.CliTest.Run;
import io.cairn.launcher.node.NodeHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals of {@code cairn recover} that change nothing, and the home it leaves under construction. */
class RecoverCommandTest {
    @TempDir
    Path tmp;

    private Path home;
    private Path store;

    @BeforeEach
    void init() throws Exception {
        home = tmp.resolve("n0").toAbsolutePath();
        Run r = cairn("init", "--dir", home.toString(), "--rpc-port", "20298");
        assertEquals(0, r.code(), r.err());
        store = home.resolve("data/chain");
        Files.createDirectories(store);
        Files.writeString(store.resolve("CURRENT"), "MANIFEST-000001\n"); // stands for the damaged store
    }

    @Test
    void withoutASnapshotNothingChangesAndTheMessageSaysWhereToGetOne() {
        Run r = cairn("recover", "--home", home.toString());
        assertEquals(1, r.code(), r.out());
        assertEquals("error: no snapshot in " + home.resolve("snapshots") + " to recover from, and none given "
                + "(--snapshot DIR); nothing was changed. Take a snapshot on another node of the chain (./cairn snapshot "
                + "export --home <its home>), copy it here and run ./cairn recover --home " + home + " --snapshot DIR; "
                + "or fetch the one the peers serve: ./cairn recover --home " + home + " --from-peers",
                r.err().strip());
        assertTrue(Files.isRegularFile(store.resolve("CURRENT")), "the store is where it was");
        assertFalse(Files.exists(RecoverCommand.marker(new NodeHome(home))), "no mark");
    }

    @Test
    void aSnapshotDirectoryWithoutAManifestIsRefusedNamingIt() throws Exception {
        Path notASnapshot = Files.createDirectories(tmp.resolve("empty"));
        Run r = cairn("recover", "--home", home.toString(), "--snapshot", notASnapshot.toString());
        assertEquals(1, r.code());
        assertEquals("error: --snapshot " + notASnapshot + ": no manifest.json in " + notASnapshot + ": not a snapshot "
                + "directory; nothing was changed", r.err().strip());
        assertTrue(Files.isRegularFile(store.resolve("CURRENT")));
    }

    @Test
    void aSnapshotAndThePeersAreNotBothASource() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("snap"));
        Run r = cairn("recover", "--home", home.toString(), "--snapshot", dir.toString(), "--from-peers");
        assertEquals(1, r.code());
        assertEquals("error: give --snapshot DIR or --from-peers, not both; nothing was changed", r.err().strip());
        assertTrue(Files.isRegularFile(store.resolve("CURRENT")));
    }

    @Test
    void aHomeOnMemoryStorageHasNothingToRecover() throws Exception {
        Files.delete(home.resolve("etc/io.cairn.storage.rocksdb.cfg"));
        Run r = cairn("recover", "--home", home.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: home " + home + " does not store its chain in RocksDB (no "), r.err());
    }

    @Test
    void aHomeWhoseRecoverDidNotFinishIsRefusedByStartNamingTheFix() throws Exception {
        Files.writeString(RecoverCommand.marker(new NodeHome(home)), "aside=" + store + ".damaged-1\n");
        Run r = cairn("start", "--home", home.toString(), "--detach");
        assertEquals(1, r.code());
        assertEquals("error: home " + home + " is under construction: ./cairn recover did not finish (the damaged store "
                + "is kept at " + store + ".damaged-1); run ./cairn recover --home " + home + " again", r.err().strip());
    }

    @Test
    void theNewestSnapshotIsTriedFirstAndOnesBeingWrittenAreNot() throws Exception {
        Path snapshots = home.resolve("snapshots");
        for (String[] s : new String[][] {{"5", "5"}, {"40", "40"}, {"12", "12"}, {".creating-60", "60"},
                {"copied", "41"}, {"broken", null}}) {
            Path d = Files.createDirectories(snapshots.resolve(s[0]));
            Files.writeString(d.resolve("manifest.json"), s[1] == null ? "{not json" : "{\"height\": " + s[1] + "}");
        }
        Files.createDirectories(snapshots.resolve("no-manifest"));
        assertEquals(List.of("copied", "40", "12", "5", "broken"),
                RecoverCommand.candidates(new NodeHome(home), null).stream().map(p -> p.getFileName().toString())
                        .toList());
    }
}
