package io.cairn.api.chain;

import io.cairn.api.crypto.CryptoSuite;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Block seals: {@code publicKey[64] | signature[64]} over the block hash. A block is final when it
 * carries valid seals of at least a quorum of distinct sealers (2f + 1 of n = 3f + 1 for PBFT; 1 of
 * 1 for solo): any node or client can check it from the header, the seals and the genesis sealer list.
 */
public final class Seals {
    public static final int SIZE = 128;

    private Seals() {}

    public static byte[] of(byte[] publicKey, byte[] signature) {
        byte[] seal = Arrays.copyOf(publicKey, SIZE);
        System.arraycopy(signature, 0, seal, 64, 64);
        return seal;
    }

    public static byte[] publicKey(byte[] seal) {
        return Arrays.copyOfRange(seal, 0, 64);
    }

    /** The largest f with 3f + 1 <= n. */
    public static int faultTolerance(int sealers) {
        return (sealers - 1) / 3;
    }

    /** 2f + 1 for n sealers (n - f in general); 1 for a single sealer. */
    public static int quorum(int sealers) {
        return sealers - faultTolerance(sealers);
    }

    /**
     * The number of distinct listed sealers whose seal on {@code blockHash} verifies. Malformed seals,
     * unknown keys and repeated keys count for nothing.
     *
     * @param sealers the genesis sealer public keys, 0x hex
     */
    public static int validSealers(Hash blockHash, List<byte[]> seals, List<String> sealers, CryptoSuite suite) {
        Set<String> allowed = new HashSet<>(sealers);
        Set<String> counted = new HashSet<>();
        byte[] hash = blockHash.toByteArray();
        for (byte[] seal : seals) {
            if (seal.length != SIZE) {
                continue;
            }
            String key = Bytes.toHex(publicKey(seal));
            if (!allowed.contains(key) || counted.contains(key)) {
                continue;
            }
            if (suite.verify(hash, Arrays.copyOfRange(seal, 64, SIZE), publicKey(seal))) {
                counted.add(key);
            }
        }
        return counted.size();
    }

    /** Whether the seals make the block final for this sealer set. */
    public static boolean isFinal(Hash blockHash, List<byte[]> seals, List<String> sealers, CryptoSuite suite) {
        return !sealers.isEmpty() && validSealers(blockHash, seals, sealers, suite) >= quorum(sealers.size());
    }
}
