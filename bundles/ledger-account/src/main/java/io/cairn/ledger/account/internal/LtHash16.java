package io.cairn.ledger.account.internal;

import org.bouncycastle.crypto.engines.ChaChaEngine;

/**
 * A lattice hash of a set of state entries (LtHash16, as Facebook's "Securing Update Propagation with
 * Homomorphic Hashing" and Solana's accounts lattice hash): 1024 unsigned 16-bit lanes, 2048 bytes
 * little-endian. An element contributes expand(seed), the first 2048 bytes of the ChaCha20 keystream
 * keyed by its 32-byte seed with a zero nonce, read as 1024 little-endian u16 lanes; adding an
 * element adds lane-wise mod 2^16 and removing subtracts. The sum is order-independent, so the state
 * root can be updated in O(changed entries) and re-checked from a full scan alike.
 *
 * <p>Not thread-safe: each block's execution makes its own instance (which also holds the ChaCha
 * working buffers, so no cipher state is shared between calls or threads).
 */
final class LtHash16 {
    static final int LANES = 1024;
    static final int BYTES = LANES * 2;
    private static final int ROUNDS = 20;
    private static final int BLOCK_WORDS = 16;
    private static final int BLOCKS = BYTES / 64;
    /** "expand 32-byte k", as ChaChaEngine loads it for a 256-bit key. */
    private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

    // lanes are summed in ints and reduced mod 2^16 only on output: int overflow wraps mod 2^32,
    // which is consistent with mod 2^16
    private final int[] lanes = new int[LANES];
    private final int[] input = new int[BLOCK_WORDS];
    private final int[] output = new int[BLOCK_WORDS];

    /** The accumulator of the empty set. */
    LtHash16() {}

    static LtHash16 fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a state accumulator is " + BYTES + " bytes, got " + bytes.length);
        }
        LtHash16 h = new LtHash16();
        for (int i = 0; i < LANES; i++) {
            h.lanes[i] = (bytes[2 * i] & 0xff) | (bytes[2 * i + 1] & 0xff) << 8;
        }
        return h;
    }

    byte[] toBytes() {
        byte[] out = new byte[BYTES];
        for (int i = 0; i < LANES; i++) {
            int v = lanes[i];
            out[2 * i] = (byte) v;
            out[2 * i + 1] = (byte) (v >>> 8);
        }
        return out;
    }

    void add(byte[] seed32) {
        add(expand(seed32));
    }

    void subtract(byte[] seed32) {
        subtract(expand(seed32));
    }

    /**
     * An element's contribution, expand(seed): 1024 u16 lanes (kept by {@link ExpansionCache}). Exactly what
     * {@link ChaChaEngine} (20 rounds, 8-byte zero nonce, counter from 0) produces through processBytes, which
     * the tests check, without its per-byte copying.
     */
    char[] expand(byte[] seed32) {
        char[] out = new char[LANES];
        start(seed32);
        int lane = 0;
        for (int block = 0; block < BLOCKS; block++) {
            input[12] = block;
            input[13] = 0;
            ChaChaEngine.chachaCore(ROUNDS, input, output);
            for (int w = 0; w < BLOCK_WORDS; w++) {
                int word = output[w];
                out[lane++] = (char) word;
                out[lane++] = (char) (word >>> 16);
            }
        }
        return out;
    }

    /** Adds an element given by its expansion. */
    void add(char[] expanded) {
        for (int i = 0; i < LANES; i++) {
            lanes[i] += expanded[i];
        }
    }

    /** Removes an element given by its expansion. */
    void subtract(char[] expanded) {
        for (int i = 0; i < LANES; i++) {
            lanes[i] -= expanded[i];
        }
    }

    private void start(byte[] seed32) {
        if (seed32.length != 32) {
            throw new IllegalArgumentException("an LtHash seed is 32 bytes, got " + seed32.length);
        }
        System.arraycopy(SIGMA, 0, input, 0, 4);
        for (int i = 0; i < 8; i++) {
            input[4 + i] = littleEndianInt(seed32, 4 * i);
        }
        input[14] = 0;
        input[15] = 0;
    }

    private static int littleEndianInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
