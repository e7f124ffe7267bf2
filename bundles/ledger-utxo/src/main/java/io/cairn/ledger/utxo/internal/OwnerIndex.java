package io.cairn.ledger.utxo.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Uint256;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * The owner index: one state entry per unspent coin, {@code 's' 'o' owner[20] txHash[32] u32 index -> amount[32]},
 * written when the coin is made and deleted when it is spent, beside the coin's own entry. So a spend or a new coin
 * costs one entry whatever else its owner holds, and an owner's coins are the entries under its prefix
 * {@code 's' 'o' owner[20]}, in coin ({@link CoinId}) order, read by a prefix scan of the head's state (balances and
 * {@code getUtxos}; {@code apply} and admission never scan, nor read an entry). An entry is a function of its
 * coin's, so it is derived data, outside the state root (which commits to the coin set): the node writes it in the
 * same batch as its coin, and no consensus rule reads it. Stateless.
 */
final class OwnerIndex {
    static final byte TAG = 'o';
    static final int PREFIX_LENGTH = 2 + Address.SIZE;
    static final int KEY_LENGTH = PREFIX_LENGTH + CoinId.BYTES;
    static final int VALUE_LENGTH = 32;

    private OwnerIndex() {}

    /** An index entry as read back: the coin and its amount. */
    record Held(CoinId id, BigInteger amount) {}

    /** Whether {@code key} is an index entry's key (by its {@code 's' 'o'} start and its length). */
    static boolean isKey(byte[] key) {
        return key.length == KEY_LENGTH && key[0] == Keys.STATE && key[1] == TAG;
    }

    /** {@code 's' 'o' owner[20]}: the prefix of every index entry of the owner. */
    static byte[] prefix(Address owner) {
        byte[] k = new byte[PREFIX_LENGTH];
        k[0] = Keys.STATE;
        k[1] = TAG;
        System.arraycopy(owner.toByteArray(), 0, k, 2, Address.SIZE);
        return k;
    }

    /** {@code 's' 'o' owner[20] txHash[32] u32 index}: the index entry of the owner's coin {@code id}. */
    static byte[] key(Address owner, CoinId id) {
        byte[] k = Arrays.copyOf(prefix(owner), KEY_LENGTH);
        id.write(k, PREFIX_LENGTH);
        return k;
    }

    /** The entry's value: the coin's amount, unsigned 256-bit. */
    static byte[] value(BigInteger amount) {
        return Uint256.toBytes(amount);
    }

    /** The index value of the coin whose state value ({@link Coin#encode}) is {@code coin}: its amount bytes. */
    static byte[] valueOfCoin(byte[] coin) {
        return Arrays.copyOfRange(coin, Address.SIZE, Address.SIZE + VALUE_LENGTH);
    }

    /**
     * The owner's coins in {@code state}, in coin order: a prefix scan, so {@code state} must be one that scans
     * (the head's state).
     *
     * @throws UnsupportedOperationException if {@code state} cannot be scanned
     */
    static Iterator<Held> scan(StateView state, Address owner) {
        byte[] from = prefix(owner);
        Iterator<ReadView.Entry> entries = state.scan(from, Keys.prefixEnd(from));
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public Held next() {
                if (!entries.hasNext()) {
                    throw new NoSuchElementException();
                }
                return decode(entries.next(), owner);
            }
        };
    }

    private static Held decode(ReadView.Entry e, Address owner) {
        byte[] k = e.key();
        byte[] v = e.value();
        if (k.length != KEY_LENGTH || !Arrays.equals(k, 0, PREFIX_LENGTH, prefix(owner), 0, PREFIX_LENGTH)) {
            throw new MalformedDataException("state coin index of " + owner + ": key of " + k.length
                    + " bytes, expected " + KEY_LENGTH + " ('s' 'o' owner[20] txHash[32] u32 index)");
        }
        CoinId id = CoinId.read(k, PREFIX_LENGTH);
        if (v == null || v.length != VALUE_LENGTH) {
            throw new MalformedDataException("state coin index of " + owner + ", coin " + id + ": value of "
                    + (v == null ? 0 : v.length) + " bytes, expected " + VALUE_LENGTH + " (amount)");
        }
        return new Held(id, Uint256.fromBytes(v));
    }

    /** The owner's coins in {@code state} with their amounts, in coin order; empty when it has none. */
    static TreeMap<CoinId, BigInteger> load(StateView state, Address owner) {
        TreeMap<CoinId, BigInteger> coins = new TreeMap<>();
        for (Iterator<Held> it = scan(state, owner); it.hasNext(); ) {
            Held h = it.next();
            coins.put(h.id(), h.amount());
        }
        return coins;
    }

    /** The sum of the owner's coins in {@code state}. */
    static BigInteger sum(StateView state, Address owner) {
        BigInteger total = BigInteger.ZERO;
        for (Iterator<Held> it = scan(state, owner); it.hasNext(); ) {
            total = total.add(it.next().amount());
        }
        return total;
    }
}
