package io.cairn.api.ledger;

import io.cairn.api.chain.Bytes;
import java.util.Arrays;

/**
 * A thing a transaction consumes or produces, named by bytes only its ledger model interprets: an account's
 * nonce slot, a coin, the head of an account's chain. The pool compares keys by their bytes: a key consumed by
 * one pending transaction is refused to every other (first seen wins); a key produced by a pending transaction
 * lets a transaction that consumes it wait in the pool behind it. Immutable.
 */
public final class LedgerKey {
    private final byte[] bytes;
    private final int hash;

    private LedgerKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static LedgerKey of(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("a ledger key has at least one byte");
        }
        return new LedgerKey(bytes.clone());
    }

    /** A key over {@code bytes} as they are, not copied: the caller must not change them while it is used. */
    static LedgerKey wrap(byte[] bytes) {
        return new LedgerKey(bytes);
    }

    /** The key's bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The first byte: by convention the model's tag for the kind of key. */
    public int tag() {
        return bytes[0] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LedgerKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Bytes.toHex(bytes);
    }
}
