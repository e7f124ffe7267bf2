package io.cairn.ledger.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.storage.Keys;

/**
 * The block store's keys in {@link Keys#CHAIN} (docs/architecture.md, storage key spaces). Block numbers
 * are big-endian u64 so that headers and bodies sort by number.
 */
final class ChainKeys {
    static final byte[] HEAD = Keys.CHAIN_HEAD;
    static final byte[] TOTAL_TXS = Keys.of(Keys.CHAIN, new byte[] {'T'});
    /** {@code c J}: the block a snapshot import made the head (u64); absent for a chain held from genesis. */
    static final byte[] JOINED = Keys.of(Keys.CHAIN, new byte[] {'J'});

    private ChainKeys() {}

    static byte[] header(long number) {
        return Keys.blockHeader(number);
    }

    static byte[] body(long number) {
        return numbered('b', number);
    }

    static byte[] blockNumber(Hash blockHash) {
        return hashed('n', blockHash);
    }

    static byte[] txLocation(Hash txHash) {
        return hashed('t', txHash);
    }

    static byte[] receipt(Hash txHash) {
        return hashed('r', txHash);
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    static long u64(byte[] b, String what) {
        if (b.length != 8) {
            throw new MalformedDataException("stored " + what + " is " + b.length + " bytes, expected 8");
        }
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xff);
        }
        return v;
    }

    /** {@code u64 block | u32 index}. */
    static byte[] location(long block, int index) {
        byte[] b = new byte[12];
        System.arraycopy(u64(block), 0, b, 0, 8);
        b[8] = (byte) (index >>> 24);
        b[9] = (byte) (index >>> 16);
        b[10] = (byte) (index >>> 8);
        b[11] = (byte) index;
        return b;
    }

    private static byte[] numbered(char tag, long number) {
        byte[] k = new byte[10];
        k[0] = Keys.CHAIN;
        k[1] = (byte) tag;
        System.arraycopy(u64(number), 0, k, 2, 8);
        return k;
    }

    private static byte[] hashed(char tag, Hash hash) {
        byte[] k = new byte[2 + Hash.SIZE];
        k[0] = Keys.CHAIN;
        k[1] = (byte) tag;
        System.arraycopy(hash.toByteArray(), 0, k, 2, Hash.SIZE);
        return k;
    }
}
