package io.cairn.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.KeyFiles;
import io.cairn.crypto.Suites;
import io.cairn.launcher.node.FelixNode;
import io.cairn.launcher.node.NodeHome;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignCommandTest {
    @TempDir
    Path tmp;

    static Path bundle(Path jar, String bsn) throws Exception {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Bundle-SymbolicName", bsn + ";singleton:=true");
        m.getMainAttributes().putValue("Bundle-Version", "1.0.1");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return jar;
    }

    @Test
    void signsWithTheOperatorKeyInTheChainsSuite() throws Exception {
        Path home = tmp.resolve("n0");
        assertEquals(0, CliTest.cairn("init", "--dir", home.toString()).code());
        Path jar = bundle(tmp.resolve("cairn-txpool-1.0.1.jar"), "cairn-txpool");
        CliTest.Run r = CliTest.cairn("sign", "--home", home.toString(), jar.toString());
        assertEquals(0, r.code(), r.err());
        Properties sig = new Properties();
        sig.load(Files.newBufferedReader(tmp.resolve("cairn-txpool-1.0.1.jar.sig")));
        CryptoSuite suite = Suites.byName(new NodeHome(home).genesis().suite());
        assertEquals(suite.name(), sig.getProperty("suite"));
        byte[] operator = KeyFiles.read(home.resolve("keys/operator.key"));
        byte[] pub = Bytes.fromHex(sig.getProperty("publicKey"));
        assertEquals(Bytes.toHex(suite.publicKey(operator)), Bytes.toHex(pub));
        assertEquals(Files.readString(home.resolve("keys/operator.pub")).strip(), sig.getProperty("publicKey"));
        assertTrue(suite.verify(suite.hash(Files.readAllBytes(jar)), Bytes.fromHex(sig.getProperty("signature")), pub));
    }

    @Test
    void refusesWhatIsNotABundle() throws Exception {
        Path home = tmp.resolve("n0");
        CliTest.cairn("init", "--dir", home.toString());
        Path notAJar = Files.writeString(tmp.resolve("x.jar"), "text");
        CliTest.Run r = CliTest.cairn("sign", "--home", home.toString(), notAJar.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not a bundle"), r.err());
        assertEquals(1, CliTest.cairn("sign", "--home", home.toString(), tmp.resolve("none.jar").toString()).code());
    }

    @Test
    void readsSymbolicNamesAndReplacedEngines() throws Exception {
        assertEquals("cairn-ledger", FelixNode.symbolicName(bundle(tmp.resolve("a.jar"), "cairn-ledger")));
        NodeHome home = new NodeHome(tmp.resolve("h"));
        assertTrue(FelixNode.replacedEngines(home).isEmpty());
        Files.createDirectories(FelixNode.upgradedEngines(home).getParent());
        Files.writeString(FelixNode.upgradedEngines(home), "replaced.cairn-storage-memory=cairn-storage-rocksdb\n");
        assertEquals(java.util.Set.of("cairn-storage-memory"), FelixNode.replacedEngines(home));
    }
}
