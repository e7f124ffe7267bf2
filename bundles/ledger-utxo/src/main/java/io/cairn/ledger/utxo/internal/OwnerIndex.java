package io.cairn.ledger.utxo.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Uint256;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import java.math.BigInteger;
import java.util.Map;
import java.util.TreeMap;

/**
 * An owner's unspent coins with their amounts, so that a balance or the list of an owner's coins is one read
 * (a {@link StateView} has no scan). State entry {@code 's' 'o' owner[20] -> u32 n | n x (txHash[32] | u32 index
 * | amount[32])}, sorted by coin ({@link CoinId} order), absent when the owner has no coin. It is part of the
 * state (and of the state root), so every replica keeps it alike. Not thread-safe.
 */
final class OwnerIndex {
    static final byte TAG = 'o';
    static final int ENTRY_BYTES = CoinId.BYTES + 32;

    private OwnerIndex() {}

    static byte[] key(Address owner) {
        byte[] k = new byte[2 + Address.SIZE];
        k[0] = Keys.STATE;
        k[1] = TAG;
        System.arraycopy(owner.toByteArray(), 0, k, 2, Address.SIZE);
        return k;
    }

    /** The owner's coins in {@code state}, in coin order; empty when it has none. */
    static TreeMap<CoinId, BigInteger> load(StateView state, Address owner) {
        return decode(state.get(key(owner)), owner);
    }

    /** {@code value} decoded (null: no coins). */
    static TreeMap<CoinId, BigInteger> decode(byte[] value, Address owner) {
        TreeMap<CoinId, BigInteger> coins = new TreeMap<>();
        if (value == null) {
            return coins;
        }
        Decoder d = new Decoder(value, "state coin index of " + owner);
        int n = d.u32("count");
        if (n <= 0 || (long) n * ENTRY_BYTES != d.remaining()) {
            throw new MalformedDataException("state coin index of " + owner + ": count " + Integer.toUnsignedString(n)
                    + " does not match its " + value.length + " bytes");
        }
        CoinId last = null;
        for (int i = 0; i < n; i++) {
            CoinId c = new CoinId(Hash.of(d.fixed(Hash.SIZE, "txHash")), d.u32("index"));
            if (last != null && last.compareTo(c) >= 0) {
                throw new MalformedDataException("state coin index of " + owner + ": coin " + c + " out of order");
            }
            coins.put(c, Uint256.fromBytes(d.fixed(32, "amount")));
            last = c;
        }
        d.end();
        return coins;
    }

    /** The entry's value; null for no coins (the entry is absent). */
    static byte[] encode(TreeMap<CoinId, BigInteger> coins) {
        if (coins.isEmpty()) {
            return null;
        }
        byte[] out = new byte[4 + coins.size() * ENTRY_BYTES];
        CoinId.writeU32(out, 0, coins.size());
        int at = 4;
        for (Map.Entry<CoinId, BigInteger> e : coins.entrySet()) {
            e.getKey().write(out, at);
            System.arraycopy(Uint256.toBytes(e.getValue()), 0, out, at + CoinId.BYTES, 32);
            at += ENTRY_BYTES;
        }
        return out;
    }

    static BigInteger sum(TreeMap<CoinId, BigInteger> coins) {
        BigInteger total = BigInteger.ZERO;
        for (BigInteger v : coins.values()) {
            total = total.add(v);
        }
        return total;
    }
}
