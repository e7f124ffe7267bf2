package io.cairn.api.ledger;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LtHash16}'s expansion with the ChaCha20 blocks computed side by side in SIMD lanes (the JDK's vector API,
 * {@code jdk.incubator.vector}): with 512-bit vectors, 16 of the 32 blocks of an expansion run as one, lane b
 * holding block b's state word. The same keystream as the scalar block function, which {@link LtHash16} checks
 * before it uses this class; measured about 4x faster than it on AVX-512.
 *
 * <p>Loaded only when the JVM has the incubator module ({@code --add-modules jdk.incubator.vector}, which the node's
 * launcher passes) and the framework exports its package; elsewhere loading it fails and {@link LtHash16} stays
 * scalar. Stateless but for the caller's buffer.
 */
final class ChaChaLanes {
    private static final VectorSpecies<Integer> SPECIES = IntVector.SPECIES_PREFERRED;
    static final int WIDTH = SPECIES.length();

    private ChaChaLanes() {}

    /** Whether the preferred vectors are wide enough to pay (below 8 lanes the scalar code is as fast). */
    static boolean worthIt() {
        return WIDTH >= 8 && LtHash16.BLOCKS % WIDTH == 0;
    }

    /** A buffer {@link #expand} needs, one per caller thread. */
    static int[] buffer() {
        return new int[16 * WIDTH];
    }

    /** The expansion of the key {@code in[4..11]} ({@code in[0..3]} the constant) into {@code out}'s 1024 lanes. */
    static void expand(int[] in, int[] words, char[] out) {
        IntVector counter0 = IntVector.zero(SPECIES).addIndex(1);
        for (int base = 0; base < LtHash16.BLOCKS; base += WIDTH) {
            IntVector x0 = IntVector.broadcast(SPECIES, in[0]), x1 = IntVector.broadcast(SPECIES, in[1]);
            IntVector x2 = IntVector.broadcast(SPECIES, in[2]), x3 = IntVector.broadcast(SPECIES, in[3]);
            IntVector x4 = IntVector.broadcast(SPECIES, in[4]), x5 = IntVector.broadcast(SPECIES, in[5]);
            IntVector x6 = IntVector.broadcast(SPECIES, in[6]), x7 = IntVector.broadcast(SPECIES, in[7]);
            IntVector x8 = IntVector.broadcast(SPECIES, in[8]), x9 = IntVector.broadcast(SPECIES, in[9]);
            IntVector x10 = IntVector.broadcast(SPECIES, in[10]), x11 = IntVector.broadcast(SPECIES, in[11]);
            IntVector counter = counter0.add(base);
            IntVector x12 = counter, x13 = IntVector.zero(SPECIES), x14 = x13, x15 = x13;
            // Every rotation is written out with its constant: behind a helper method, C2 (JDK 17) did not
            // intrinsify it and the vector code ran at 8.6 us per expansion, 2.6x slower than the scalar code.
            for (int i = LtHash16.ROUNDS; i > 0; i -= 2) {
                // columns
                x0 = x0.add(x4); x12 = x12.lanewise(VectorOperators.XOR, x0).lanewise(VectorOperators.ROL, 16);
                x8 = x8.add(x12); x4 = x4.lanewise(VectorOperators.XOR, x8).lanewise(VectorOperators.ROL, 12);
                x0 = x0.add(x4); x12 = x12.lanewise(VectorOperators.XOR, x0).lanewise(VectorOperators.ROL, 8);
                x8 = x8.add(x12); x4 = x4.lanewise(VectorOperators.XOR, x8).lanewise(VectorOperators.ROL, 7);
                x1 = x1.add(x5); x13 = x13.lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.ROL, 16);
                x9 = x9.add(x13); x5 = x5.lanewise(VectorOperators.XOR, x9).lanewise(VectorOperators.ROL, 12);
                x1 = x1.add(x5); x13 = x13.lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.ROL, 8);
                x9 = x9.add(x13); x5 = x5.lanewise(VectorOperators.XOR, x9).lanewise(VectorOperators.ROL, 7);
                x2 = x2.add(x6); x14 = x14.lanewise(VectorOperators.XOR, x2).lanewise(VectorOperators.ROL, 16);
                x10 = x10.add(x14); x6 = x6.lanewise(VectorOperators.XOR, x10).lanewise(VectorOperators.ROL, 12);
                x2 = x2.add(x6); x14 = x14.lanewise(VectorOperators.XOR, x2).lanewise(VectorOperators.ROL, 8);
                x10 = x10.add(x14); x6 = x6.lanewise(VectorOperators.XOR, x10).lanewise(VectorOperators.ROL, 7);
                x3 = x3.add(x7); x15 = x15.lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.ROL, 16);
                x11 = x11.add(x15); x7 = x7.lanewise(VectorOperators.XOR, x11).lanewise(VectorOperators.ROL, 12);
                x3 = x3.add(x7); x15 = x15.lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.ROL, 8);
                x11 = x11.add(x15); x7 = x7.lanewise(VectorOperators.XOR, x11).lanewise(VectorOperators.ROL, 7);
                // diagonals
                x0 = x0.add(x5); x15 = x15.lanewise(VectorOperators.XOR, x0).lanewise(VectorOperators.ROL, 16);
                x10 = x10.add(x15); x5 = x5.lanewise(VectorOperators.XOR, x10).lanewise(VectorOperators.ROL, 12);
                x0 = x0.add(x5); x15 = x15.lanewise(VectorOperators.XOR, x0).lanewise(VectorOperators.ROL, 8);
                x10 = x10.add(x15); x5 = x5.lanewise(VectorOperators.XOR, x10).lanewise(VectorOperators.ROL, 7);
                x1 = x1.add(x6); x12 = x12.lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.ROL, 16);
                x11 = x11.add(x12); x6 = x6.lanewise(VectorOperators.XOR, x11).lanewise(VectorOperators.ROL, 12);
                x1 = x1.add(x6); x12 = x12.lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.ROL, 8);
                x11 = x11.add(x12); x6 = x6.lanewise(VectorOperators.XOR, x11).lanewise(VectorOperators.ROL, 7);
                x2 = x2.add(x7); x13 = x13.lanewise(VectorOperators.XOR, x2).lanewise(VectorOperators.ROL, 16);
                x8 = x8.add(x13); x7 = x7.lanewise(VectorOperators.XOR, x8).lanewise(VectorOperators.ROL, 12);
                x2 = x2.add(x7); x13 = x13.lanewise(VectorOperators.XOR, x2).lanewise(VectorOperators.ROL, 8);
                x8 = x8.add(x13); x7 = x7.lanewise(VectorOperators.XOR, x8).lanewise(VectorOperators.ROL, 7);
                x3 = x3.add(x4); x14 = x14.lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.ROL, 16);
                x9 = x9.add(x14); x4 = x4.lanewise(VectorOperators.XOR, x9).lanewise(VectorOperators.ROL, 12);
                x3 = x3.add(x4); x14 = x14.lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.ROL, 8);
                x9 = x9.add(x14); x4 = x4.lanewise(VectorOperators.XOR, x9).lanewise(VectorOperators.ROL, 7);
            }
            // the input added back (words 13-15 of the input are zero: the nonce and the counter's high word)
            int w = WIDTH;
            x0.add(in[0]).intoArray(words, 0); x1.add(in[1]).intoArray(words, w);
            x2.add(in[2]).intoArray(words, 2 * w); x3.add(in[3]).intoArray(words, 3 * w);
            x4.add(in[4]).intoArray(words, 4 * w); x5.add(in[5]).intoArray(words, 5 * w);
            x6.add(in[6]).intoArray(words, 6 * w); x7.add(in[7]).intoArray(words, 7 * w);
            x8.add(in[8]).intoArray(words, 8 * w); x9.add(in[9]).intoArray(words, 9 * w);
            x10.add(in[10]).intoArray(words, 10 * w); x11.add(in[11]).intoArray(words, 11 * w);
            x12.add(counter).intoArray(words, 12 * w); x13.intoArray(words, 13 * w);
            x14.intoArray(words, 14 * w); x15.intoArray(words, 15 * w);
            // lane b of vector k is word k of block base + b: back to block order, two u16 lanes per word
            for (int b = 0; b < w; b++) {
                int lane = (base + b) * 2 * LtHash16.BLOCK_WORDS;
                for (int k = 0; k < LtHash16.BLOCK_WORDS; k++) {
                    int word = words[k * w + b];
                    out[lane++] = (char) word;
                    out[lane++] = (char) (word >>> 16);
                }
            }
        }
    }
}
