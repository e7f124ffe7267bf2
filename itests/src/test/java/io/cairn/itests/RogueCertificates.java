package io.cairn.itests;

import io.cairn.api.chain.Bytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
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
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS identities for a rogue peer: the chain's own CA (read from the chain directory {@code cairn init}
 * wrote), or a CA of nobody's chain, issuing node certificates shaped like the chain's (EC P-256,
 * SubjectAlternativeName URI {@code cairn-node:0x<node key>}) for any node key the test picks.
 *
 * <p>The certificates are built independently of the launcher's code on purpose: the test states what a
 * node must accept or refuse, not what the launcher happens to write.
 */
final class RogueCertificates {
    private static final Duration VALIDITY = Duration.ofDays(2);

    private RogueCertificates() {}

    /** A certificate authority: its certificate and signing key. */
    record Authority(X509Certificate certificate, PrivateKey key) {}

    /** A node certificate with its TLS key, and the CA certificate that signed it. */
    record Identity(String nodeId, X509Certificate certificate, PrivateKey key, X509Certificate issuer) {}

    /** The chain's CA from {@code <chainDir>/ca/ca.crt} and {@code ca.key} (PKCS#8 EC PEM). */
    static Authority chainAuthority(Path chainDir) throws IOException, GeneralSecurityException {
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem(chainDir.resolve("ca/ca.crt"), "CERTIFICATE")));
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pem(chainDir.resolve("ca/ca.key"), "PRIVATE KEY")));
        return new Authority(cert, key);
    }

    /** A CA nobody's chain trusts, with the same shape as a chain CA. */
    static Authority foreignAuthority(String name) throws GeneralSecurityException {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("O=" + name + ",CN=" + name + " CA");
        try {
            X509v3CertificateBuilder b = builder(subject, subject, keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Authority(sign(b, keys.getPrivate()), keys.getPrivate());
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException("cannot make the CA certificate " + name + ": " + e.getMessage(), e);
        }
    }

    /** Issues a TLS certificate binding a fresh EC P-256 key to the 64-byte node key {@code nodePublicKey}. */
    static Identity issue(Authority ca, byte[] nodePublicKey) throws GeneralSecurityException {
        String nodeId = Bytes.toHex(nodePublicKey);
        KeyPair keys = ecKeys();
        try {
            X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                    new X500Name("O=Cairn,CN=rogue " + nodeId.substring(0, 18)), keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "cairn-node:" + nodeId)));
            return new Identity(nodeId, sign(b, ca.key()), keys.getPrivate(), ca.certificate());
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException("cannot issue a certificate for " + nodeId + ": " + e.getMessage(), e);
        }
    }

    /**
     * A TLS 1.3 client context that trusts {@code trusted} and presents {@code identity} (none when null).
     * The key manager offers the identity whatever CAs the server names, so that a foreign certificate
     * really reaches the node instead of being withheld by the JDK's issuer matching.
     */
    static SSLContext clientContext(Identity identity, X509Certificate trusted) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(identity == null ? new KeyManager[0] : new KeyManager[] {new FixedKeyManager(identity)}, tmf.getTrustManagers(),
                new SecureRandom());
        return ctx;
    }

    private static final class FixedKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "rogue";
        private final Identity identity;

        FixedKeyManager(Identity identity) {
            this.identity = identity;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[0];
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return new X509Certificate[] {identity.certificate(), identity.issuer()};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return identity.key();
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(120, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
            throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static byte[] pem(Path file, String type) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new IOException(file + " is not a PEM " + type);
        }
        return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    }
}
