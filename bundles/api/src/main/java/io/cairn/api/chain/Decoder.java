package io.cairn.api.chain;

import java.util.Arrays;

/** Reads the canonical encoding; every read is bounds-checked and names the field on failure. */
public final class Decoder {
    private final byte[] data;
    private final String what;
    private int pos;

    public Decoder(byte[] data, String what) {
        this.data = data;
        this.what = what;
    }

    private void need(int n, String field) {
        if (n < 0 || data.length - pos < n) {
            throw new MalformedDataException(what + ": truncated at " + field + " (offset " + pos + ", need "
                    + n + " bytes, have " + (data.length - pos) + ")");
        }
    }

    public int u8(String field) {
        need(1, field);
        return data[pos++] & 0xff;
    }

    public int u32(String field) {
        need(4, field);
        int v = ((data[pos] & 0xff) << 24) | ((data[pos + 1] & 0xff) << 16) | ((data[pos + 2] & 0xff) << 8)
                | (data[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    public long u64(String field) {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    public byte[] fixed(int n, String field) {
        need(n, field);
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    /** A length-prefixed byte string of at most {@code max} bytes. */
    public byte[] bytes(int max, String field) {
        int n = u32(field + " length");
        if (n < 0 || n > max) {
            throw new MalformedDataException(what + ": " + field + " length " + Integer.toUnsignedString(n)
                    + " exceeds the limit of " + max + " bytes");
        }
        return fixed(n, field);
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return data.length - pos;
    }

    public void end() {
        if (pos != data.length) {
            throw new MalformedDataException(what + ": " + (data.length - pos) + " unexpected trailing bytes");
        }
    }
}
