package io.cairn.launcher;

import static io.cairn.launcher.CliTest.cairn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.launcher.node.Feature;
import io.cairn.launcher.node.FeatureSource;
import io.cairn.launcher.node.NodeHome;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blockchain factory from the command line: a node composed per component, and what cannot work refused. */
class FactoryCliTest {
    @TempDir
    Path tmp;

    @Test
    void aNodeComposedPerComponentRecordsItsEnginesAndTheirConfiguration() throws Exception {
        Path dir = tmp.resolve("mem");
        CliTest.Run r = cairn("init", "--dir", dir.toString(), "--storage", "memory", "--consensus", "solo",
                "--ledger", "account", "--suite", "sm2", "--rpc-port", "20298");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("engines base,storage-memory,consensus-solo,ledger-account"), r.out());
        NodeHome home = new NodeHome(dir);
        assertEquals("base,storage-memory,consensus-solo,ledger-account", home.profile());
        Feature f = Feature.resolve(home.profile(), FeatureSource.bundled());
        assertTrue(f.bundles().contains("cairn-storage-memory") && f.bundles().contains("cairn-consensus-solo")
                && f.bundles().contains("cairn-ledger-account"), f.bundles().toString());
        assertFalse(f.bundles().contains("cairn-storage-rocksdb"), f.bundles().toString());
        assertTrue(Files.readString(home.config("io.cairn.consensus.solo")).contains("blockTxs=2000"));
        assertTrue(Files.readString(home.config("io.cairn.crypto")).contains("suite=sm2"));
        assertFalse(Files.exists(home.config("io.cairn.storage.rocksdb")), "no configuration for an engine not chosen");
    }

    @Test
    void theLedgerChosenAtInitIsTheOneTheGenesisNames() throws Exception {
        Path one = tmp.resolve("utxo");
        CliTest.Run r = cairn("init", "--dir", one.toString(), "--ledger", "utxo", "--storage", "memory", "--rpc-port", "20296");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("engines base,storage-memory,consensus-solo,ledger-utxo"), r.out());
        assertEquals("utxo", new NodeHome(one).genesis().ledger());
        Path chain = tmp.resolve("chain");
        r = cairn("init", "--dir", chain.toString(), "--nodes", "4", "--ledger", "utxo", "--storage", "memory",
                "--rpc-port", "21290", "--p2p-port", "31290", "--ssh-port", "21690");
        assertEquals(0, r.code(), r.err());
        for (int i = 0; i < 4; i++) {
            assertEquals("utxo", new NodeHome(chain.resolve("node" + i)).genesis().ledger());
        }
    }

    @Test
    void aPrivateChainNamesItsAuditorInEveryHomesGenesis() throws Exception {
        Path chain = tmp.resolve("private");
        CliTest.Run r = cairn("init", "--dir", chain.toString(), "--nodes", "4", "--ledger", "private", "--auditor",
                "--storage", "memory", "--rpc-port", "21390", "--p2p-port", "31390", "--ssh-port", "21790");
        assertEquals(0, r.code(), r.err());
        String auditor = null;
        for (int i = 0; i < 4; i++) {
            NodeHome home = new NodeHome(chain.resolve("node" + i));
            assertEquals("private", home.genesis().ledger());
            assertTrue(home.genesis().auditor() != null, "node" + i + " names the auditor");
            if (auditor != null) {
                assertEquals(auditor, home.genesis().auditor(), "one auditor for the chain");
            }
            auditor = home.genesis().auditor();
            assertTrue(Files.exists(home.accountKey("auditor")));
            String pbft = Files.readString(home.config("io.cairn.consensus.pbft"));
            assertTrue(pbft.contains("blockTxs=500") && pbft.contains("viewTimeoutMs=10000"), pbft);
            assertTrue(Files.readString(home.config("io.cairn.rpc")).contains("workerThreads=16"));
        }
        Path external = tmp.resolve("external");
        String key = "0x" + "11".repeat(64);
        r = cairn("init", "--dir", external.toString(), "--ledger", "private", "--auditor-public-key", key,
                "--storage", "memory", "--rpc-port", "20293");
        assertEquals(0, r.code(), r.err());
        assertEquals(key, new NodeHome(external).genesis().auditor());
        assertFalse(Files.exists(new NodeHome(external).accountKey("auditor")), "its key is held elsewhere");

        r = cairn("init", "--dir", tmp.resolve("acc").toString(), "--auditor", "--storage", "memory",
                "--rpc-port", "20292");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--auditor and --auditor-public-key are for the private ledger"), r.err());
        r = cairn("init", "--dir", tmp.resolve("short").toString(), "--ledger", "private", "--auditor-public-key",
                "0x1234", "--storage", "memory", "--rpc-port", "20291");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--auditor-public-key: a public key is 64 bytes (x | y), got 2"), r.err());
    }

    @Test
    void theDefaultsAreRocksDbSoloAndAccountsForOneNode() {
        CliTest.Run r = cairn("init", "--dir", tmp.resolve("d").toString(), "--rpc-port", "20297");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("engines base,storage-rocksdb,consensus-solo,ledger-account"), r.out());
    }

    @Test
    void aNodeOnAClusterWithAuthenticationRecordsItsPasswordFileAndUser() throws Exception {
        Path password = tmp.resolve("cluster-password");
        Files.writeString(password, "s3cret\n");
        Path dir = tmp.resolve("ign");
        CliTest.Run r = cairn("init", "--dir", dir.toString(), "--profile", "solo-ignite", "--storage-endpoints",
                "127.0.0.1:10800", "--storage-password-file", password.toString(), "--storage-user", "chain_a",
                "--rpc-port", "20297");
        assertEquals(0, r.code(), r.err());
        String cfg = Files.readString(new NodeHome(dir).config("io.cairn.storage.ignite"));
        assertTrue(cfg.contains("passwordFile=" + password.toAbsolutePath().normalize() + "\n"), cfg);
        assertTrue(cfg.contains("user=chain_a\n"), cfg);

        Path refused = tmp.resolve("refused");
        CliTest.Run missing = cairn("init", "--dir", refused.toString(), "--profile", "solo-ignite",
                "--storage-endpoints", "127.0.0.1:10800", "--storage-password-file", tmp.resolve("none").toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("--storage-password-file: cannot read the password file " + tmp.resolve("none")),
                missing.err());
        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        CliTest.Run blank = cairn("init", "--dir", refused.toString(), "--profile", "solo-ignite",
                "--storage-endpoints", "127.0.0.1:10800", "--storage-password-file", empty.toString());
        assertTrue(blank.err().contains("--storage-password-file: the password file " + empty + " is empty"),
                blank.err());
        CliTest.Run userOnly = cairn("init", "--dir", refused.toString(), "--profile", "solo-ignite",
                "--storage-endpoints", "127.0.0.1:10800", "--storage-user", "x");
        assertTrue(userOnly.err().contains("--storage-user: give the user's --storage-password-file too"),
                userOnly.err());
        CliTest.Run rocks = cairn("init", "--dir", refused.toString(), "--storage-password-file", password.toString());
        assertTrue(rocks.err().contains("are for ignite storage; "), rocks.err());
        assertFalse(Files.exists(refused), "a refused init writes nothing");
    }

    @Test
    void aCombinationThatCannotWorkIsRefusedWithTheReasonAndWritesNothing() {
        Path dir = tmp.resolve("bad");
        CliTest.Run solo4 = cairn("init", "--dir", dir.toString(), "--nodes", "4", "--consensus", "solo");
        assertEquals(2, solo4.code(), solo4.err());
        assertTrue(solo4.err().contains("consensus solo runs with 1 sealer(s), not 4"), solo4.err());
        assertTrue(solo4.err().contains("--consensus pbft"), solo4.err());

        CliTest.Run pbft1 = cairn("init", "--dir", dir.toString(), "--consensus", "pbft");
        assertEquals(2, pbft1.code(), pbft1.err());
        assertTrue(pbft1.err().contains("consensus pbft needs a chain made by `cairn init --nodes N`"), pbft1.err());

        CliTest.Run plasma = cairn("init", "--dir", dir.toString(), "--ledger", "plasma");
        assertEquals(2, plasma.code(), plasma.err());
        assertTrue(plasma.err().contains("--ledger plasma: this distribution has no ledger-model engine 'plasma' (it has: account, "),
                plasma.err());
        assertTrue(plasma.err().contains("utxo"), plasma.err());

        CliTest.Run storage = cairn("init", "--dir", dir.toString(), "--storage", "tikv");
        assertTrue(storage.err().contains("(it has: ignite, memory, rocksdb)"), storage.err());
        CliTest.Run both = cairn("init", "--dir", dir.toString(), "--profile", "solo-rocksdb", "--storage", "memory");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("not both"), both.err());
        CliTest.Run profile4 = cairn("init", "--dir", dir.toString(), "--profile", "solo-memory", "--nodes", "4");
        assertEquals(2, profile4.code(), profile4.err());
        CliTest.Run odd = cairn("init", "--dir", dir.toString(), "--ledger", "../x");
        assertTrue(odd.err().contains("is not an engine name"), odd.err());
        assertFalse(Files.exists(dir), "a refused init writes nothing");
    }

    @Test
    void aChainOfPbftNodesWithMemoryStorageIsComposedToo() throws Exception {
        Path dir = tmp.resolve("chain");
        CliTest.Run r = cairn("init", "--dir", dir.toString(), "--nodes", "4", "--storage", "memory", "--rpc-port", "20290",
                "--p2p-port", "30390", "--ssh-port", "20690");
        assertEquals(0, r.code(), r.err());
        assertEquals("base,storage-memory,consensus-pbft,ledger-account", new NodeHome(dir.resolve("node2")).profile());
    }

    @Test
    void enginesListsWhatTheDistributionCanComposeANodeOf() {
        CliTest.Run r = cairn("engines");
        assertEquals(0, r.code(), r.err());
        for (String line : new String[] {"storage       memory    --storage memory", "storage       rocksdb   --storage rocksdb",
                "consensus     solo      --consensus solo", "consensus     pbft      --consensus pbft",
                "ledger-model  account   --ledger account", "crypto        sm2       --suite sm2"}) {
            assertTrue(r.out().contains(line), "missing '" + line + "' in\n" + r.out());
        }
        assertTrue(r.out().contains("cairn-network-netty, cairn-sync, cairn-consensus-pbft"), r.out());
        assertFalse(r.out().contains("MISSING"), r.out());
    }
}
