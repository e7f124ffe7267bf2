package io.cairn.api.chain;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Binary Merkle root of a list of hashes, as in docs/formats.md: leaves are the hashes; a level
 * with an odd count carries its last node up unchanged; a parent is H(left || right); the root of
 * an empty list is {@link Hash#ZERO}.
 */
public final class MerkleRoot {
    private MerkleRoot() {}

    public static Hash of(List<Hash> leaves, UnaryOperator<byte[]> hash) {
        if (leaves.isEmpty()) {
            return Hash.ZERO;
        }
        byte[][] level = new byte[leaves.size()][];
        for (int i = 0; i < level.length; i++) {
            level[i] = leaves.get(i).raw();
        }
        int n = level.length;
        byte[] pair = new byte[64];
        while (n > 1) {
            int m = 0;
            for (int i = 0; i < n; i += 2) {
                if (i + 1 == n) {
                    level[m++] = level[i];
                } else {
                    System.arraycopy(level[i], 0, pair, 0, 32);
                    System.arraycopy(level[i + 1], 0, pair, 32, 32);
                    level[m++] = hash.apply(pair);
                }
            }
            n = m;
        }
        return Hash.of(level[0]);
    }
}
