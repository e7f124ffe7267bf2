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
import io.cairn.crypto.Suites;
import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
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
    @Test
    void writesAnOwnerOnlyOperatorSshKeyAndAuthorizesIt() throws Exception {
        Path dir = tmp.resolve("n0");
        NodeInit.Result r = NodeInit.init(options(dir, "solo-rocksdb", "secp256k1", false), FeatureSource.bundled(), 1L);
        NodeHome home = new NodeHome(dir);
        Path key = home.keys().resolve("operator_ssh");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(Files.readString(key).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"));

        // sshd (the cairn shell client) reads the private key, and its public half is the authorized one.
        KeyPair pair = new FileKeyPairProvider(key).loadKeys(null).iterator().next();
        assertEquals("EC", pair.getPublic().getAlgorithm());
        List<AuthorizedKeyEntry> authorized = AuthorizedKeyEntry.readAuthorizedKeys(home.keys().resolve("authorized_keys"));
        assertEquals(1, authorized.size());
        assertTrue(KeyUtils.compareKeys(pair.getPublic(), authorized.get(0).resolvePublicKey(null, PublicKeyEntryResolver.FAILING)));
        assertEquals(Files.readString(home.keys().resolve("authorized_keys")), Files.readString(home.keys().resolve("operator_ssh.pub")));
        assertTrue(Files.readString(home.keys().resolve("operator_ssh.pub")).startsWith("ecdsa-sha2-nistp256 AAAA"));

        // RPC port 20333 is node index 133, so SSH defaults to 20733.
        assertEquals(20733, r.sshPort());
        Properties ssh = load(home.config("io.cairn.ssh"));
        assertEquals("127.0.0.1", ssh.getProperty("host"));
        assertEquals("20733", ssh.getProperty("port"));
        assertEquals("keys/authorized_keys", ssh.getProperty("authorizedKeys"));
        assertEquals("false", ssh.getProperty("passwordLogin"));
        assertEquals("false", ssh.getProperty("allowRemote"));
        assertEquals("20733", load(home.nodePropertiesFile()).getProperty("ssh.port"));

        // --force makes a new key and authorizes only that one.
        NodeInit.init(options(dir, "solo-rocksdb", "secp256k1", true), FeatureSource.bundled(), 2L);
        KeyPair again = new FileKeyPairProvider(key).loadKeys(null).iterator().next();
        assertFalse(KeyUtils.compareKeys(pair.getPublic(), again.getPublic()));
        assertEquals(1, AuthorizedKeyEntry.readAuthorizedKeys(home.keys().resolve("authorized_keys")).size());
    }

    @Test
    void sshPortIsTwentySixHundredPlusTheNodeIndexUnlessGiven() throws IOException {
        assertEquals(20600, NodeInit.defaultSshPort(20200));
        assertEquals(20602, NodeInit.defaultSshPort(20202));
        assertEquals(8945, NodeInit.defaultSshPort(8545));
        assertEquals(20600, NodeInit.defaultSshPort(100), "below 1024 falls back to 20600");
        assertEquals(20600, NodeInit.defaultSshPort(65500), "beyond 65535 falls back to 20600");

        Path dir = tmp.resolve("p");
        NodeInit.init(new NodeInit.Options(dir, "solo-memory", "secp256k1", 1, List.of("a"), BigInteger.ONE, 20200, 2222, false),
                FeatureSource.bundled(), 1L);
        assertEquals("2222", load(new NodeHome(dir).config("io.cairn.ssh")).getProperty("port"));

        var same = assertThrows(IllegalArgumentException.class, () -> new NodeInit.Options(dir, "solo-rocksdb", "sm2", 1,
                List.of("a"), BigInteger.ONE, 20200, 20200, false).validate());
        assertTrue(same.getMessage().startsWith("--ssh-port"), same.getMessage());
        var range = assertThrows(IllegalArgumentException.class, () -> new NodeInit.Options(dir, "solo-rocksdb", "sm2", 1,
                List.of("a"), BigInteger.ONE, 20200, 0, false).validate());
        assertTrue(range.getMessage().startsWith("--ssh-port: must be 1..65535"), range.getMessage());
    }
}
