package io.cairn.network.netty.internal;

import io.cairn.api.testing.Await;
import io.cairn.api.network.MessageHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A chain CA and its node certificates in a temporary directory (what the launcher's ChainCertificates
 * does at init, redone here because the network bundle must not depend on the launcher), and nodes
 * started from them on loopback.
 */
final class TestChain implements AutoCloseable {
    private final Path dir;
    private final KeyPair caKeys = ecKeys();
    private final X509Certificate ca;
    private final List<NettyNetwork> started = new ArrayList<>();
    private int nodes;

    TestChain(Path dir) throws Exception {
        this.dir = dir;
        X500Name name = new X500Name("CN=test chain CA " + dir.getFileName());
        X509v3CertificateBuilder b = builder(name, name, caKeys)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = sign(b, caKeys);
    }

    /** A node's TLS files: what a node home holds under keys/tls. */
    record Node(String id, Path caCert, Path nodeCert, Path nodeKey, X509Certificate cert, KeyPair keys, X509Certificate ca) {}

    Node node() throws Exception {
        byte[] key = new byte[64];
        new SecureRandom().nextBytes(key);
        return node("0x" + HexFormat.of().formatHex(key), true);
    }

    /** @param withId false makes a certificate without the node id SAN */
    Node node(String id, boolean withId) throws Exception {
        Path d = Files.createDirectories(dir.resolve("node" + (nodes++)));
        KeyPair keys = ecKeys();
        X509v3CertificateBuilder b = builder(new X500Name(ca.getSubjectX500Principal().getName()),
                new X500Name("CN=node " + id.substring(0, 10)), keys)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        if (withId) {
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "cairn-node:" + id)));
        }
        X509Certificate cert = sign(b, caKeys);
        Node n = new Node(id, d.resolve("ca.crt"), d.resolve("node.crt"), d.resolve("node.key"), cert, keys, ca);
        Files.writeString(n.caCert(), pem(ca));
        Files.writeString(n.nodeCert(), pem(cert));
        Files.writeString(n.nodeKey(), pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
        return n;
    }

    NettyNetwork start(Node n, TestConfig c) {
        return start(n, c, new int[] {NettyNetwork.MIN_VERSION, NettyNetwork.MAX_VERSION});
    }

    /** A node speaking the protocol versions {@code wire} ({min, max}). */
    NettyNetwork start(Node n, TestConfig c, int[] wire) {
        c.caCert = n.caCert().toString();
        c.nodeCert = n.nodeCert().toString();
        c.nodeKey = n.nodeKey().toString();
        NettyNetwork net = new NettyNetwork(null, c, c.reputation, wire);
        started.add(net);
        return net;
    }

    NettyNetwork start(Node n, int port, String... peers) {
        TestConfig c = new TestConfig();
        c.port = port;
        c.peers = peers;
        return start(n, c);
    }

    void stop(NettyNetwork n) {
        if (started.remove(n)) {
            n.deactivate();
        }
    }

    @Override
    public void close() {
        for (NettyNetwork n : List.copyOf(started)) {
            stop(n);
        }
    }

    /** An SSLContext for a hand-made TLS client holding this node's certificate. */
    static SSLContext clientContext(Node n) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", n.keys().getPrivate(), new char[0], new X509Certificate[] {n.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", n.ca());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static String at(NettyNetwork n) {
        return "127.0.0.1:" + n.port();
    }

    /** Waits for a condition, failing with its description after the deadline. */
    static void await(String what, BooleanSupplier condition, long timeoutMs) {
        Await.until(what, java.time.Duration.ofMillis(timeoutMs), condition);
    }

    static void handle(NettyNetwork n, String topic, MessageHandler h) {
        n.handlers().add(h, h, List.of(topic));
    }

    /** A configuration with test-sized limits; fields are public for each test to adjust. */
    static final class TestConfig implements NettyNetwork.Config {
        /** This node's peer reputation: bans last 1.5 s. */
        io.cairn.api.testing.TestReputation reputation = new io.cairn.api.testing.TestReputation(io.cairn.api.runtime.NodeClock.SYSTEM, 1500);
        String host = "127.0.0.1";
        int port;
        String[] peers = {};
        String caCert;
        String nodeCert;
        String nodeKey;
        long chainId = 1;
        int maxFrameBytes = 1024 * 1024;
        long sendQueueBytes = 4L * 1024 * 1024;
        long reconnectMinMs = 50;
        long reconnectMaxMs = 400;
        long helloTimeoutMs = 3000;
        long keepaliveMs = 10_000;
        int ioThreads = 1;

        @Override public Class<? extends java.lang.annotation.Annotation> annotationType() { return NettyNetwork.Config.class; }
        @Override public String host() { return host; }
        @Override public int port() { return port; }
        @Override public String[] peers() { return peers; }
        @Override public String caCert() { return caCert; }
        @Override public String nodeCert() { return nodeCert; }
        @Override public String nodeKey() { return nodeKey; }
        @Override public long chainId() { return chainId; }
        @Override public int maxFrameBytes() { return maxFrameBytes; }
        @Override public long sendQueueBytes() { return sendQueueBytes; }
        @Override public long reconnectMinMs() { return reconnectMinMs; }
        @Override public long reconnectMaxMs() { return reconnectMaxMs; }
        @Override public long helloTimeoutMs() { return helloTimeoutMs; }
        @Override public long keepaliveMs() { return keepaliveMs; }
        @Override public int ioThreads() { return ioThreads; }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }

    private static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }
}
