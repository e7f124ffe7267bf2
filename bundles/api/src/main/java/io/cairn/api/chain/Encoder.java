package io.cairn.api.chain;

import java.io.ByteArrayOutputStream;

/**
 * The canonical binary encoding (docs/formats.md): big-endian fixed-width integers, fixed-size
 * byte strings written raw, variable byte strings as a u32 length followed by the bytes.
 */
public final class Encoder {
    private final ByteArrayOutputStream out;

    public Encoder() {
        this(128);
    }

    public Encoder(int sizeHint) {
        out = new ByteArrayOutputStream(sizeHint);
    }

    public Encoder u8(int v) {
        out.write(v & 0xff);
        return this;
    }

    public Encoder u32(int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    public Encoder u64(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
        return this;
    }

    public Encoder fixed(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    public Encoder bytes(byte[] b) {
        u32(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
