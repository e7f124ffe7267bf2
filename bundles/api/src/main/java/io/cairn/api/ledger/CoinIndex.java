package io.cairn.api.ledger;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * What the coin models (utxo, private; docs/ledgers.md) share beside {@link CoinId}: the owner index, one state
 * entry per unspent coin, {@code 's' 'o' owner[20] txHash[32] u32 index -> value} (the model's: an amount, a
 * commitment), written when the coin is made and deleted when it is spent, so an owner's coins are the entries
 * under {@code 's' 'o' owner[20]}, in coin order, read by a prefix scan of the head's state. An entry is derived
 * from its coin's, outside the state root; no consensus rule reads it. And the signers' rule: a spend is signed by
 * exactly the distinct owners of its inputs. Stateless.
 */
public final class CoinIndex {
    public static final byte TAG = 'o';
    public static final int PREFIX_LENGTH = 2 + Address.SIZE;
    public static final int KEY_LENGTH = PREFIX_LENGTH + CoinId.BYTES;

    private CoinIndex() {}

    /** An index entry as read back: the coin and the entry's value. */
    public record Held(CoinId id, byte[] value) {}

    /** Whether {@code key} is an index entry's key (by its {@code 's' 'o'} start and its length). */
    public static boolean isKey(byte[] key) {
        return key.length == KEY_LENGTH && key[0] == Keys.STATE && key[1] == TAG;
    }

    /** {@code 's' 'o' owner[20]}: the prefix of every index entry of the owner. */
    public static byte[] prefix(Address owner) {
        byte[] k = new byte[PREFIX_LENGTH];
        k[0] = Keys.STATE;
        k[1] = TAG;
        System.arraycopy(owner.toByteArray(), 0, k, 2, Address.SIZE);
        return k;
    }

    /** {@code 's' 'o' owner[20] txHash[32] u32 index}: the index entry of the owner's coin {@code id}. */
    public static byte[] key(Address owner, CoinId id) {
        byte[] k = Arrays.copyOf(prefix(owner), KEY_LENGTH);
        id.write(k, PREFIX_LENGTH);
        return k;
    }

    /**
     * The owner's coins in {@code state}, in coin order: a prefix scan, so {@code state} must be one that scans
     * (the head's state). Each value is checked to be {@code valueLength} bytes.
     *
     * @throws UnsupportedOperationException if {@code state} cannot be scanned
     */
    public static Iterator<Held> scan(StateView state, Address owner, int valueLength) {
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
                return decode(entries.next(), from, owner, valueLength);
            }
        };
    }

    private static Held decode(ReadView.Entry e, byte[] prefix, Address owner, int valueLength) {
        byte[] k = e.key();
        byte[] v = e.value();
        if (k.length != KEY_LENGTH || !Arrays.equals(k, 0, PREFIX_LENGTH, prefix, 0, PREFIX_LENGTH)) {
            throw new MalformedDataException("state coin index of " + owner + ": key of " + k.length
                    + " bytes, expected " + KEY_LENGTH + " ('s' 'o' owner[20] txHash[32] u32 index)");
        }
        CoinId id = CoinId.read(k, PREFIX_LENGTH);
        if (v == null || v.length != valueLength) {
            throw new MalformedDataException("state coin index of " + owner + ", coin " + id + ": value of "
                    + (v == null ? 0 : v.length) + " bytes, expected " + valueLength);
        }
        return new Held(id, v);
    }

    /**
     * The signers' rule of a spend: {@code signers} are exactly the distinct owners of its inputs, in any order.
     *
     * @param owners the owner of each input, in input order
     * @return null when it holds, else the refusal (MISSING_SIGNER naming the first coin whose owner has not
     *         signed, or EXTRA_SIGNER naming a signer who owns none of them)
     */
    public static TxRejectedException signersOf(List<Address> signers, List<CoinId> inputs, List<Address> owners) {
        Set<Address> signed = new HashSet<>(signers);
        Set<Address> owning = new HashSet<>();
        for (int i = 0; i < owners.size(); i++) {
            Address owner = owners.get(i);
            if (!signed.contains(owner)) {
                return new TxRejectedException(Reason.MISSING_SIGNER, "coin " + inputs.get(i) + " is owned by " + owner
                        + ", which has not signed the transaction");
            }
            owning.add(owner);
        }
        for (Address signer : signers) {
            if (!owning.contains(signer)) {
                return new TxRejectedException(Reason.EXTRA_SIGNER, "signer " + signer
                        + " owns none of the coins the transaction spends");
            }
        }
        return null;
    }
}
