package io.cairn.api.ledger;

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
public final class LtHash16 {
    public static final int LANES = 1024;
    public static final int BYTES = LANES * 2;
    static final int ROUNDS = 20;
    static final int BLOCK_WORDS = 16;
    static final int BLOCKS = BYTES / 64;
    /** "expand 32-byte k": ChaCha20's constant for a 256-bit key. */
    private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    /**
     * Whether expansions run SIMD-wide ({@link ChaChaLanes}): when the JVM has the vector API, its vectors hold at
     * least 8 ints, the system property {@code cairn.lthash.scalar} is not {@code true}, and it gives the scalar
     * code's keystream for a test seed (declared after {@link #SIGMA}, which the check uses). Either way the lanes
     * are the same; only the time differs.
     */
    static final boolean VECTOR = vectorWorks();

    // lanes are summed in ints and reduced mod 2^16 only on output: int overflow wraps mod 2^32,
    // which is consistent with mod 2^16
    private final int[] lanes = new int[LANES];
    private final int[] input = new int[BLOCK_WORDS];
    private final int[] output = new int[BLOCK_WORDS];
    /** {@link ChaChaLanes}' buffer, made on first use. */
    private int[] words;
    /** The expansion of an element added or removed by its seed, made on first use. */
    private char[] scratch;

    /** The accumulator of the empty set. */
    public LtHash16() {}

    public static LtHash16 fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a state accumulator is " + BYTES + " bytes, got " + bytes.length);
        }
        LtHash16 h = new LtHash16();
        for (int i = 0; i < LANES; i++) {
            h.lanes[i] = (bytes[2 * i] & 0xff) | (bytes[2 * i + 1] & 0xff) << 8;
        }
        return h;
    }

    public byte[] toBytes() {
        byte[] out = new byte[BYTES];
        for (int i = 0; i < LANES; i++) {
            int v = lanes[i];
            out[2 * i] = (byte) v;
            out[2 * i + 1] = (byte) (v >>> 8);
        }
        return out;
    }

    /** Adds an element by its seed: its expansion is computed into this instance's scratch lanes, not kept. */
    public void add(byte[] seed32) {
        add(expandInto(seed32, scratch()));
    }

    /**
     * As {@link #add(byte[])}, and returns the element's expansion: this instance's scratch lanes, valid until its
     * next expansion (copy it to keep it).
     */
    public char[] addSeed(byte[] seed32) {
        char[] e = expandInto(seed32, scratch());
        add(e);
        return e;
    }

    /** Removes an element by its seed, as {@link #add(byte[])} adds it. */
    public void subtract(byte[] seed32) {
        subtract(expandInto(seed32, scratch()));
    }

    private char[] scratch() {
        if (scratch == null) {
            scratch = new char[LANES];
        }
        return scratch;
    }

    /**
     * An element's contribution, expand(seed): 1024 u16 lanes (kept by {@link ExpansionCache}). Exactly the
     * ChaCha20 keystream (20 rounds, 8-byte zero nonce, counter from 0) that Bouncy Castle's ChaChaEngine
     * produces, which the tests check.
     */
    public char[] expand(byte[] seed32) {
        return expandInto(seed32, new char[LANES]);
    }

    private char[] expandInto(byte[] seed32, char[] out) {
        start(seed32);
        if (VECTOR) {
            if (words == null) {
                words = ChaChaLanes.buffer();
            }
            ChaChaLanes.expand(input, words, out);
        } else {
            expandScalar(out);
        }
        return out;
    }

    /** How expansions run in this JVM: "ChaCha20 in N-lane vectors" or "scalar ChaCha20". */
    public static String implementation() {
        return VECTOR ? "ChaCha20 in " + ChaChaLanes.WIDTH + "-lane vectors" : "scalar ChaCha20";
    }

    private void expandScalar(char[] out) {
        int lane = 0;
        for (int block = 0; block < BLOCKS; block++) {
            input[12] = block;
            input[13] = 0;
            chachaBlock(input, output);
            for (int w = 0; w < BLOCK_WORDS; w++) {
                int word = output[w];
                out[lane++] = (char) word;
                out[lane++] = (char) (word >>> 16);
            }
        }
    }

    private static boolean vectorWorks() {
        if (Boolean.getBoolean("cairn.lthash.scalar")) {
            return false;
        }
        try {
            if (!ChaChaLanes.worthIt()) {
                return false;
            }
            LtHash16 h = new LtHash16();
            byte[] seed = new byte[32];
            for (int i = 0; i < seed.length; i++) {
                seed[i] = (byte) (31 * i + 7);
            }
            h.start(seed);
            char[] scalar = new char[LANES];
            h.expandScalar(scalar);
            h.start(seed);
            char[] vector = new char[LANES];
            ChaChaLanes.expand(h.input, ChaChaLanes.buffer(), vector);
            return java.util.Arrays.equals(scalar, vector);
        } catch (LinkageError | RuntimeException e) {
            // no jdk.incubator.vector in this JVM (or not visible to this bundle): scalar
            return false;
        }
    }

    /** Adds every element of {@code other}: the accumulator of the union (of a disjoint set's, or its removal). */
    public void add(LtHash16 other) {
        for (int i = 0; i < LANES; i++) {
            lanes[i] += other.lanes[i];
        }
    }

    /** Adds an element given by its expansion. */
    public void add(char[] expanded) {
        for (int i = 0; i < LANES; i++) {
            lanes[i] += expanded[i];
        }
    }

    /** Removes an element given by its expansion. */
    public void subtract(char[] expanded) {
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

    /** The ChaCha20 block function (RFC 8439, section 2.3): {@code ROUNDS} rounds, then the input added back. */
    private static void chachaBlock(int[] in, int[] out) {
        int x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3], x4 = in[4], x5 = in[5], x6 = in[6], x7 = in[7];
        int x8 = in[8], x9 = in[9], x10 = in[10], x11 = in[11], x12 = in[12], x13 = in[13], x14 = in[14], x15 = in[15];
        for (int i = ROUNDS; i > 0; i -= 2) {
            // columns
            x0 += x4; x12 = Integer.rotateLeft(x12 ^ x0, 16); x8 += x12; x4 = Integer.rotateLeft(x4 ^ x8, 12);
            x0 += x4; x12 = Integer.rotateLeft(x12 ^ x0, 8); x8 += x12; x4 = Integer.rotateLeft(x4 ^ x8, 7);
            x1 += x5; x13 = Integer.rotateLeft(x13 ^ x1, 16); x9 += x13; x5 = Integer.rotateLeft(x5 ^ x9, 12);
            x1 += x5; x13 = Integer.rotateLeft(x13 ^ x1, 8); x9 += x13; x5 = Integer.rotateLeft(x5 ^ x9, 7);
            x2 += x6; x14 = Integer.rotateLeft(x14 ^ x2, 16); x10 += x14; x6 = Integer.rotateLeft(x6 ^ x10, 12);
            x2 += x6; x14 = Integer.rotateLeft(x14 ^ x2, 8); x10 += x14; x6 = Integer.rotateLeft(x6 ^ x10, 7);
            x3 += x7; x15 = Integer.rotateLeft(x15 ^ x3, 16); x11 += x15; x7 = Integer.rotateLeft(x7 ^ x11, 12);
            x3 += x7; x15 = Integer.rotateLeft(x15 ^ x3, 8); x11 += x15; x7 = Integer.rotateLeft(x7 ^ x11, 7);
            // diagonals
            x0 += x5; x15 = Integer.rotateLeft(x15 ^ x0, 16); x10 += x15; x5 = Integer.rotateLeft(x5 ^ x10, 12);
            x0 += x5; x15 = Integer.rotateLeft(x15 ^ x0, 8); x10 += x15; x5 = Integer.rotateLeft(x5 ^ x10, 7);
            x1 += x6; x12 = Integer.rotateLeft(x12 ^ x1, 16); x11 += x12; x6 = Integer.rotateLeft(x6 ^ x11, 12);
            x1 += x6; x12 = Integer.rotateLeft(x12 ^ x1, 8); x11 += x12; x6 = Integer.rotateLeft(x6 ^ x11, 7);
            x2 += x7; x13 = Integer.rotateLeft(x13 ^ x2, 16); x8 += x13; x7 = Integer.rotateLeft(x7 ^ x8, 12);
            x2 += x7; x13 = Integer.rotateLeft(x13 ^ x2, 8); x8 += x13; x7 = Integer.rotateLeft(x7 ^ x8, 7);
            x3 += x4; x14 = Integer.rotateLeft(x14 ^ x3, 16); x9 += x14; x4 = Integer.rotateLeft(x4 ^ x9, 12);
            x3 += x4; x14 = Integer.rotateLeft(x14 ^ x3, 8); x9 += x14; x4 = Integer.rotateLeft(x4 ^ x9, 7);
        }
        out[0] = x0 + in[0]; out[1] = x1 + in[1]; out[2] = x2 + in[2]; out[3] = x3 + in[3];
        out[4] = x4 + in[4]; out[5] = x5 + in[5]; out[6] = x6 + in[6]; out[7] = x7 + in[7];
        out[8] = x8 + in[8]; out[9] = x9 + in[9]; out[10] = x10 + in[10]; out[11] = x11 + in[11];
        out[12] = x12 + in[12]; out[13] = x13 + in[13]; out[14] = x14 + in[14]; out[15] = x15 + in[15];
    }

    private static int littleEndianInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
