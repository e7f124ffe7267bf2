package io.cairn.api.storage;

import java.nio.charset.StandardCharsets;

/**
 * Key spaces shared by the components that write to storage, so that no two collide. Each key is a
 * one-byte space tag followed by the space's own key.
 */
public final class Keys {
    /** Ledger model state (accounts). */
    public static final byte STATE = 's';
    /** Block store (headers, bodies, indexes, receipts). */
    public static final byte CHAIN = 'c';
    /** Node metadata (engine handover, upgrade journal, ...). */
    public static final byte META = 'm';
    /** The chain's governance state (upgrade plans and votes): consensus-visible, owned by the rules engine. */
    public static final byte GOVERNANCE = 'g';

    /**
     * {@code c H}: the number of the chain's head block (u64 big-endian). Part of the block store's published
     * layout (docs/architecture.md), which tools that copy or inspect a store (a storage migration) rely on.
     */
    public static final byte[] CHAIN_HEAD = {CHAIN, 'H'};

    private Keys() {}

    /** {@code c h u64(number)}: a block header's encoding, in the block store's published layout. */
    public static byte[] blockHeader(long number) {
        byte[] k = new byte[10];
        k[0] = CHAIN;
        k[1] = 'h';
        for (int i = 9; i >= 2; i--) {
            k[i] = (byte) number;
            number >>>= 8;
        }
        return k;
    }

    public static byte[] of(byte space, byte[] key) {
        byte[] k = new byte[key.length + 1];
        k[0] = space;
        System.arraycopy(key, 0, k, 1, key.length);
        return k;
    }

    public static byte[] of(byte space, String key) {
        return of(space, key.getBytes(StandardCharsets.UTF_8));
    }

    /** The first key after every key starting with {@code prefix}, for range scans. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return java.util.Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }
}
