package io.cairn.api.ledger;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules every coin model (utxo, private; docs/ledgers.md) keeps the same way, written once: a body's inputs, what
 * a spend consumes and produces, a coin that is not there, and a block's coins over its parent state
 * ({@link Overlay}), written back as state changes and owner index entries ({@link CoinIndex}). A model brings its
 * coin's encoding ({@link Codec}). Stateless but for the overlay.
 */
public final class CoinLedger {
    private CoinLedger() {}

    /**
     * Reads a body's inputs, {@code u8 nIn (1..max) | nIn x (txHash[32] | u32 index)}, refusing a coin spent twice.
     *
     * @throws MalformedDataException naming the input that is wrong
     */
    public static List<CoinId> inputs(Decoder d, String what, int max) {
        int nIn = d.u8("input count");
        if (nIn == 0 || nIn > max) {
            throw new MalformedDataException(what + ": input count is " + nIn + ", a transaction spends 1 to " + max
                    + " coins");
        }
        List<CoinId> inputs = new ArrayList<>(nIn);
        Map<CoinId, Integer> seen = new HashMap<>();
        for (int i = 0; i < nIn; i++) {
            Hash txHash = Hash.of(d.fixed(Hash.SIZE, "input " + i + " txHash"));
            CoinId c = new CoinId(txHash, d.u32("input " + i + " index"));
            Integer first = seen.putIfAbsent(c, i);
            if (first != null) {
                throw new MalformedDataException(what + ": input " + i + " spends coin " + c + ", as input " + first
                        + " does");
            }
            inputs.add(c);
        }
        return inputs;
    }

    /** A spend consumes its input coins and produces its outputs, {@code (tx, 0 .. outputs-1)}. */
    public static Claims claims(List<CoinId> inputs, Hash tx, int outputs) {
        List<LedgerKey> consumes = new ArrayList<>(inputs.size());
        for (CoinId c : inputs) {
            consumes.add(c.poolKey());
        }
        List<LedgerKey> produces = new ArrayList<>(outputs);
        for (int k = 0; k < outputs; k++) {
            produces.add(new CoinId(tx, k).poolKey());
        }
        return new Claims(consumes, produces);
    }

    /** A coin no pending transaction makes is there, unspent, or never will be: a coin model never holds. */
    public static boolean available(StateView state, LedgerKey key) throws TxRejectedException {
        CoinId id = CoinId.of(key);
        if (state.get(id.stateKey()) == null) {
            throw unknown(id);
        }
        return true;
    }

    public static TxRejectedException unknown(CoinId id) {
        return new TxRejectedException(Reason.UNKNOWN_INPUT, "coin " + id + " does not exist or is already spent");
    }

    public static TxRejectedException doubleSpend(CoinId id, Hash holder) {
        return new TxRejectedException(Reason.DOUBLE_SPEND, "coin " + id + " is already spent by pending transaction "
                + holder);
    }

    /** The inputs as getTransaction shows them: {@code [{"txHash", "index"}]}. */
    public static List<Object> describe(List<CoinId> inputs) {
        List<Object> out = new ArrayList<>(inputs.size());
        for (CoinId c : inputs) {
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("txHash", c.txHash().toHex());
            in.put("index", c.indexValue());
            out.add(in);
        }
        return out;
    }

    /** A model's coin: its state value, its owner, and its owner index entry's value. */
    public interface Codec<C> {
        C decode(byte[] value, CoinId id);

        byte[] encode(C coin);

        Address owner(C coin);

        /** The owner index value of the coin whose state value is {@code encoded}. */
        byte[] indexValue(byte[] encoded);
    }

    /** The owner index entry a coin's state entry brings with it (snapshot import), if {@code key} is a coin's. */
    public static <C> void derive(byte[] key, byte[] value, Codec<C> codec, WriteBatch out) {
        if (CoinId.isStateKey(key)) {
            CoinId id = CoinId.read(key, 2);
            out.put(CoinIndex.key(codec.owner(codec.decode(value, id)), id), codec.indexValue(value));
        }
    }

    /**
     * A block's coins over its parent state: later transactions see earlier ones' coins, a coin is spent once.
     * Insertion-ordered. Not thread-safe: one per block.
     */
    public static final class Overlay<C> {
        private final StateView parent;
        private final Codec<C> codec;
        private final Map<CoinId, Slot<C>> coins = new LinkedHashMap<>();

        private static final class Slot<C> {
            final byte[] original;
            final C originalCoin;
            C current;
            int spentBy = -1;

            Slot(byte[] original, C originalCoin, C current) {
                this.original = original;
                this.originalCoin = originalCoin;
                this.current = current;
            }
        }

        public Overlay(StateView parent, Codec<C> codec) {
            this.parent = parent;
            this.codec = codec;
        }

        /** The unspent coin {@code id}, or null if there is none; refused when a transaction of the block spent it. */
        public C find(CoinId id) throws TxRejectedException {
            Slot<C> slot = coins.get(id);
            if (slot == null) {
                byte[] v = parent.get(id.stateKey());
                C c = v == null ? null : codec.decode(v, id);
                slot = new Slot<>(v, c, c);
                coins.put(id, slot);
            }
            if (slot.current == null && slot.spentBy >= 0) {
                throw new TxRejectedException(Reason.UNKNOWN_INPUT, "coin " + id
                        + " is already spent by transaction " + slot.spentBy + " of this block");
            }
            return slot.current;
        }

        /** Spends {@code inputs}, each looked up by {@link #find} first, by the block's transaction {@code i}. */
        public void spend(int i, List<CoinId> inputs) {
            for (CoinId id : inputs) {
                Slot<C> slot = coins.get(id);
                slot.current = null;
                slot.spentBy = i;
            }
        }

        /**
         * Makes the coin {@code id}. A coin (T, k) exists only if T ran, which spent T's inputs for good, so T's
         * outputs are new and the parent state is not read for them.
         *
         * @return false when the block made it before
         */
        public boolean make(CoinId id, C coin) {
            return coins.putIfAbsent(id, new Slot<>(null, null, coin)) == null;
        }

        /**
         * The block's writes: each changed coin's state entry as a change for the accumulator, its owner index entry
         * into {@code batch} (a spent parent coin deletes both, a new coin puts both, a coin made and spent within
         * the block writes nothing).
         */
        public List<LedgerState.Writer.Change> changes(WriteBatch batch) {
            List<LedgerState.Writer.Change> changes = new ArrayList<>(coins.size());
            for (Map.Entry<CoinId, Slot<C>> e : coins.entrySet()) {
                CoinId id = e.getKey();
                Slot<C> c = e.getValue();
                if (c.original != null && c.current == null) {
                    changes.add(new LedgerState.Writer.Change(id.stateKey(), c.original, null));
                    batch.delete(CoinIndex.key(codec.owner(c.originalCoin), id));
                } else if (c.original == null && c.current != null) {
                    byte[] coin = codec.encode(c.current);
                    changes.add(new LedgerState.Writer.Change(id.stateKey(), null, coin));
                    batch.put(CoinIndex.key(codec.owner(c.current), id), codec.indexValue(coin));
                }
            }
            return changes;
        }
    }
}
