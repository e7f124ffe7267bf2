package io.cairn.snapshot.internal;

/** A snapshot that cannot be used, and why: the message names the file, the chunk or the check that failed. */
final class SnapshotRefused extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SnapshotRefused(String message) {
        super(message);
    }
}
