package io.cairn.launcher.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainCertificatesTest {
    @TempDir
    Path dir;

    private static byte[] nodeKey(int seed) {
        byte[] k = new byte[64];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (seed * 31 + i);
        }
        return k;
    }

    @Test
    void nodeCertificateCarriesTheNodeIdAndChainsToTheCa() throws Exception {
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(7, ChainCertificates.DEFAULT_VALIDITY);
        ChainCertificates.NodeCertificate node = ChainCertificates.issueNode(ca, nodeKey(1), ChainCertificates.DEFAULT_VALIDITY);

        assertEquals(Bytes.toHex(nodeKey(1)), node.nodeId());
        assertEquals(Optional.of(node.nodeId()), ChainCertificates.nodeId(node.certificate()));
        assertEquals(Optional.empty(), ChainCertificates.nodeId(ca.certificate()), "the CA is no node");
        assertTrue(ca.certificate().getBasicConstraints() >= 0, "CA certificate must be a CA");
        assertEquals(-1, node.certificate().getBasicConstraints(), "a node certificate must not sign others");
        assertEquals("EC", node.certificate().getPublicKey().getAlgorithm());
        assertTrue(node.certificate().getSubjectX500Principal().getName().contains("CN=node " + node.nodeId().substring(0, 18)));
        node.certificate().verify(ca.certificate().getPublicKey());

        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(node.certificate())), params);
    }

    @Test
    void certificateFromAnotherCaDoesNotVerify() throws Exception {
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(1, ChainCertificates.DEFAULT_VALIDITY);
        ChainCertificates.Authority other = ChainCertificates.createAuthority(1, ChainCertificates.DEFAULT_VALIDITY);
        X509Certificate c = ChainCertificates.issueNode(other, nodeKey(2), ChainCertificates.DEFAULT_VALIDITY).certificate();
        assertThrows(GeneralSecurityException.class, () -> c.verify(ca.certificate().getPublicKey()));
    }

    @Test
    void writesTheNodeHomeFilesOwnerOnlyAndReadsThemBack() throws Exception {
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(3, ChainCertificates.DEFAULT_VALIDITY);
        ChainCertificates.NodeCertificate node = ChainCertificates.issueNode(ca, nodeKey(3), ChainCertificates.DEFAULT_VALIDITY);

        ChainCertificates.TlsFiles files = ChainCertificates.writeNodeFiles(dir, ca, node);

        assertEquals(dir.resolve("keys/tls/ca.crt"), files.caCert());
        assertEquals(dir.resolve("keys/tls/node.crt"), files.nodeCert());
        assertEquals(dir.resolve("keys/tls/node.key"), files.nodeKey());
        assertTrue(Files.readString(files.nodeKey()).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.nodeKey())));
        assertEquals(ca.certificate(), ChainCertificates.readCertificate(files.caCert()));
        assertEquals(node.certificate(), ChainCertificates.readCertificate(files.nodeCert()));
        PrivateKey key = ChainCertificates.readPrivateKey(files.nodeKey());
        assertArrayEquals(node.keys().getPrivate().getEncoded(), key.getEncoded());

        FileAlreadyExistsException again = assertThrows(FileAlreadyExistsException.class,
                () -> ChainCertificates.writeNodeFiles(dir, ca, node));
        assertTrue(again.getMessage().contains("node.key"), again.getMessage());
    }

    @Test
    void authorityRoundTripsThroughItsFiles() throws Exception {
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(9, ChainCertificates.DEFAULT_VALIDITY);
        Path cert = dir.resolve("chain/ca.crt");
        Path key = dir.resolve("chain/ca.key");
        ChainCertificates.writeAuthority(ca, cert, key);
        ChainCertificates.Authority back = ChainCertificates.readAuthority(cert, key);
        assertEquals(ca.certificate(), back.certificate());
        X509Certificate issued = ChainCertificates.issueNode(back, nodeKey(4), ChainCertificates.DEFAULT_VALIDITY).certificate();
        issued.verify(ca.certificate().getPublicKey());
    }

    @Test
    void badInputIsNamed() throws Exception {
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(1, ChainCertificates.DEFAULT_VALIDITY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChainCertificates.issueNode(ca, new byte[33], ChainCertificates.DEFAULT_VALIDITY));
        assertTrue(e.getMessage().contains("64 bytes"), e.getMessage());
        Path notPem = dir.resolve("x.crt");
        Files.writeString(notPem, "hello");
        java.io.IOException io = assertThrows(java.io.IOException.class, () -> ChainCertificates.readCertificate(notPem));
        assertTrue(io.getMessage().contains("x.crt"), io.getMessage());
        io = assertThrows(java.io.IOException.class, () -> ChainCertificates.readPrivateKey(dir.resolve("missing.key")));
        assertTrue(io.getMessage().contains("missing.key"), io.getMessage());
    }

    /** The certificates must be usable as they are for mutual TLS 1.3 with the JDK provider. */
    @Test
    void twoNodesCompleteAMutualTls13Handshake() throws Exception {
        ChainCertificates.Authority ca = ChainCertificates.createAuthority(5, ChainCertificates.DEFAULT_VALIDITY);
        ChainCertificates.NodeCertificate a = ChainCertificates.issueNode(ca, nodeKey(5), ChainCertificates.DEFAULT_VALIDITY);
        ChainCertificates.NodeCertificate b = ChainCertificates.issueNode(ca, nodeKey(6), ChainCertificates.DEFAULT_VALIDITY);
        SSLContext sa = tls(ca, a);
        SSLContext sb = tls(ca, b);
        try (SSLServerSocket server = (SSLServerSocket) sa.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            server.setEnabledProtocols(new String[] {"TLSv1.3"});
            server.setNeedClientAuth(true);
            CompletableFuture<String> seenByServer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    InputStream in = s.getInputStream();
                    int x = in.read();
                    s.getOutputStream().write(x);
                    s.getOutputStream().flush();
                    return ChainCertificates.nodeId((X509Certificate) s.getSession().getPeerCertificates()[0]).orElseThrow();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) sb.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                c.setEnabledProtocols(new String[] {"TLSv1.3"});
                OutputStream out = c.getOutputStream();
                out.write(42);
                out.flush();
                assertEquals(42, c.getInputStream().read());
                assertEquals("TLSv1.3", c.getSession().getProtocol());
                assertEquals(Optional.of(a.nodeId()),
                        ChainCertificates.nodeId((X509Certificate) c.getSession().getPeerCertificates()[0]));
            }
            assertEquals(b.nodeId(), seenByServer.get(10, TimeUnit.SECONDS));
        }
    }

    private static SSLContext tls(ChainCertificates.Authority ca, ChainCertificates.NodeCertificate node) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", node.keys().getPrivate(), new char[0], new X509Certificate[] {node.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
