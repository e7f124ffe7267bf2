package io.cairn.ledger.utxo.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Uint256;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinIndex;
import io.cairn.api.node.StateView;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * The UTXO model's owner index ({@link CoinIndex}): {@code 's' 'o' owner[20] txHash[32] u32 index -> amount[32]},
 * written when the coin is made and deleted when it is spent, beside the coin's own entry. So a spend or a new coin
 * costs one entry whatever else its owner holds, and balances and {@code getUtxos} read an owner's coins by a prefix
 * scan of the head's state ({@code apply} and admission never scan, nor read an entry). Derived data, outside the
 * state root. Stateless.
 */
final class OwnerIndex {
    static final int VALUE_LENGTH = 32;

    private OwnerIndex() {}

    /** An index entry as read back: the coin and its amount. */
    record Held(CoinId id, BigInteger amount) {}

    static boolean isKey(byte[] key) {
        return CoinIndex.isKey(key);
    }

    static byte[] key(Address owner, CoinId id) {
        return CoinIndex.key(owner, id);
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
        Iterator<CoinIndex.Held> entries = CoinIndex.scan(state, owner, VALUE_LENGTH);
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
                CoinIndex.Held h = entries.next();
                return new Held(h.id(), Uint256.fromBytes(h.value()));
            }
        };
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
