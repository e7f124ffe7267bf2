package io.cairn.executor.internal;

import io.cairn.api.testing.Sha256Suite;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cairn.api.chain.Genesis;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenesisBootstrapTest {
    @TempDir
    Path home;

    private final Sha256Suite suite = new Sha256Suite();
    private final FakeLedgerModel model = new FakeLedgerModel("account");
    private final FakeBlockStore store = new FakeBlockStore();

    private Path write(Genesis g) throws IOException {
        Path file = home.resolve("etc/genesis.properties");
        Files.createDirectories(file.getParent());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            g.toProperties().store(w, null);
        }
        return file;
    }

    private GenesisBootstrap boot(Path file) {
        return new GenesisBootstrap(file, store, model, suite);
    }

    @Test
    void createsBlockZeroOnceAndVerifiesItOnRestart() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        assertEquals(GenesisBootstrap.Outcome.CREATED, boot(file).outcome());
        assertEquals(0, store.height());
        assertEquals(BlockExecutorTest.GENESIS, store.genesis().orElseThrow());
        assertEquals(model.root(0), store.header(0).orElseThrow().stateRoot());

        assertEquals(GenesisBootstrap.Outcome.VERIFIED, boot(file).outcome());
        assertEquals(GenesisBootstrap.Outcome.VERIFIED, boot(file).outcome());
        assertEquals(1, store.commits);
        assertEquals(0, store.height());
    }

    @Test
    void aStateThatIsTheHeadsPassesTheCheckAndReportsNothing() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        boot(file);
        List<String> refused = new java.util.ArrayList<>();
        assertEquals(GenesisBootstrap.Outcome.VERIFIED, new GenesisBootstrap(file, store, model, suite,
                new GenesisBootstrap.HeadCheck("test store", home, refused::add)).outcome());
        assertEquals(List.of(), refused);
        assertEquals(0, store.openSnapshots);
    }

    @Test
    void aStateThatDoesNotGiveTheHeadsRootIsDamagedAndTheLauncherIsToldTheDamageAndTheFix() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        boot(file);
        store.damage(FakeLedgerModel.COUNT, FakeLedgerModel.u64(7));
        List<String> refused = new java.util.ArrayList<>();
        assertEquals(GenesisBootstrap.Outcome.DAMAGED, new GenesisBootstrap(file, store, model, suite,
                new GenesisBootstrap.HeadCheck("test store", home, refused::add)).outcome());
        assertEquals(List.of("the state in the test store does not match block 0's state root: it gives " + model.root(7)
                + ", the header of block 0 (" + store.hash(0).orElseThrow() + ") has " + model.root(0)
                + ". The node does not run on it: run ./cairn recover --home " + home
                + ", which moves it aside and rebuilds the node from a snapshot"), refused);
        assertEquals(0, store.openSnapshots);
        assertEquals(1, store.commits);
    }

    @Test
    void aNodeStartedForASnapshotImportDoesNotCheckTheStateItRewrites() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        boot(file);
        store.damage(FakeLedgerModel.COUNT, FakeLedgerModel.u64(7));
        assertEquals(GenesisBootstrap.Outcome.VERIFIED, new GenesisBootstrap(file, store, model, suite, null).outcome());
    }

    @Test
    void aGenesisFileForAnotherChainIsAMismatchAndChangesNothing() throws IOException {
        boot(write(BlockExecutorTest.GENESIS));
        Genesis other = new Genesis(10, "test-sha256", "account", 5_000, List.of(), new TreeMap<>());
        assertEquals(GenesisBootstrap.Outcome.MISMATCH, boot(write(other)).outcome());
        assertEquals(1, store.commits);
        assertEquals(BlockExecutorTest.GENESIS, store.genesis().orElseThrow());
    }

    @Test
    void anInstalledModelThatIsNotTheChainsIsAMismatch() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        boot(file);
        assertEquals(GenesisBootstrap.Outcome.MISMATCH,
                new GenesisBootstrap(file, store, new FakeLedgerModel("utxo"), suite).outcome());
    }

    @Test
    void anInstalledModelThatIsNotTheGenesisOnesCreatesNothing() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        assertEquals(GenesisBootstrap.Outcome.FAILED,
                new GenesisBootstrap(file, store, new FakeLedgerModel("utxo"), suite).outcome());
        assertEquals(-1, store.height());
    }

    @Test
    void aMissingOrMalformedFileFailsWithoutThrowing() throws IOException {
        assertEquals(GenesisBootstrap.Outcome.FAILED, boot(home.resolve("etc/nope.properties")).outcome());
        Path bad = home.resolve("bad.properties");
        Files.writeString(bad, "chainId=one\nsuite=test-sha256\ntimestamp=1\n");
        assertEquals(GenesisBootstrap.Outcome.FAILED, boot(bad).outcome());
        Files.writeString(bad, "suite=test-sha256\ntimestamp=1\n");
        assertEquals(GenesisBootstrap.Outcome.FAILED, boot(bad).outcome());
        assertEquals(-1, store.height());
    }

    @Test
    void aGenesisTooLargeForBlock0sHeaderCreatesNothing() throws IOException {
        java.util.TreeMap<io.cairn.api.chain.Address, java.math.BigInteger> alloc = new java.util.TreeMap<>();
        for (int i = 0; i < 1500; i++) {
            byte[] a = new byte[io.cairn.api.chain.Address.SIZE];
            java.nio.ByteBuffer.wrap(a).putInt(i + 1);
            alloc.put(io.cairn.api.chain.Address.of(a), java.math.BigInteger.TEN);
        }
        Path file = write(new io.cairn.api.chain.Genesis(9, "test-sha256", "account", 5_000, List.of(), alloc));
        assertEquals(GenesisBootstrap.Outcome.FAILED, boot(file).outcome(), "a header no node could read back");
        assertEquals(-1, store.height());
    }

    @Test
    void anExistingChainRunsWithoutItsGenesisFile() throws IOException {
        Path file = write(BlockExecutorTest.GENESIS);
        boot(file);
        Files.delete(file);
        assertEquals(GenesisBootstrap.Outcome.UNCHECKED, boot(file).outcome());
        assertEquals(1, store.commits);
    }
}
