package io.cairn.admin.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The detached signature of a bundle jar, {@code <jar>.sig}: the suite, the signer's public key and
 * {@code suite.sign(suite.hash(jar bytes), key)}, each on a {@code key=value} line.
 */
record SignatureFile(String suite, byte[] publicKey, byte[] signature) {

    static Path of(Path jar) {
        return jar.resolveSibling(jar.getFileName() + ".sig");
    }

    static SignatureFile sign(CryptoSuite suite, byte[] jarBytes, byte[] privateKey) {
        return new SignatureFile(suite.name(), suite.publicKey(privateKey), suite.sign(suite.hash(jarBytes), privateKey));
    }

    String text() {
        return "suite=" + suite + "\npublicKey=" + Bytes.toHex(publicKey) + "\nsignature=" + Bytes.toHex(signature) + "\n";
    }

    /** @throws IOException naming the file and what is missing or malformed */
    static SignatureFile read(Path sig) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(sig, StandardCharsets.UTF_8)));
        String suite = p.getProperty("suite");
        String key = p.getProperty("publicKey");
        String signature = p.getProperty("signature");
        if (suite == null || key == null || signature == null) {
            throw new IOException("malformed signature file " + sig + ": it needs suite=, publicKey= and signature= lines");
        }
        try {
            return new SignatureFile(suite.strip(), Bytes.fromHex(key.strip()), Bytes.fromHex(signature.strip()));
        } catch (RuntimeException e) {
            throw new IOException("malformed signature file " + sig + ": " + e.getMessage());
        }
    }
}
