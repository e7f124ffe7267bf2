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

    private Keys() {}

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
