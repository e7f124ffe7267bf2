package io.cairn.launcher.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.internal.Suites;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeInitTest {
    @TempDir
    Path tmp;

    private NodeInit.Options options(Path dir, String profile, String suite, boolean force) {
        return new NodeInit.Options(dir, profile, suite, 7, List.of("alice", "bob"), BigInteger.valueOf(1000), 20333, force);
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return p;
    }

    @Test
    void writesAHomeWhoseGenesisKeysAndConfigAgree() throws IOException {
        Path dir = tmp.resolve("n0");
        NodeInit.Result r = NodeInit.init(options(dir, "solo-rocksdb", "secp256k1", false), FeatureSource.bundled(), 1234L);
        NodeHome home = new NodeHome(dir);
        for (Path p : List.of(home.etc(), home.data(), home.logs(), home.deploy(), home.accountKeys())) {
            assertTrue(Files.isDirectory(p), p + " missing");
        }

        Genesis g = home.genesis();
        assertEquals(r.genesis(), g);
        assertEquals(g, Genesis.decode(g.encode()));
        assertEquals(7, g.chainId());
        assertEquals("secp256k1", g.suite());
        assertEquals("account", g.ledger());
        assertEquals(1234L, g.timestamp());

        CryptoSuite suite = Suites.byName("secp256k1");
        byte[] nodeKey = KeyFile.readPrivate(home.keys().resolve("node.key"));
        byte[] nodePub = Bytes.fromHex(Files.readString(home.keys().resolve("node.pub")).strip());
        assertArrayEquals(suite.publicKey(nodeKey), nodePub);
        assertEquals(List.of(Bytes.toHex(nodePub)), g.sealers());
        KeyFile.readPrivate(home.keys().resolve("operator.key"));
        assertTrue(Files.isRegularFile(home.keys().resolve("operator.pub")));

        assertEquals(2, g.alloc().size());
        for (String name : List.of("alice", "bob")) {
            Address a = suite.address(suite.publicKey(KeyFile.readPrivate(home.accountKey(name))));
            assertEquals(BigInteger.valueOf(1000), g.alloc().get(a), name);
            assertEquals(a, r.accounts().get(name));
        }
        assertNotEquals(r.accounts().get("alice"), r.accounts().get("bob"));

        Properties crypto = load(home.config("io.cairn.crypto"));
        assertEquals("secp256k1", crypto.getProperty("suite"));
        assertEquals("keys/node.key", crypto.getProperty("nodeKey"));
        assertEquals("data/chain", load(home.config("io.cairn.storage.rocksdb")).getProperty("path"));
        assertEquals("etc/genesis.properties", load(home.config("io.cairn.chain")).getProperty("genesis"));
        Properties rpc = load(home.config("io.cairn.rpc"));
        assertEquals("127.0.0.1", rpc.getProperty("host"));
        assertEquals("20333", rpc.getProperty("port"));
        assertEquals("200000", load(home.config("io.cairn.txpool")).getProperty("capacity"));
        assertEquals("2000", load(home.config("io.cairn.consensus.solo")).getProperty("blockTxs"));

        assertEquals("solo-rocksdb", home.profile());
        assertEquals("http://127.0.0.1:20333", home.rpcEndpoint());
        assertEquals(List.of("alice", "bob"), home.accounts());
    }

    @Test
    void memoryProfileHasNoRocksDbConfigAndSm2KeysWork() throws IOException {
        Path dir = tmp.resolve("m");
        NodeInit.init(options(dir, "solo-memory", "sm2", false), FeatureSource.bundled(), 1L);
        NodeHome home = new NodeHome(dir);
        assertFalse(Files.exists(home.config("io.cairn.storage.rocksdb")));
        assertEquals("sm2", home.genesis().suite());
        assertEquals("sm2", load(home.config("io.cairn.crypto")).getProperty("suite"));
        CryptoSuite sm2 = Suites.byName("sm2");
        Address alice = sm2.address(sm2.publicKey(KeyFile.readPrivate(home.accountKey("alice"))));
        assertTrue(home.genesis().alloc().containsKey(alice));
    }

    @Test
    void refusesAnInitializedHomeUnlessForced() throws IOException {
        Path dir = tmp.resolve("n0");
        NodeInit.init(options(dir, "solo-rocksdb", "secp256k1", false), FeatureSource.bundled(), 1L);
        String before = Files.readString(new NodeHome(dir).genesisFile());
        var e = assertThrows(IllegalStateException.class,
                () -> NodeInit.init(options(dir, "solo-rocksdb", "secp256k1", false), FeatureSource.bundled(), 2L));
        assertTrue(e.getMessage().contains("node home " + dir.toAbsolutePath() + " is already initialized"), e.getMessage());
        assertEquals(before, Files.readString(new NodeHome(dir).genesisFile()));

        Files.writeString(new NodeHome(dir).data().resolve("old-chain"), "x");
        NodeInit.init(options(dir, "solo-rocksdb", "secp256k1", true), FeatureSource.bundled(), 3L);
        assertEquals(3L, new NodeHome(dir).genesis().timestamp());
        assertFalse(Files.exists(new NodeHome(dir).data().resolve("old-chain")), "--force must start the chain over");
    }

    @Test
    void badOptionsNameTheOption() {
        Path dir = tmp.resolve("x");
        var suite = assertThrows(IllegalArgumentException.class, () -> options(dir, "solo-rocksdb", "rsa", false).validate());
        assertTrue(suite.getMessage().startsWith("--suite"), suite.getMessage());
        var names = assertThrows(IllegalArgumentException.class, () -> new NodeInit.Options(dir, "solo-rocksdb", "sm2", 1,
                List.of("alice", "al ice"), BigInteger.ONE, 20200, false).validate());
        assertTrue(names.getMessage().contains("--accounts") && names.getMessage().contains("'al ice'"), names.getMessage());
        var dup = assertThrows(IllegalArgumentException.class, () -> new NodeInit.Options(dir, "solo-rocksdb", "sm2", 1,
                List.of("a", "a"), BigInteger.ONE, 20200, false).validate());
        assertTrue(dup.getMessage().contains("repeat"), dup.getMessage());
        var port = assertThrows(IllegalArgumentException.class, () -> new NodeInit.Options(dir, "solo-rocksdb", "sm2", 1,
                List.of("a"), BigInteger.ONE, 70000, false).validate());
        assertTrue(port.getMessage().startsWith("--rpc-port"), port.getMessage());
        var profile = assertThrows(Feature.FeatureException.class,
                () -> NodeInit.init(options(dir, "solo-nothing", "sm2", false), FeatureSource.bundled(), 1L));
        assertTrue(profile.getMessage().contains("solo-nothing"), profile.getMessage());
        assertFalse(Files.exists(dir), "nothing is written for a bad profile");
    }
}
