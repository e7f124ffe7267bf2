package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import io.cairn.crypto.KeyFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
    @TempDir
    Path dir;

    @Test
    void roundTripWithOwnerOnlyPermissions() throws IOException {
        byte[] key = Suites.byName("secp256k1").generateKeyPair().privateKey();
        Path file = dir.resolve("keys/node.key");
        KeyFiles.write(file, key);
        assertArrayEquals(key, KeyFiles.read(file));
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        assertTrue(text.matches("0x[0-9a-f]{64}\n"), text);
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }

    @Test
    void neverOverwritesAKey() throws IOException {
        Path file = dir.resolve("node.key");
        KeyFiles.write(file, new byte[32]);
        assertThrows(FileAlreadyExistsException.class, () -> KeyFiles.write(file, new byte[32]));
    }

    @Test
    void badFilesNameTheFileAndTheProblem() throws IOException {
        Path missing = dir.resolve("missing.key");
        NoSuchFileException nf = assertThrows(NoSuchFileException.class, () -> KeyFiles.read(missing));
        assertTrue(nf.getMessage().contains(missing.toString()), nf.getMessage());

        assertProblem("0x1234\n", "got 2 bytes");
        assertProblem("4646464646464646464646464646464646464646464646464646464646464646\n", "0x-prefixed");
        assertProblem("0xzz46464646464646464646464646464646464646464646464646464646464646\n", "not valid hex");
        assertProblem("", "found 0");
        assertProblem("0x4646464646464646464646464646464646464646464646464646464646464646\n0x01\n", "found 2");
    }

    @Test
    void toleratesSurroundingWhitespace() throws IOException {
        Path f = dir.resolve("ws.key");
        Files.writeString(f, "\n  0x4646464646464646464646464646464646464646464646464646464646464646  \r\n\n");
        assertEquals(32, KeyFiles.read(f).length);
    }

    private void assertProblem(String content, String expected) throws IOException {
        Path f = Files.createTempFile(dir, "bad", ".key");
        Files.writeString(f, content);
        IOException e = assertThrows(IOException.class, () -> KeyFiles.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
