package io.cairn.launcher.node;

import io.cairn.api.chain.Bytes;
import io.cairn.crypto.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Key files of the node home: one line, the key as 0x-prefixed hex (docs/architecture.md). Private keys
 * go through cairn-crypto's KeyFiles, so the node and the launcher read one format the same way.
 */
public final class KeyFile {
    private KeyFile() {}

    /** Reads a 32-byte private key; the message names the file when it is missing or malformed. */
    public static byte[] readPrivate(Path file) throws IOException {
        try {
            return KeyFiles.read(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("no key file " + file);
        }
    }

    /** Writes a new private key readable by its owner only; never overwrites one. */
    public static void writePrivate(Path file, byte[] key) throws IOException {
        KeyFiles.write(file, key);
    }

    public static void writePublic(Path file, byte[] key) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, Bytes.toHex(key) + "\n", StandardCharsets.US_ASCII);
    }
}
