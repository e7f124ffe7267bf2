package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.ledger.LedgerKey;

/**
 * The pool keys of the account model: an account's nonce slot, {@code 'n' | sender[20] | u64 nonce} (big-endian).
 * A transfer of nonce n consumes slot n of its sender and produces slot n+1 (none for 2^64-1).
 */
final class NonceKeys {
    static final byte TAG = 'n';
    static final int LENGTH = 1 + Address.SIZE + 8;

    private NonceKeys() {}

    /** A decoded key. */
    record Slot(Address sender, long nonce) {}

    static LedgerKey key(Address sender, long nonce) {
        byte[] k = new byte[LENGTH];
        k[0] = TAG;
        System.arraycopy(sender.toByteArray(), 0, k, 1, Address.SIZE);
        for (int i = LENGTH - 1; i > Address.SIZE; i--) {
            k[i] = (byte) nonce;
            nonce >>>= 8;
        }
        return LedgerKey.of(k);
    }

    /** @throws IllegalArgumentException if the key is not an account nonce key */
    static Slot slot(LedgerKey key) {
        byte[] k = key.bytes();
        if (k.length != LENGTH || k[0] != TAG) {
            throw new IllegalArgumentException("not an account nonce key ('n' | address[20] | u64 nonce): " + key);
        }
        byte[] a = new byte[Address.SIZE];
        System.arraycopy(k, 1, a, 0, Address.SIZE);
        long nonce = 0;
        for (int i = 1 + Address.SIZE; i < LENGTH; i++) {
            nonce = (nonce << 8) | (k[i] & 0xff);
        }
        return new Slot(Address.of(a), nonce);
    }
}
