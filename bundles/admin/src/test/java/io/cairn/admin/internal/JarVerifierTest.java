package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

class JarVerifierTest {
    @TempDir
    Path tmp;

    static final byte[] OPERATOR = filled(7);
    static final byte[] STRANGER = filled(9);
    final FakeSuite suite = new FakeSuite("secp256k1");
    final Map<String, CryptoSuite> suites = Map.of("secp256k1", suite, "sm2", new FakeSuite("sm2"));
    final Trust trust = new Trust(Set.of(Trust.normalize(Bytes.toHex(suite.publicKey(OPERATOR)))), "secp256k1", suites::get);

    static byte[] filled(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    static final List<ExportedPackage> EXPORTS = List.of(
            new ExportedPackage("io.cairn.api.node", new Version(1, 0, 0), "cairn-api"),
            new ExportedPackage("io.cairn.api.chain", new Version(1, 0, 0), "cairn-api"),
            new ExportedPackage("org.osgi.framework", new Version(1, 10, 0), "org.apache.felix.framework"));

    static final List<BundleFacts> TXPOOL = List.of(
            new BundleFacts(20, "cairn-txpool", Version.parseVersion("1.0.0.SNAPSHOT"), "file:/s/cairn-txpool.jar", Bundle.ACTIVE));

    Path jar(String name, String bsn, String version, String imports, String provides) throws Exception {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            a.putValue("Bundle-SymbolicName", bsn);
        }
        if (version != null) {
            a.putValue("Bundle-Version", version);
        }
        if (imports != null) {
            a.putValue("Import-Package", imports);
        }
        if (provides != null) {
            a.putValue("Provide-Capability", provides);
        }
        Path p = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return p;
    }

    void sign(Path jar, CryptoSuite with, byte[] key) throws Exception {
        Files.writeString(SignatureFile.of(jar), SignatureFile.sign(with, Files.readAllBytes(jar), key).text(),
                StandardCharsets.US_ASCII);
    }

    static final String IMPORTS = "io.cairn.api.node;version=\"[1.0,1.1)\",io.cairn.api.chain;version=\"[1.0,2)\","
            + "java.util,org.osgi.service.log;resolution:=optional";

    @Test
    void aSignedNewVersionWithResolvableImportsIsAnUpgrade() throws Exception {
        Path jar = jar("a.jar", "cairn-txpool", "1.0.1", IMPORTS, null);
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertTrue(v.ok(), v.problems().toString());
        assertEquals("upgrade of cairn-txpool 1.0.0.SNAPSHOT", v.kind());
        assertEquals("signed by a trusted key", v.trust());
        assertEquals(List.of(), v.unresolved());
    }

    @Test
    void aDifferentEngineDeclaringTheServiceIsAReplacement() throws Exception {
        Path jar = jar("b.jar", "cairn-txpool-fast", "2.0.0", IMPORTS,
                "osgi.service;objectClass:List<String>=\"io.cairn.api.node.BlockListener,io.cairn.api.node.TxPool\";uses:=\"io.cairn.api.node\"");
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertTrue(v.ok(), v.problems().toString());
        assertEquals("replacement of cairn-txpool 1.0.0.SNAPSHOT", v.kind());
    }

    @Test
    void aJarThatProvidesAnotherComponentIsRefused() throws Exception {
        Path jar = jar("c.jar", "cairn-ledger", "1.0.1", IMPORTS,
                "osgi.service;objectClass:List<String>=\"io.cairn.api.node.BlockStore\"");
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertFalse(v.ok());
        assertTrue(v.firstProblem().startsWith("cairn-ledger 1.0.1 does not provide txpool"), v.firstProblem());
    }

    @Test
    void anEngineThatExportsAPackageIsRefused() throws Exception {
        Path jar = jar("x.jar", "cairn-txpool", "1.0.1", IMPORTS, null);
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(jar))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Export-Package",
                    "io.cairn.txpool.internal;version=\"1.0.0\",io.cairn.txpool.spi;version=\"1.0.0\"");
            try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
                j.flush();
            }
        }
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertEquals(List.of("cairn-txpool 1.0.1 exports io.cairn.txpool.internal, io.cairn.txpool.spi: an engine "
                + "exports nothing, since updating it would refresh every bundle that imports what it exports; put "
                + "shared types in cairn-api"), v.problems());
    }

    @Test
    void theVersionThatRunsIsRefused() throws Exception {
        Path jar = jar("d.jar", "cairn-txpool", "1.0.0.SNAPSHOT", IMPORTS, null);
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertEquals(List.of("cairn-txpool 1.0.0.SNAPSHOT is what runs already (bundle 20): give the new jar a different "
                + "Bundle-Version"), v.problems());
    }

    @Test
    void trustRefusalsSayWhy() throws Exception {
        Path unsigned = jar("e.jar", "cairn-txpool", "1.0.1", IMPORTS, null);
        assertEquals("no signature file " + unsigned + ".sig",
                JarVerifier.verify(unsigned, "txpool", TXPOOL, EXPORTS, trust).firstProblem());

        Path stranger = jar("f.jar", "cairn-txpool", "1.0.1", IMPORTS, null);
        sign(stranger, suite, STRANGER);
        assertEquals("signed by untrusted key " + Trust.normalize(Bytes.toHex(suite.publicKey(STRANGER))),
                JarVerifier.verify(stranger, "txpool", TXPOOL, EXPORTS, trust).firstProblem());

        Path sm2 = jar("g.jar", "cairn-txpool", "1.0.1", IMPORTS, null);
        sign(sm2, suites.get("sm2"), OPERATOR);
        assertEquals("signed with suite sm2 but the chain uses secp256k1",
                JarVerifier.verify(sm2, "txpool", TXPOOL, EXPORTS, trust).firstProblem());

        Path tampered = jar("h.jar", "cairn-txpool", "1.0.1", IMPORTS, null);
        sign(tampered, suite, OPERATOR);
        Files.write(tampered, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        assertEquals("signature does not match the jar",
                JarVerifier.verify(tampered, "txpool", TXPOOL, EXPORTS, trust).firstProblem());

        Files.writeString(SignatureFile.of(tampered), "suite=secp256k1\n");
        assertTrue(JarVerifier.verify(tampered, "txpool", TXPOOL, EXPORTS, trust).firstProblem()
                .startsWith("malformed signature file"));
    }

    @Test
    void aJarOfOtherRulesIsRefusedForALocalUpgradeAndPointsToAPlan() throws Exception {
        Path jar = jar("r.jar", "cairn-txpool", "1.1.0", IMPORTS, null);
        addRules(jar, "2");
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertEquals(2, v.facts().rules());
        assertEquals(List.of("cairn-txpool 1.1.0 computes with rules 2, the running engine (cairn-txpool "
                + "1.0.0.SNAPSHOT) with rules 1: a change of rules must switch every node at the same block; txpool has "
                + "no rules an upgrade plan can schedule (only ledger-model, block-format)"), v.problems());

        // the same rules as one installed version: a local upgrade
        List<BundleFacts> both = List.of(TXPOOL.get(0), new BundleFacts(21, "cairn-txpool", Version.parseVersion("1.0.5"),
                "file:/s/r2.jar", Bundle.ACTIVE, 2));
        Path jar2 = jar("r2.jar", "cairn-txpool", "1.2.0", IMPORTS, null);
        addRules(jar2, "2");
        sign(jar2, suite, OPERATOR);
        assertTrue(JarVerifier.verify(jar2, "txpool", both, EXPORTS, trust).ok());

        Path bad = jar("r3.jar", "cairn-txpool", "1.3.0", IMPORTS, null);
        addRules(bad, "two");
        sign(bad, suite, OPERATOR);
        assertEquals(bad + " (cairn-txpool) declares Cairn-Rules 'two': a rules version is an integer of 1 or more",
                JarVerifier.verify(bad, "txpool", TXPOOL, EXPORTS, trust).firstProblem());
    }

    /** Rewrites the jar's manifest with a Cairn-Rules header. */
    void addRules(Path jar, String rules) throws Exception {
        Manifest m;
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(jar))) {
            m = in.getManifest();
        }
        m.getMainAttributes().putValue("Cairn-Rules", rules);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
    }

    @Test
    void anArchivedJarSkipsTheSignatureCheck() throws Exception {
        Path jar = jar("i.jar", "cairn-txpool", "0.9.0", IMPORTS, null);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, null);
        assertTrue(v.ok(), v.problems().toString());
    }

    @Test
    void unresolvableImportsAreNamedWithTheirRange() throws Exception {
        Path jar = jar("j.jar", "cairn-txpool", "1.0.1",
                IMPORTS + ",io.cairn.api.node;version=\"[2.0,3)\",com.example.missing;version=\"1.0\"", null);
        sign(jar, suite, OPERATOR);
        JarVerifier.Verification v = JarVerifier.verify(jar, "txpool", TXPOOL, EXPORTS, trust);
        assertEquals(List.of("io.cairn.api.node [2.0.0,3.0.0)", "com.example.missing 1.0.0"), v.unresolved());
        assertTrue(v.problems().contains("import cannot be resolved: com.example.missing 1.0.0"), v.problems().toString());
    }

    @Test
    void notABundleIsRefusedClearly() throws Exception {
        assertEquals("no readable jar " + tmp.resolve("none.jar"),
                JarVerifier.verify(tmp.resolve("none.jar"), "txpool", TXPOOL, EXPORTS, trust).firstProblem());
        Path noBsn = jar("k.jar", null, "1.0.0", null, null);
        assertTrue(JarVerifier.verify(noBsn, "txpool", TXPOOL, EXPORTS, trust).firstProblem()
                .endsWith("is not a bundle: its manifest has no Bundle-SymbolicName"));
        Path noVersion = jar("l.jar", "cairn-txpool", null, null, null);
        assertTrue(JarVerifier.verify(noVersion, "txpool", TXPOOL, EXPORTS, trust).firstProblem().endsWith("has no Bundle-Version"));
    }

    @Test
    void theShellIsKnownByItsSymbolicName() throws Exception {
        Path jar = jar("m.jar", "cairn-shell", "1.0.1", null, null);
        sign(jar, suite, OPERATOR);
        List<BundleFacts> shell = List.of(new BundleFacts(30, "cairn-shell", Version.parseVersion("1.0.0"), "file:/x", Bundle.ACTIVE));
        assertTrue(JarVerifier.verify(jar, "shell", shell, EXPORTS, trust).ok());
        assertFalse(JarVerifier.verify(jar, "ssh", List.of(), EXPORTS, trust).ok());
    }

    @Test
    void trustedKeysComeFromConfigurationElseTheOperatorKey() throws Exception {
        assertEquals(Set.of("0xabcd"), Trust.load(new String[] {"0xABCD", " "}, tmp, suite));
        assertEquals(Set.of(), Trust.load(new String[0], tmp, suite));
        Files.createDirectories(tmp.resolve("keys"));
        Files.writeString(tmp.resolve("keys/operator.key"), Bytes.toHex(OPERATOR) + "\n");
        assertEquals(Set.of(Trust.normalize(Bytes.toHex(suite.publicKey(OPERATOR)))), Trust.load(null, tmp, suite),
                "derived from operator.key");
        Files.writeString(tmp.resolve("keys/operator.pub"), "0x1234\n");
        assertEquals(Set.of("0x1234"), Trust.load(null, tmp, suite));
        Trust none = new Trust(Set.of(), "secp256k1", suites::get);
        Path jar = jar("n.jar", "cairn-txpool", "1.0.1", null, null);
        sign(jar, suite, OPERATOR);
        assertTrue(none.refusal(SignatureFile.of(jar), Files.readAllBytes(jar)).contains("this node trusts no key"));
        assertNull(trust.refusal(SignatureFile.of(jar), Files.readAllBytes(jar)));
    }

    @Test
    void mavenCoordinatesMapToTheLocalRepository() {
        Path repo = Path.of("/r");
        assertEquals(Path.of("/r/io/cairn/cairn-txpool/1.0.1/cairn-txpool-1.0.1.jar"),
                MavenSource.resolve("mvn:io.cairn/cairn-txpool/1.0.1", repo));
        assertEquals(Path.of("/r/g/a/1/a-1-x.zip"), MavenSource.resolve("mvn:g/a/1/zip/x", repo));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MavenSource.resolve("mvn:io.cairn/cairn-txpool", repo));
        assertTrue(e.getMessage().contains("expected mvn:group/artifact/version"));
    }
}
