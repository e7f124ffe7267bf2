package io.cairn.launcher.client;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Set;

/**
 * The operator's SSH key of a node home: {@code keys/operator_ssh} (ECDSA P-256 in OpenSSH's own
 * unencrypted format, owner-only), {@code keys/operator_ssh.pub} and its line in {@code keys/authorized_keys}.
 *
 * <p>P-256 because the JDK makes it; ed25519 would need net.i2p eddsa, which the node's runtime does
 * not carry. The OpenSSH format because both {@code ssh -i keys/operator_ssh} and sshd read it
 * whatever security providers are around (sshd hands PKCS#8 PEM to Bouncy Castle's PEM parser when
 * BC is present, and that needs bcpkix). Written with the JDK alone so that {@code cairn init} does
 * not load sshd.
 */
public final class OperatorSshKey {
    public static final String PRIVATE = "operator_ssh";
    public static final String PUBLIC = "operator_ssh.pub";
    public static final String AUTHORIZED_KEYS = "authorized_keys";

    private OperatorSshKey() {}

    /** Creates the key pair in {@code keysDir} and authorizes it; never overwrites a key. Returns the public key line. */
    public static String create(Path keysDir, String comment) throws IOException {
        KeyPair pair;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            pair = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make an ECDSA P-256 key", e);
        }
        Files.createDirectories(keysDir);
        ECPublicKey pub = (ECPublicKey) pair.getPublic();
        writeOwnerOnly(keysDir.resolve(PRIVATE), openSshPrivateKey(pub, (ECPrivateKey) pair.getPrivate(), comment));
        String line = "ecdsa-sha2-nistp256 " + Base64.getEncoder().encodeToString(publicKeyBlob(pub)) + " " + comment;
        Files.writeString(keysDir.resolve(PUBLIC), line + "\n", StandardCharsets.US_ASCII);
        Files.writeString(keysDir.resolve(AUTHORIZED_KEYS), line + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return line;
    }

    /** The public key blob of RFC 5656 section 3.1: name, curve, uncompressed point. */
    static byte[] publicKeyBlob(ECPublicKey key) {
        try {
            ByteArrayOutputStream blob = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(blob);
            publicFields(d, key);
            return blob.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void publicFields(DataOutputStream d, ECPublicKey key) throws IOException {
        sshString(d, "ecdsa-sha2-nistp256".getBytes(StandardCharsets.US_ASCII));
        sshString(d, "nistp256".getBytes(StandardCharsets.US_ASCII));
        byte[] point = new byte[65];
        point[0] = 4; // uncompressed
        fixed32(key.getW().getAffineX(), point, 1);
        fixed32(key.getW().getAffineY(), point, 33);
        sshString(d, point);
    }

    /** OpenSSH's PROTOCOL.key format, no cipher: magic, "none" cipher and KDF, one public and one private key. */
    static String openSshPrivateKey(ECPublicKey pub, ECPrivateKey priv, String comment) {
        try {
            ByteArrayOutputStream privateSection = new ByteArrayOutputStream();
            DataOutputStream p = new DataOutputStream(privateSection);
            int check = new SecureRandom().nextInt(); // lets a reader see a wrong passphrase; none here
            p.writeInt(check);
            p.writeInt(check);
            publicFields(p, pub);
            sshString(p, priv.getS().toByteArray()); // mpint: BigInteger's two's complement is the format
            sshString(p, comment.getBytes(StandardCharsets.UTF_8));
            for (int pad = 1; privateSection.size() % 8 != 0; pad++) {
                p.write(pad);
            }

            ByteArrayOutputStream file = new ByteArrayOutputStream();
            DataOutputStream f = new DataOutputStream(file);
            f.write("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
            sshString(f, "none".getBytes(StandardCharsets.US_ASCII));
            sshString(f, "none".getBytes(StandardCharsets.US_ASCII));
            sshString(f, new byte[0]);
            f.writeInt(1);
            sshString(f, publicKeyBlob(pub));
            sshString(f, privateSection.toByteArray());
            return "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(70, new byte[] {'\n'}).encodeToString(file.toByteArray())
                    + "\n-----END OPENSSH PRIVATE KEY-----\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sshString(DataOutputStream d, byte[] value) throws IOException {
        d.writeInt(value.length);
        d.write(value);
    }

    private static void fixed32(BigInteger v, byte[] into, int at) {
        byte[] b = v.toByteArray(); // big-endian, maybe with a sign byte or fewer than 32 bytes
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, into, at + 32 - n, n);
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file + " (refusing to overwrite a key)");
        }
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
            FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(ownerOnly);
            Files.createFile(file, attr);
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system: the directory's permissions apply
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
