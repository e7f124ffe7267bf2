package io.cairn.api.chain;

import java.util.Arrays;

/** A 32-byte digest: block, transaction and state-root identifiers. Immutable. */
public final class Hash implements Comparable<Hash> {
    public static final int SIZE = 32;
    public static final Hash ZERO = new Hash(new byte[SIZE]);

    private final byte[] bytes;
    private final int hashCode;

    private Hash(byte[] bytes) {
        this.bytes = bytes;
        this.hashCode = Arrays.hashCode(bytes);
    }

    public static Hash of(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new MalformedDataException("a hash is " + SIZE + " bytes, got " + bytes.length);
        }
        return new Hash(bytes.clone());
    }

    public static Hash fromHex(String hex) {
        return of(Bytes.fromHex(hex));
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The backing array, for encoders; callers must not modify it. */
    byte[] raw() {
        return bytes;
    }

    public String toHex() {
        return Bytes.toHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    @Override
    public int compareTo(Hash o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
