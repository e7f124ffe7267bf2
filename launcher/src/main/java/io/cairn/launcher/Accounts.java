package io.cairn.launcher;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.launcher.node.KeyFile;
import io.cairn.launcher.node.NodeHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Accounts as users name them: an account of the node home, a key file, or a hex address. */
final class Accounts {
    private Accounts() {}

    /** The private key of {@code NAME} (keys/accounts/NAME.key of the home) or of a key file path. */
    static byte[] privateKey(String nameOrFile, NodeHome home, String option) {
        Path file;
        if (nameOrFile.matches("[A-Za-z0-9_-]+") && !Files.isRegularFile(Path.of(nameOrFile))) {
            file = home.accountKey(nameOrFile);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(option + ": no account '" + nameOrFile + "' in " + home + " (no " + file + ")");
            }
        } else {
            file = Path.of(nameOrFile);
        }
        try {
            return KeyFile.readPrivate(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    /**
     * The 64-byte public key of a named account, or as given in hex: what a private transfer seals the amount to (an
     * address does not do: it names a key without giving it).
     */
    static byte[] publicKey(String nameOrKey, NodeHome home, CryptoSuite suite, String option) {
        if (nameOrKey.startsWith("0x") || nameOrKey.startsWith("0X")) {
            byte[] key;
            try {
                key = io.cairn.api.chain.Bytes.fromHex(nameOrKey);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(option + ": not hex: " + nameOrKey);
            }
            if (key.length != 64) {
                throw new IllegalArgumentException(option + ": a private transfer seals the amount to the recipient's "
                        + "public key: give an account name or its 64-byte public key (0x + 128 hex digits), not "
                        + key.length + " bytes" + (key.length == Address.SIZE ? " (an address)" : ""));
            }
            return key;
        }
        return suite.publicKey(privateKey(nameOrKey, home, option));
    }

    /** A 0x address as given, or the address of a named account's key in {@code suite}. */
    static Address address(String nameOrAddress, NodeHome home, CryptoSuite suite, String option) {
        if (nameOrAddress.startsWith("0x") || nameOrAddress.startsWith("0X")) {
            try {
                return Address.fromHex(nameOrAddress);
            } catch (MalformedDataException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage());
            }
        }
        byte[] key = privateKey(nameOrAddress, home, option);
        return suite.address(suite.publicKey(key));
    }
}
