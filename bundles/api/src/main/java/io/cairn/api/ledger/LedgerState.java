package io.cairn.api.ledger;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Nonces;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The state conventions every ledger model shares (docs/formats.md, "State and state root"): two metadata
 * entries, the chain id ({@code 's' '#' "chainId" -> u64}) and the accumulator ({@code 's' '#' "lthash" ->} the
 * 2048 bytes of an {@link LtHash16}); every other {@code Keys.STATE} entry is in the accumulator, contributing
 * {@code expand(hash(u32 len(key) | key | value))}; the state root is the suite hash of the accumulator. A model
 * lays out its own entries and writes them through a {@link Writer}, which keeps the accumulator in step.
 * Stateless.
 */
public final class LedgerState {
    /** {@code 's' '#' "chainId"}: the chain id, a u64. Never modify the array. */
    public static final byte[] CHAIN_ID_KEY = Keys.of(Keys.STATE, "#chainId");
    /** {@code 's' '#' "lthash"}: the accumulator, {@link LtHash16#BYTES} bytes. Never modify the array. */
    public static final byte[] LTHASH_KEY = Keys.of(Keys.STATE, "#lthash");
    /** The second byte of a metadata key: {@code 's' '#' ...} entries are outside the accumulator. */
    private static final byte META_TAG = '#';

    private LedgerState() {}

    /** Whether the entry under {@code key} is in the accumulator: a {@code Keys.STATE} key that is not metadata. */
    public static boolean isAccumulated(byte[] key) {
        return key.length >= 2 && key[0] == Keys.STATE && key[1] != META_TAG;
    }

    /**
     * The 32-byte seed an entry contributes, {@code hash(u32 len(key) | key | value)}: the key's length keeps
     * (key, value) splits unambiguous.
     */
    public static byte[] entrySeed(CryptoSuite suite, byte[] key, byte[] value) {
        byte[] buf = new byte[4 + key.length + value.length];
        int n = key.length;
        buf[0] = (byte) (n >>> 24);
        buf[1] = (byte) (n >>> 16);
        buf[2] = (byte) (n >>> 8);
        buf[3] = (byte) n;
        System.arraycopy(key, 0, buf, 4, n);
        System.arraycopy(value, 0, buf, 4 + n, value.length);
        return suite.hash(buf);
    }

    /**
     * The accumulator stored in {@code state} (its bytes, not a copy).
     *
     * @throws IllegalStateException if there is none (no genesis state)
     * @throws MalformedDataException if it is not {@link LtHash16#BYTES} long
     */
    public static byte[] accumulator(StateView state) {
        byte[] acc = state.get(LTHASH_KEY);
        if (acc == null) {
            throw new IllegalStateException(
                    "the state has no accumulator (s#lthash): the genesis state was not written");
        }
        if (acc.length != LtHash16.BYTES) {
            throw new MalformedDataException("state accumulator s#lthash is " + acc.length + " bytes, expected "
                    + LtHash16.BYTES);
        }
        return acc;
    }

    /** The state root of {@code state}: the suite hash of its stored accumulator (see {@link #accumulator}). */
    public static Hash stateRoot(CryptoSuite suite, StateView state) {
        return Hash.of(suite.hash(accumulator(state)));
    }

    /**
     * The accumulator recomputed from every entry, for checking a snapshot without trusting its stored one.
     * Entries outside {@code Keys.STATE} and metadata keys are skipped, so a scan of the whole store may be passed.
     */
    public static byte[] accumulatorOf(CryptoSuite suite, Iterator<ReadView.Entry> entries) {
        LtHash16 acc = new LtHash16();
        while (entries.hasNext()) {
            ReadView.Entry e = entries.next();
            if (isAccumulated(e.key())) {
                acc.add(entrySeed(suite, e.key(), e.value()));
            }
        }
        return acc.toBytes();
    }

    /** The state root recomputed from every entry: the suite hash of {@link #accumulatorOf}. */
    public static Hash stateRootOf(CryptoSuite suite, Iterator<ReadView.Entry> entries) {
        return Hash.of(suite.hash(accumulatorOf(suite, entries)));
    }

    /**
     * The chain id stored in {@code state}.
     *
     * @throws IllegalStateException if there is none (no genesis state)
     * @throws MalformedDataException if it is not a u64
     */
    public static long chainId(StateView state) {
        byte[] stored = state.get(CHAIN_ID_KEY);
        if (stored == null) {
            throw new IllegalStateException("the state has no chain id (s#chainId): the genesis state was not written");
        }
        return decodeChainId(stored);
    }

    /**
     * Admission's chain rule: the pool admits only a transaction for the chain in {@code state}. The verifier
     * refuses another chain's transaction first; this is kept so that admission alone never lets one in.
     *
     * @throws TxRejectedException {@code NOT_READY} if there is no genesis state yet, {@code WRONG_CHAIN} if
     *         {@code tx} is for another chain
     */
    public static void admitChain(VerifiedTransaction tx, StateView state) throws TxRejectedException {
        byte[] stored = state.get(CHAIN_ID_KEY);
        if (stored == null) {
            throw new TxRejectedException(Reason.NOT_READY, "the chain has no genesis state yet");
        }
        long chainId = decodeChainId(stored);
        long txChain = tx.envelope().chainId();
        if (txChain != chainId) {
            throw new TxRejectedException(Reason.WRONG_CHAIN,
                    "transaction is for chain " + Nonces.text(txChain) + ", this is chain " + Nonces.text(chainId));
        }
    }

    private static long decodeChainId(byte[] stored) {
        Decoder d = new Decoder(stored, "state s#chainId");
        long id = d.u64("chainId");
        d.end();
        return id;
    }

    /**
     * Checks that {@code genesis} is for this model and suite, and that its total supply fits in 256 bits (no
     * model makes value, so this rules out overflow of any balance or sum of coins for good).
     *
     * @param model the model's name ({@link io.cairn.api.node.LedgerModel#model()})
     * @param suite the bound suite
     * @throws IllegalArgumentException naming what does not match
     */
    public static void checkGenesis(Genesis genesis, String model, CryptoSuite suite) {
        if (!model.equals(genesis.ledger())) {
            throw new IllegalArgumentException("genesis names ledger model '" + genesis.ledger() + "', this engine is '"
                    + model + "'");
        }
        if (!suite.name().equals(genesis.suite())) {
            throw new IllegalArgumentException("genesis names crypto suite '" + genesis.suite()
                    + "' but the crypto component provides '" + suite.name()
                    + "' (set suite in etc/io.cairn.crypto.cfg)");
        }
        if (genesis.totalSupply().compareTo(Transaction.MAX_VALUE) > 0) {
            throw new IllegalArgumentException("genesis allocations total " + genesis.totalSupply()
                    + ", more than 2^256-1");
        }
    }

    /**
     * The writer of a genesis state: {@link #checkGenesis checks} {@code genesis}, then starts from the empty
     * state; {@link Writer#finish} writes the chain id (after the model's entries) and the accumulator. No
     * expansion is cached.
     */
    public static Writer genesis(Genesis genesis, String model, CryptoSuite suite) {
        checkGenesis(genesis, model, suite);
        return new Writer(suite, new LtHash16(), null, null, new WriteBatch(),
                new Encoder(8).u64(genesis.chainId()).toByteArray());
    }

    /**
     * The writer of a block's changes to {@code parent}: starts from the parent's accumulator (see
     * {@link #accumulator}), with a new batch.
     */
    public static Writer block(CryptoSuite suite, ExpansionCache cache, StateView parent) {
        return new Writer(suite, LtHash16.fromBytes(accumulator(parent)), cache, new WriteBatch());
    }

    /** As {@link #block(CryptoSuite, ExpansionCache, StateView)}, keeping expansions by state key. */
    public static Writer block(CryptoSuite suite, EntryExpansions expansions, StateView parent) {
        return new Writer(suite, LtHash16.fromBytes(accumulator(parent)), expansions, new WriteBatch());
    }

    /**
     * Writes state entries into a batch and keeps the accumulator in step; {@link #finish} puts the accumulator
     * and gives the state root. Not thread-safe: one per block (or per part of one).
     */
    public static final class Writer {
        private final CryptoSuite suite;
        private final LtHash16 acc;
        private final ExpansionCache cache;
        private final EntryExpansions entries;
        private final WriteBatch batch;
        private final byte[] chainId;

        /**
         * @param acc the accumulator of the state the changes apply to, updated in place
         * @param cache where expansions are kept for the entries written (and looked up for those replaced), or
         *        null to cache none
         */
        public Writer(CryptoSuite suite, LtHash16 acc, ExpansionCache cache, WriteBatch batch) {
            this(suite, acc, cache, null, batch, null);
        }

        /** As the other constructor, keeping expansions by state key in {@code expansions} (not null). */
        public Writer(CryptoSuite suite, LtHash16 acc, EntryExpansions expansions, WriteBatch batch) {
            this(suite, acc, null, java.util.Objects.requireNonNull(expansions, "expansions"), batch, null);
        }

        private Writer(CryptoSuite suite, LtHash16 acc, ExpansionCache cache, EntryExpansions entries,
                WriteBatch batch, byte[] chainId) {
            this.suite = suite;
            this.acc = acc;
            this.cache = cache;
            this.entries = entries;
            this.batch = batch;
            this.chainId = chainId;
        }

        /** A new entry (the state has nothing under {@code key}): {@code change(key, null, value)}. */
        public void put(byte[] key, byte[] value) {
            change(key, null, value);
        }

        /**
         * One entry's change, nothing if {@code now} equals {@code original}: the old entry (if any) leaves the
         * accumulator, for good, so its cached expansion is dropped; the new one (if any) enters it, its
         * expansion kept, and is put, else the key is deleted.
         *
         * @param original the entry's value in the state the changes apply to, or null if absent
         * @param now its value after them, or null to delete it
         */
        public void change(byte[] key, byte[] original, byte[] now) {
            if (Arrays.equals(original, now)) {
                return;
            }
            accumulate(acc, key, original, now);
            if (now != null) {
                batch.put(key, now);
            } else {
                batch.delete(key);
            }
        }

        /** One entry's change, {@code original} to {@code now} (either null: absent), as {@link #changeAll} takes it. */
        public record Change(byte[] key, byte[] original, byte[] now) {}

        /** Below this many changes, {@link #changeAll} runs on the calling thread: a helper's wake-up costs more. */
        public static final int MIN_PARALLEL = 64;

        /**
         * As {@link #change} for each of {@code changes}, in order; the accumulator's work (a suite hash and an
         * expansion per entry) is split over {@code threads}, each part summed into an accumulator of its own and
         * the parts added to this one (the sum is commutative). The batch and the root are those of changing the
         * entries one by one. No two changes may name one key.
         */
        public void changeAll(List<Change> changes, NodeThreads threads) {
            int n = changes.size();
            int parts = threads.parallelism() > 1 && n >= MIN_PARALLEL
                    ? Math.min(n / (MIN_PARALLEL / 2), 4 * threads.parallelism()) : 1;
            if (parts <= 1) {
                for (Change c : changes) {
                    change(c.key(), c.original(), c.now());
                }
                return;
            }
            LtHash16[] sums = new LtHash16[parts];
            threads.parallel(parts, p -> {
                LtHash16 sum = new LtHash16();
                for (int i = (int) ((long) p * n / parts), end = (int) ((long) (p + 1) * n / parts); i < end; i++) {
                    Change c = changes.get(i);
                    if (!Arrays.equals(c.original(), c.now())) {
                        accumulate(sum, c.key(), c.original(), c.now());
                    }
                }
                sums[p] = sum;
            });
            for (LtHash16 sum : sums) {
                acc.add(sum);
            }
            for (Change c : changes) {
                if (Arrays.equals(c.original(), c.now())) {
                    continue;
                }
                if (c.now() != null) {
                    batch.put(c.key(), c.now());
                } else {
                    batch.delete(c.key());
                }
            }
        }

        /** The entry's change in {@code into}: the old entry (if any) subtracted, the new one (if any) added. */
        private void accumulate(LtHash16 into, byte[] key, byte[] original, byte[] now) {
            if (original != null) {
                if (entries != null) {
                    entries.subtract(into, suite, key, original);
                } else {
                    into.subtract(expansion(into, entrySeed(suite, key, original), false));
                }
            }
            if (now != null) {
                if (entries != null) {
                    entries.add(into, suite, key, now);
                } else {
                    into.add(expansion(into, entrySeed(suite, key, now), true));
                }
            }
        }

        private char[] expansion(LtHash16 into, byte[] seed, boolean keep) {
            return cache == null ? into.expand(seed) : cache.expansion(into, seed, keep);
        }

        /** The batch written so far. */
        public WriteBatch batch() {
            return batch;
        }

        /**
         * Puts the chain id (a genesis writer's only) and the accumulator, last; call once, after every change.
         *
         * @return the state root
         */
        public Hash finish() {
            if (chainId != null) {
                batch.put(CHAIN_ID_KEY, chainId);
            }
            byte[] accBytes = acc.toBytes();
            batch.put(LTHASH_KEY, accBytes);
            return Hash.of(suite.hash(accBytes));
        }
    }
}
