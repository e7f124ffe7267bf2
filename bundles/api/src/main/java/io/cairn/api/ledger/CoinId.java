package io.cairn.api.ledger;

import io.cairn.api.chain.Hash;
import io.cairn.api.storage.Keys;
import java.util.Objects;

/**
 * A coin's name: the hash of the transaction that made it and its output index ({@link Hash#ZERO} and the
 * allocation's position for a genesis coin). Ordered by hash (unsigned bytes), then by index (unsigned), the
 * order of an owner's index entries (their keys end in {@code txHash | u32 index}). Its two encodings: the pool
 * key {@code 'c' | txHash[32] | u32 index} and the state key {@code 's' 'u' txHash[32] | u32 index}. Shared by the
 * coin models (utxo, private; docs/ledgers.md). Immutable.
 */
public record CoinId(Hash txHash, int index) implements Comparable<CoinId> {
    public static final byte POOL_TAG = 'c';
    public static final byte STATE_TAG = 'u';
    public static final int BYTES = Hash.SIZE + 4;
    public static final int POOL_KEY_LENGTH = 1 + BYTES;

    public CoinId {
        Objects.requireNonNull(txHash, "txHash");
    }

    /** The pool key: {@code 'c' | txHash[32] | u32 index}. */
    public LedgerKey poolKey() {
        byte[] k = new byte[POOL_KEY_LENGTH];
        k[0] = POOL_TAG;
        write(k, 1);
        return LedgerKey.of(k);
    }

    /** The state key: {@code 's' 'u' txHash[32] | u32 index}. */
    public byte[] stateKey() {
        byte[] k = new byte[2 + BYTES];
        k[0] = Keys.STATE;
        k[1] = STATE_TAG;
        write(k, 2);
        return k;
    }

    /** Writes {@code txHash | u32 index} at {@code at}. */
    public void write(byte[] out, int at) {
        System.arraycopy(txHash.toByteArray(), 0, out, at, Hash.SIZE);
        writeU32(out, at + Hash.SIZE, index);
    }

    /** Reads {@code txHash | u32 index} at {@code at}. */
    public static CoinId read(byte[] in, int at) {
        byte[] h = new byte[Hash.SIZE];
        System.arraycopy(in, at, h, 0, Hash.SIZE);
        return new CoinId(Hash.of(h), readU32(in, at + Hash.SIZE));
    }

    /** Whether {@code key} is a coin's state key ({@code 's' 'u' txHash[32] | u32 index}). */
    public static boolean isStateKey(byte[] key) {
        return key.length == 2 + BYTES && key[0] == Keys.STATE && key[1] == STATE_TAG;
    }

    /** @throws IllegalArgumentException if {@code key} is not a coin's pool key */
    public static CoinId of(LedgerKey key) {
        byte[] k = key.bytes();
        if (k.length != POOL_KEY_LENGTH || k[0] != POOL_TAG) {
            throw new IllegalArgumentException("not a coin key ('c' | txHash[32] | u32 index): " + key);
        }
        return read(k, 1);
    }

    /** The index as the unsigned number it is. */
    public long indexValue() {
        return Integer.toUnsignedLong(index);
    }

    @Override
    public int compareTo(CoinId o) {
        int c = txHash.compareTo(o.txHash);
        return c != 0 ? c : Integer.compareUnsigned(index, o.index);
    }

    /** {@code 0x<hash>:<index>}, as errors and docs name a coin. */
    @Override
    public String toString() {
        return txHash + ":" + Integer.toUnsignedString(index);
    }

    public static void writeU32(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
    }

    public static int readU32(byte[] in, int at) {
        return (in[at] & 0xff) << 24 | (in[at + 1] & 0xff) << 16 | (in[at + 2] & 0xff) << 8 | (in[at + 3] & 0xff);
    }
}
