package io.cairn.launcher.node;

import io.cairn.api.chain.Bytes;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * The chain's certificate authority and the TLS certificates it issues to nodes (issue 4): only holders
 * of a certificate of this CA can connect to the chain's nodes (cairn-network-netty).
 *
 * <p>Keys are EC P-256 (what every TLS 1.3 stack speaks), made and used by the JDK's own provider;
 * Bouncy Castle PKIX only builds the certificates and writes PEM, so no provider is registered. A node
 * certificate binds the TLS key to the node's chain identity: the 64-byte node public key, as
 * {@code 0x} hex, in a SubjectAlternativeName URI {@code cairn-node:0x...}; the network reads the
 * peer's id from there after the handshake.
 *
 * <p>Node home files: {@code keys/tls/ca.crt}, {@code keys/tls/node.crt}, {@code keys/tls/node.key}
 * (PKCS#8 PEM, owner-only). The CA key itself never belongs in a node home: keep it with the operator
 * ({@link #writeAuthority}).
 */
public final class ChainCertificates {
    /** URI scheme of the SubjectAlternativeName carrying the node id. */
    public static final String NODE_URI_SCHEME = "cairn-node:";
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365L * 20);
    /** Accepted clock skew between the machine that issues and the nodes that check. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final int SAN_URI = 6;

    private ChainCertificates() {}

    /** The chain's CA: its self-signed certificate and the key that signs node certificates. */
    public record Authority(X509Certificate certificate, PrivateKey key) {}

    /** A node's TLS certificate (issued by the chain's CA) and the TLS key pair it certifies. */
    public record NodeCertificate(String nodeId, X509Certificate certificate, KeyPair keys) {}

    /** The TLS file locations inside a node home. */
    public record TlsFiles(Path caCert, Path nodeCert, Path nodeKey) {
        public static TlsFiles of(Path nodeHome) {
            Path dir = nodeHome.resolve("keys").resolve("tls");
            return new TlsFiles(dir.resolve("ca.crt"), dir.resolve("node.crt"), dir.resolve("node.key"));
        }
    }

    /** Makes a new CA (EC P-256, self-signed) for the chain of this id. */
    public static Authority createAuthority(long chainId, Duration validity) {
        KeyPair keys = newKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Cairn chain " + chainId)
                .addRDN(BCStyle.CN, "Cairn chain " + chainId + " CA").build();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = builder(name, name, keys.getPublic(), validity)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(sign(b, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot make the chain CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Issues a node's TLS certificate with a fresh EC P-256 key.
     *
     * @param nodePublicKey the node's 64-byte chain public key (x || y)
     * @throws IllegalArgumentException if the key is not 64 bytes
     */
    public static NodeCertificate issueNode(Authority ca, byte[] nodePublicKey, Duration validity) {
        if (nodePublicKey == null || nodePublicKey.length != 64) {
            throw new IllegalArgumentException("node public key must be 64 bytes, got "
                    + (nodePublicKey == null ? "none" : nodePublicKey.length));
        }
        String nodeId = Bytes.toHex(nodePublicKey);
        KeyPair keys = newKeyPair();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Cairn")
                .addRDN(BCStyle.CN, "node " + nodeId.substring(0, 18)).build();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                    subject, keys.getPublic(), validity)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, NODE_URI_SCHEME + nodeId)))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            return new NodeCertificate(nodeId, sign(b, ca.key()), keys);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue the TLS certificate of node " + nodeId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a node home's TLS files: the CA certificate, the node certificate and its key (owner-only).
     * Never overwrites: a node's TLS identity is replaced deliberately, by deleting the files first.
     */
    public static TlsFiles writeNodeFiles(Path nodeHome, Authority ca, NodeCertificate node) throws IOException {
        TlsFiles files = TlsFiles.of(nodeHome);
        Files.createDirectories(files.nodeKey().getParent());
        writeNew(files.nodeKey(), pem(new JcaPKCS8Generator(node.keys().getPrivate(), null).generate()), true);
        writeNew(files.nodeCert(), pem(node.certificate()), false);
        writeNew(files.caCert(), pem(ca.certificate()), false);
        return files;
    }

    /** Writes the CA certificate and its key (owner-only) for the operator to keep; never overwrites. */
    public static void writeAuthority(Authority ca, Path certFile, Path keyFile) throws IOException {
        for (Path p : List.of(certFile, keyFile)) {
            if (p.toAbsolutePath().getParent() != null) {
                Files.createDirectories(p.toAbsolutePath().getParent());
            }
        }
        writeNew(keyFile, pem(new JcaPKCS8Generator(ca.key(), null).generate()), true);
        writeNew(certFile, pem(ca.certificate()), false);
    }

    /** Reads a CA written by {@link #writeAuthority}; the message names the file that is wrong. */
    public static Authority readAuthority(Path certFile, Path keyFile) throws IOException {
        X509Certificate cert = readCertificate(certFile);
        if (cert.getBasicConstraints() < 0) {
            throw new IOException(certFile + " is not a CA certificate");
        }
        return new Authority(cert, readPrivateKey(keyFile));
    }

    public static X509Certificate readCertificate(Path file) throws IOException {
        byte[] der = readPem(file, "CERTIFICATE");
        try {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IOException(file + " does not hold a valid X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** Reads an EC private key in PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        byte[] der = readPem(file, "PRIVATE KEY");
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " does not hold a PKCS#8 EC private key: " + e.getMessage(), e);
        }
    }

    /** The node id ({@code 0x} hex of the 64-byte node key) a certificate was issued to, if any. */
    public static Optional<String> nodeId(X509Certificate cert) {
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
                    && uri.startsWith(NODE_URI_SCHEME)) {
                String id = uri.substring(NODE_URI_SCHEME.length()).toLowerCase(Locale.ROOT);
                try {
                    if (Bytes.fromHex(id).length == 64 && id.startsWith("0x")) {
                        return Optional.of(id);
                    }
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make EC P-256 keys: " + e.getMessage(), e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Duration validity) {
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("certificate validity must be positive, got " + validity);
        }
        Instant now = Instant.now();
        BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(validity)), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) throws CertificateException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(issuerKey);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new CertificateException("cannot sign with " + SIGNATURE + ": " + e.getMessage(), e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            if (o instanceof PemObject p) {
                w.writeObject(p);
            } else {
                w.writeObject(o);
            }
        }
        return s.toString();
    }

    private static void writeNew(Path file, String text, boolean secret) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "will not overwrite it: delete it first to replace it");
        }
        if (secret && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING)) {
            w.write(text);
        }
    }

    private static byte[] readPem(Path file, String type) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no file " + file);
        }
        try (PemReader r = new PemReader(new StringReader(text))) {
            PemObject o = r.readPemObject();
            if (o == null || !o.getType().equals(type)) {
                throw new IOException(file + " is not a PEM " + type + (o == null ? "" : " (found " + o.getType() + ")"));
            }
            return o.getContent();
        }
    }
}
