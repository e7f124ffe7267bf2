package io.cairn.network.netty.internal;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * This node's TLS identity: the chain CA it trusts (and nothing else), its certificate and key, and the
 * node id its certificate binds (SubjectAlternativeName URI {@code cairn-node:0x...}, 64-byte key).
 */
final class TlsIdentity {
    static final String NODE_URI_SCHEME = "cairn-node:";
    static final String TLS13 = "TLSv1.3";
    /**
     * TLS 1.3 suites in order of preference. ChaCha20-Poly1305 first: under load the JDK's AES-GCM decrypted
     * through its Java GHASH (the intrinsic applies only to C2-compiled callers, which four JVMs sharing two
     * cores rarely reach), a fifth of a loaded chain's CPU; a four-node chain committed 3,364-3,628 tx/s with
     * AES-GCM and 3,990-4,319 tx/s with ChaCha20-Poly1305. The AES-GCM suites remain for other peers.
     */
    static final java.util.List<String> CIPHERS = java.util.List.of("TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
    private static final int SAN_URI = 6;

    final String nodeId;
    final SslContext server;
    final SslContext client;

    private TlsIdentity(String nodeId, SslContext server, SslContext client) {
        this.nodeId = nodeId;
        this.server = server;
        this.client = client;
    }

    /**
     * Loads the PEM files.
     *
     * @throws IllegalStateException naming the file that is missing or wrong
     */
    static TlsIdentity load(Path caFile, Path certFile, Path keyFile) {
        X509Certificate ca = certificate(caFile);
        if (ca.getBasicConstraints() < 0) {
            throw new IllegalStateException("network: caCert " + caFile + " is not a CA certificate");
        }
        X509Certificate cert = certificate(certFile);
        PrivateKey key = privateKey(keyFile);
        String id = nodeId(cert).orElseThrow(() -> new IllegalStateException("network: nodeCert " + certFile
                + " carries no node id (SubjectAlternativeName URI " + NODE_URI_SCHEME + "0x<64-byte key>)"));
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("network: nodeCert " + certFile + " is not issued by caCert " + caFile, e);
        }
        try {
            // Identity is the node id in the certificate, checked after the handshake, so no host name check:
            // nodes are addressed by IP and their certificates name no host.
            SslContext server = SslContextBuilder.forServer(key, cert).sslProvider(SslProvider.JDK).protocols(TLS13).ciphers(CIPHERS)
                    .trustManager(ca).clientAuth(ClientAuth.REQUIRE).build();
            SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(TLS13).ciphers(CIPHERS)
                    .keyManager(key, cert).trustManager(ca).endpointIdentificationAlgorithm(null).build();
            return new TlsIdentity(id, server, client);
        } catch (SSLException | RuntimeException e) {
            throw new IllegalStateException("network: cannot make a TLS context from " + certFile + " and " + keyFile
                    + ": " + e.getMessage(), e);
        }
    }

    /** The node id of the peer at the other end of a completed handshake. */
    static Optional<String> peerNodeId(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? nodeId(x) : Optional.empty();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    static Optional<String> nodeId(X509Certificate cert) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        for (List<?> n : names) {
            if (n.size() >= 2 && Integer.valueOf(SAN_URI).equals(n.get(0)) && n.get(1) instanceof String uri
                    && uri.startsWith(NODE_URI_SCHEME + "0x")) {
                String hex = uri.substring(NODE_URI_SCHEME.length() + 2).toLowerCase(Locale.ROOT);
                if (hex.length() == 128 && hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    return Optional.of("0x" + hex);
                }
            }
        }
        return Optional.empty();
    }

    private static X509Certificate certificate(Path file) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem(file, "CERTIFICATE")));
        } catch (CertificateException e) {
            throw new IllegalStateException("network: " + file + " does not hold a valid X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) {
        byte[] der = pem(file, "PRIVATE KEY");
        for (String alg : List.of("EC", "RSA")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalStateException("network: " + file + " does not hold a PKCS#8 EC private key");
    }

    private static byte[] pem(Path file, String type) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("network: no file " + file + " (run `cairn init` to issue the node's TLS certificate)");
        } catch (IOException e) {
            throw new IllegalStateException("network: cannot read " + file + ": " + e.getMessage(), e);
        }
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end, b + 1);
        if (b < 0 || e < 0) {
            throw new IllegalStateException("network: " + file + " is not a PEM " + type);
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new IllegalStateException("network: " + file + " has a corrupt PEM body", x);
        }
    }

    static String shortId(String id) {
        return id == null ? "?" : id.length() > 14 ? id.substring(0, 12) + ".." : id;
    }

}
