package io.cairn.api.chain;

import java.util.Arrays;

/** A 20-byte account address: the last 20 bytes of the suite hash of the 64-byte public key. */
public final class Address implements Comparable<Address> {
    public static final int SIZE = 20;
    public static final Address ZERO = new Address(new byte[SIZE]);

    private final byte[] bytes;
    private final int hashCode;

    private Address(byte[] bytes) {
        this.bytes = bytes;
        this.hashCode = Arrays.hashCode(bytes);
    }

    public static Address of(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new MalformedDataException("an address is " + SIZE + " bytes, got " + bytes.length);
        }
        return new Address(bytes.clone());
    }

    public static Address fromHex(String hex) {
        byte[] b;
        try {
            b = Bytes.fromHex(hex);
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("bad address: " + e.getMessage());
        }
        if (b.length != SIZE) {
            throw new MalformedDataException("bad address " + Bytes.abbreviate(hex) + ": an address is " + SIZE
                    + " bytes (40 hex digits), got " + b.length);
        }
        return new Address(b);
    }

    /** The address of a public key given its suite hash. */
    public static Address fromKeyHash(byte[] keyHash) {
        return new Address(Arrays.copyOfRange(keyHash, keyHash.length - SIZE, keyHash.length));
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    public String toHex() {
        return Bytes.toHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && Arrays.equals(bytes, a.bytes);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    @Override
    public int compareTo(Address o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
