package io.cairn.crypto;

import io.cairn.api.chain.Bytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;

/**
 * Private key files (docs/architecture.md, node home): one line holding the 32-byte private key as
 * {@code 0x}-prefixed hex. Plain Java, usable by the launcher outside OSGi.
 */
public final class KeyFiles {
    public static final int PRIVATE_KEY_BYTES = 32;

    private KeyFiles() {}

    /**
     * Reads a private key; the exception names the file and what is wrong with it (missing, unreadable,
     * not one line of 0x-prefixed hex, wrong length).
     */
    public static byte[] read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "key file does not exist");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException("key file " + file + " is not a text file of 0x-prefixed hex");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("key file " + file + " is not readable: permission denied", e);
        } catch (IOException e) {
            throw new IOException("key file " + file + " cannot be read: " + e, e);
        }
        List<String> content = lines.stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (content.size() != 1) {
            throw new IOException("key file " + file + " must hold exactly one line with the 0x-prefixed hex private key, found "
                    + content.size() + " non-empty lines");
        }
        String line = content.get(0);
        if (!line.startsWith("0x") && !line.startsWith("0X")) {
            throw new IOException("key file " + file + ": the private key must be 0x-prefixed hex");
        }
        byte[] key;
        try {
            key = Bytes.fromHex(line);
        } catch (IllegalArgumentException e) {
            // the message abbreviates but would still echo key digits: say only what is wrong
            throw new IOException("key file " + file + ": the private key is not valid hex");
        }
        if (key.length != PRIVATE_KEY_BYTES) {
            throw new IOException("key file " + file + ": a private key is " + PRIVATE_KEY_BYTES + " bytes (64 hex digits), got "
                    + key.length + " bytes");
        }
        return key;
    }

    /**
     * Writes a new key file readable by its owner only (where the file system is POSIX), creating parent
     * directories. It never overwrites: losing a node or account key is not recoverable.
     *
     * @throws FileAlreadyExistsException when the file exists
     */
    public static void write(Path file, byte[] privateKey) throws IOException {
        if (privateKey == null || privateKey.length != PRIVATE_KEY_BYTES) {
            throw new IllegalArgumentException("a private key is " + PRIVATE_KEY_BYTES + " bytes, got "
                    + (privateKey == null ? "none" : privateKey.length));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        boolean posix = Files.getFileStore(parent == null ? file.toAbsolutePath() : parent)
                .supportsFileAttributeView("posix");
        // created with owner-only permissions from the start, so the key is never readable by others
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        byte[] line = (Bytes.toHex(privateKey) + "\n").getBytes(StandardCharsets.US_ASCII);
        try (SeekableByteChannel ch = Files.newByteChannel(file,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC), attrs)) {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(file.toString(), null, "key file already exists; not overwriting it");
        }
    }
}
