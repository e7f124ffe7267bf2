package io.cairn.api.chain;

import java.math.BigInteger;

/** Unsigned 256-bit amounts as 32 big-endian bytes. */
public final class Uint256 {
    private Uint256() {}

    public static byte[] toBytes(BigInteger v) {
        if (v.signum() < 0 || v.bitLength() > 256) {
            throw new MalformedDataException("not an unsigned 256-bit value: " + v);
        }
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }

    public static BigInteger fromBytes(byte[] b) {
        return new BigInteger(1, b);
    }
}
