package io.cairn.admin.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Who may sign a bundle for this node: the keys configured in {@code io.cairn.admin trustedKeys}, else the
 * operator key made at init; and the chain's suite, the only one a signature may use.
 */
record Trust(Set<String> keys, String chainSuite, Function<String, CryptoSuite> suites) {

    static String normalize(String hexKey) {
        String k = hexKey.strip().toLowerCase(Locale.ROOT);
        return k.startsWith("0x") ? k : "0x" + k;
    }

    /**
     * The configured keys, or else {@code keys/operator.pub}, or else the public key of {@code keys/operator.key}
     * computed by the chain's suite.
     */
    static Set<String> load(String[] configured, Path home, CryptoSuite suite) throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        if (configured != null) {
            for (String k : configured) {
                if (k != null && !k.isBlank()) {
                    keys.add(normalize(k));
                }
            }
        }
        if (!keys.isEmpty()) {
            return keys;
        }
        Path pub = home.resolve("keys/operator.pub");
        if (Files.isRegularFile(pub)) {
            String line = Files.readString(pub).strip();
            if (!line.isEmpty()) {
                keys.add(normalize(line));
                return keys;
            }
        }
        Path key = home.resolve("keys/operator.key");
        if (Files.isRegularFile(key) && suite != null) {
            byte[] priv = Bytes.fromHex(Files.readString(key).strip());
            keys.add(normalize(Bytes.toHex(suite.publicKey(priv))));
        }
        return keys;
    }

    /** Null if {@code jarBytes} carries a trusted signature in {@code sigFile}, else why not. */
    String refusal(Path sigFile, byte[] jarBytes) {
        if (!Files.isRegularFile(sigFile)) {
            return "no signature file " + sigFile;
        }
        SignatureFile sig;
        try {
            sig = SignatureFile.read(sigFile);
        } catch (IOException e) {
            return e.getMessage();
        }
        if (chainSuite != null && !chainSuite.equals(sig.suite())) {
            return "signed with suite " + sig.suite() + " but the chain uses " + chainSuite;
        }
        String key = normalize(Bytes.toHex(sig.publicKey()));
        if (keys.isEmpty()) {
            return "signed by untrusted key " + key + ": this node trusts no key (set io.cairn.admin trustedKeys "
                    + "or keys/operator.pub)";
        }
        if (!keys.contains(key)) {
            return "signed by untrusted key " + key;
        }
        CryptoSuite suite = suites.apply(sig.suite());
        if (suite == null) {
            return "no crypto suite " + sig.suite() + " is running to check the signature";
        }
        if (!suite.verify(suite.hash(jarBytes), sig.signature(), sig.publicKey())) {
            return "signature does not match the jar";
        }
        return null;
    }
}
