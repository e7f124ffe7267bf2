package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The DAG model's state layout (docs/ledgers.md, "DAG", State), all under {@code Keys.STATE}:
 *
 * <pre>
 * s h account[20]            -> head[32] | u64 height | balance[32]   the account (absent: never used)
 * s r sendHash[32]           -> to[20] | amount[32]                   a send not received yet
 * s t txHash[32]             -> account[20] | u64 height | u8 kind | previous[32]   every DAG transaction
 * s #chainId, s #lthash                                               metadata, outside the accumulator
 * </pre>
 *
 * Every entry but the metadata contributes {@code expand(hash(u32 len(key) | key | value))} to the state
 * accumulator. Byte work only on the hot path: no BigInteger, no Encoder.
 */
final class DagState {
    static final byte ACCOUNT = 'h';
    static final byte RECEIVABLE = 'r';
    static final byte TX = 't';
    static final byte META = '#';

    static final byte[] CHAIN_ID_KEY = LedgerState.CHAIN_ID_KEY;
    static final byte[] LTHASH_KEY = LedgerState.LTHASH_KEY;

    static final int ACCOUNT_BYTES = 32 + 8 + 32;
    static final int RECEIVABLE_BYTES = Address.SIZE + 32;
    static final int TX_BYTES = Address.SIZE + 8 + 1 + 32;

    private DagState() {}

    // ---------------------------------------------------------------- keys

    static byte[] accountKey(Address a) {
        return key(ACCOUNT, a.toByteArray());
    }

    static byte[] receivableKey(Hash send) {
        return key(RECEIVABLE, send.toByteArray());
    }

    static byte[] txKey(Hash tx) {
        return key(TX, tx.toByteArray());
    }

    private static byte[] key(byte tag, byte[] id) {
        byte[] k = new byte[2 + id.length];
        k[0] = Keys.STATE;
        k[1] = tag;
        System.arraycopy(id, 0, k, 2, id.length);
        return k;
    }

    // ---------------------------------------------------------------- the account

    /** An account's entry: its chain's head and height, and its balance (32 bytes, big-endian; never modified). */
    record Account(Hash head, long height, byte[] balance) {
        static final Account NONE = new Account(Hash.ZERO, 0, new byte[32]);

        static Account load(StateView state, Address a) {
            return decode(a, state.get(accountKey(a)));
        }

        static Account decode(Address a, byte[] stored) {
            if (stored == null) {
                return NONE;
            }
            if (stored.length != ACCOUNT_BYTES) {
                throw new MalformedDataException("dag account " + a + ": stored state is " + stored.length
                        + " bytes, expected " + ACCOUNT_BYTES + " (head[32] | u64 height | balance[32])");
            }
            return new Account(Hash.of(Arrays.copyOf(stored, 32)), u64(stored, 32), Arrays.copyOfRange(stored, 40, 72));
        }

        byte[] encode() {
            byte[] out = new byte[ACCOUNT_BYTES];
            System.arraycopy(head.toByteArray(), 0, out, 0, 32);
            putU64(out, 32, height);
            System.arraycopy(balance, 0, out, 40, 32);
            return out;
        }

        BigInteger balanceValue() {
            return new BigInteger(1, balance);
        }
    }

    // ---------------------------------------------------------------- receivables and the transaction index

    /** A send not yet received: to whom, how much. */
    record Receivable(Address to, byte[] amount) {
        static Receivable decode(Hash send, byte[] stored) {
            if (stored.length != RECEIVABLE_BYTES) {
                throw new MalformedDataException("dag receivable " + send + ": stored state is " + stored.length
                        + " bytes, expected " + RECEIVABLE_BYTES + " (to[20] | amount[32])");
            }
            return new Receivable(Address.of(Arrays.copyOf(stored, Address.SIZE)),
                    Arrays.copyOfRange(stored, Address.SIZE, RECEIVABLE_BYTES));
        }

        static byte[] encode(Address to, byte[] amount) {
            byte[] out = new byte[RECEIVABLE_BYTES];
            System.arraycopy(to.toByteArray(), 0, out, 0, Address.SIZE);
            System.arraycopy(amount, 0, out, Address.SIZE, 32);
            return out;
        }
    }

    /**
     * Where a DAG transaction sits: whose chain, at which height, its kind (send or receive) and the transaction
     * before it on that chain (zero for the first), so that an account's chain is walked back from its head.
     */
    record TxIndex(Address account, long height, int kind, Hash previous) {
        static TxIndex load(StateView state, Hash tx) {
            byte[] stored = state.get(txKey(tx));
            if (stored == null) {
                return null;
            }
            if (stored.length != TX_BYTES) {
                throw new MalformedDataException("dag transaction index " + tx + ": stored state is " + stored.length
                        + " bytes, expected " + TX_BYTES + " (account[20] | u64 height | u8 kind | previous[32])");
            }
            return new TxIndex(Address.of(Arrays.copyOf(stored, Address.SIZE)), u64(stored, Address.SIZE),
                    stored[Address.SIZE + 8] & 0xff, Hash.of(Arrays.copyOfRange(stored, Address.SIZE + 9, TX_BYTES)));
        }

        static byte[] encode(Address account, long height, int kind, Hash previous) {
            byte[] out = new byte[TX_BYTES];
            System.arraycopy(account.toByteArray(), 0, out, 0, Address.SIZE);
            putU64(out, Address.SIZE, height);
            out[Address.SIZE + 8] = (byte) kind;
            System.arraycopy(previous.toByteArray(), 0, out, Address.SIZE + 9, 32);
            return out;
        }
    }

    /** How far back from an account's head a message looks for the transaction it names. */
    static final int MAX_WALK = 64;

    /**
     * The hash of the account's transaction at {@code height} (1 = first), walking back from {@code head} (at
     * {@code headHeight}) by the index's {@code previous}; null when it is more than {@code maxSteps} back, or the
     * account has no such height.
     */
    static Hash chainAt(StateView state, Hash head, long headHeight, long height, int maxSteps) {
        if (height < 1 || Long.compareUnsigned(height, headHeight) > 0 || headHeight - height > maxSteps) {
            return null;
        }
        Hash at = head;
        for (long h = headHeight; h > height; h--) {
            TxIndex t = TxIndex.load(state, at);
            if (t == null) {
                throw new MalformedDataException("dag: transaction " + at + " at height " + Long.toUnsignedString(h)
                        + " of an account's chain has no index entry");
            }
            at = t.previous();
        }
        return at;
    }

    // ---------------------------------------------------------------- amounts (32-byte big-endian, unsigned)

    static boolean below(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b) < 0;
    }

    /** a - b; the caller checked that b is not above a. */
    static byte[] minus(byte[] a, byte[] b) {
        byte[] out = new byte[32];
        int borrow = 0;
        for (int i = 31; i >= 0; i--) {
            int d = (a[i] & 0xff) - (b[i] & 0xff) - borrow;
            borrow = d < 0 ? 1 : 0;
            out[i] = (byte) d;
        }
        if (borrow != 0) {
            throw new IllegalStateException("dag: amount below zero (the caller must compare first)");
        }
        return out;
    }

    /** a + b; never overflows while the genesis supply fits in 256 bits, since sends and receives conserve it. */
    static byte[] plus(byte[] a, byte[] b) {
        byte[] out = new byte[32];
        int carry = 0;
        for (int i = 31; i >= 0; i--) {
            int s = (a[i] & 0xff) + (b[i] & 0xff) + carry;
            carry = s >>> 8;
            out[i] = (byte) s;
        }
        if (carry != 0) {
            throw new IllegalStateException("dag: a balance overflows 256 bits");
        }
        return out;
    }

    // ---------------------------------------------------------------- the accumulator

    static boolean isAccumulated(byte[] key) {
        return LedgerState.isAccumulated(key);
    }

    /** The 32-byte seed an entry contributes (formats.md, State and state root). */
    static byte[] entrySeed(CryptoSuite suite, byte[] key, byte[] value) {
        return LedgerState.entrySeed(suite, key, value);
    }

    // ---------------------------------------------------------------- u64

    static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    static void putU64(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        putU64(b, 0, v);
        return b;
    }
}
