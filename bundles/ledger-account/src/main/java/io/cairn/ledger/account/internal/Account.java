package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * One account as a block sees it: {@code s a address(20) -> u64 nonce | balance[32]}
 * (docs/architecture.md). Mutable while a block executes; balances stay big-endian 256-bit byte arrays
 * so that the hot path needs no BigInteger arithmetic. An absent account has nonce 0 and balance 0,
 * and an account in that state is stored as absent, so the state has one representation.
 */
final class Account {
    static final int VALUE_BYTES = 8 + 32;
    private static final byte ACCOUNT_TAG = 'a';

    final Address address;
    final byte[] key;
    /** The stored value before this block, or null if absent. */
    final byte[] original;
    long nonce;
    final byte[] balance;

    private Account(Address address, byte[] key, byte[] original, long nonce, byte[] balance) {
        this.address = address;
        this.key = key;
        this.original = original;
        this.nonce = nonce;
        this.balance = balance;
    }

    static byte[] key(Address address) {
        byte[] k = new byte[2 + Address.SIZE];
        k[0] = Keys.STATE;
        k[1] = ACCOUNT_TAG;
        System.arraycopy(address.toByteArray(), 0, k, 2, Address.SIZE);
        return k;
    }

    static Account load(StateView state, Address address) {
        byte[] key = key(address);
        byte[] stored = state.get(key);
        if (stored == null) {
            return new Account(address, key, null, 0, new byte[32]);
        }
        if (stored.length != VALUE_BYTES) {
            throw new MalformedDataException("account " + address + ": stored state is " + stored.length
                    + " bytes, expected " + VALUE_BYTES + " (u64 nonce | 32-byte balance)");
        }
        Decoder d = new Decoder(stored, "account " + address);
        long nonce = d.u64("nonce");
        byte[] balance = d.fixed(32, "balance");
        return new Account(address, key, stored, nonce, balance);
    }

    static Account fresh(Address address, byte[] balance) {
        return new Account(address, key(address), null, 0, balance.clone());
    }

    /** The value to store, or null when the account is in the absent state. */
    byte[] encode() {
        if (nonce == 0 && isZero(balance)) {
            return null;
        }
        byte[] out = new byte[VALUE_BYTES];
        long n = nonce;
        for (int i = 7; i >= 0; i--) {
            out[i] = (byte) n;
            n >>>= 8;
        }
        System.arraycopy(balance, 0, out, 8, 32);
        return out;
    }

    boolean changed() {
        return !Arrays.equals(encode(), original);
    }

    /** What a transfer of {@code value} costs its sender with {@code fee}: their sum, or null above 2^256-1. */
    static byte[] cost(byte[] value, byte[] fee) {
        if (isZero(fee)) {
            return value;
        }
        byte[] out = new byte[32];
        int carry = 0;
        for (int i = 31; i >= 0; i--) {
            int s = (value[i] & 0xff) + (fee[i] & 0xff) + carry;
            carry = s >>> 8;
            out[i] = (byte) s;
        }
        return carry == 0 ? out : null;
    }

    /** " + fee F" for a refusal's words, nothing without a fee (the words of rules without fees are unchanged). */
    static String plusFee(byte[] fee) {
        return isZero(fee) ? "" : " + fee " + new BigInteger(1, fee);
    }

    boolean canPay(byte[] value) {
        return Arrays.compareUnsigned(value, balance) <= 0;
    }

    /** Caller checked {@link #canPay}. */
    void debit(byte[] value) {
        int borrow = 0;
        for (int i = 31; i >= 0; i--) {
            int d = (balance[i] & 0xff) - (value[i] & 0xff) - borrow;
            borrow = d < 0 ? 1 : 0;
            balance[i] = (byte) d;
        }
        if (borrow != 0) {
            throw new IllegalStateException("account " + address + ": debit below zero (the caller must check the balance)");
        }
    }

    void credit(byte[] value) {
        int carry = 0;
        for (int i = 31; i >= 0; i--) {
            int s = (balance[i] & 0xff) + (value[i] & 0xff) + carry;
            carry = s >>> 8;
            balance[i] = (byte) s;
        }
        if (carry != 0) {
            // impossible while the genesis supply fits in 256 bits, since transfers conserve it
            throw new IllegalStateException("account " + address + ": balance overflows 256 bits");
        }
    }

    BigInteger balanceValue() {
        return new BigInteger(1, balance);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
