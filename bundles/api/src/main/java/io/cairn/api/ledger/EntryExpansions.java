package io.cairn.api.ledger;

import io.cairn.api.crypto.CryptoSuite;
import java.util.Arrays;
import java.util.HashMap;

/**
 * The expansions (2 KB each) of the state entries most recently added to the accumulator, by state key, so that
 * when a later block changes or deletes an entry its old expansion is subtracted without hashing the old entry
 * (its seed) or running ChaCha20 over 2 KB again. An entry found under its key is used only if the value it was
 * added with equals the one being subtracted, and only for the suite it was computed with (a different suite
 * empties the cache), so a stale or missing entry only costs time, never correctness.
 *
 * <p>Unlike {@link ExpansionCache}, which it replaces for the models of this release, it is keyed by state key (no
 * seed to compute for a subtraction that hits), and its 2 KB buffers are allocated once and reused in the order
 * entries were added (oldest out first): a block adding thousands of entries allocated as many 2 KB arrays that
 * lived a few blocks, and the collector copied them between survivor spaces until they died (on a utxo chain, a
 * tenth of the node's time was garbage collection).
 *
 * <p>Keys are {@link LedgerKey}s over the state keys' bytes. Thread-safe: parts locked independently, by key.
 * Expansions are computed outside the locks; the lock is held to copy one into its buffer, or to subtract a
 * cached one from the caller's accumulator.
 */
public final class EntryExpansions {
    private final Part[] parts;

    public EntryExpansions(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        int n = Math.max(1, Math.min(16, maxEntries / 256));
        int perPart = (maxEntries + n - 1) / n;
        parts = new Part[n];
        for (int i = 0; i < n; i++) {
            parts[i] = new Part(perPart);
        }
    }

    /** Adds the entry ({@code key}, {@code value}) to {@code acc} and keeps its expansion. */
    public void add(LtHash16 acc, CryptoSuite suite, byte[] key, byte[] value) {
        char[] e = acc.addSeed(LedgerState.entrySeed(suite, key, value));
        LedgerKey k = LedgerKey.wrap(key);
        Part p = part(k);
        synchronized (p) {
            p.put(suite, k, value, e);
        }
    }

    /**
     * Subtracts the entry ({@code key}, {@code value}) from {@code acc}: its kept expansion if there is one (which
     * is then dropped: an entry leaves the state once), else one computed now.
     */
    public void subtract(LtHash16 acc, CryptoSuite suite, byte[] key, byte[] value) {
        LedgerKey k = LedgerKey.wrap(key);
        Part p = part(k);
        synchronized (p) {
            if (p.takeInto(acc, suite, k, value)) {
                return;
            }
        }
        acc.subtract(LedgerState.entrySeed(suite, key, value));
    }

    /** How many expansions are kept. */
    public int size() {
        int n = 0;
        for (Part p : parts) {
            synchronized (p) {
                n += p.index.size();
            }
        }
        return n;
    }

    /**
     * The part by the high bits of a multiplicative hash: a part's HashMap indexes by the key hash's low bits, and
     * choosing parts by those left each map a sixteenth of its buckets (and long collision chains).
     */
    private Part part(LedgerKey k) {
        return parts[((k.hashCode() * 0x9E3779B9) >>> 16) % parts.length];
    }

    /**
     * One part: {@code capacity} slots taken in turn (a ring), each holding a key, its value and its expansion,
     * and an index from key to slot. Taking the next slot evicts whatever it held: the oldest entry added.
     */
    private static final class Part {
        final HashMap<LedgerKey, Integer> index = new HashMap<>();
        final LedgerKey[] keys;
        final byte[][] values;
        final char[][] expansions;
        int next;
        CryptoSuite suite;

        Part(int capacity) {
            keys = new LedgerKey[capacity];
            values = new byte[capacity][];
            expansions = new char[capacity][];
        }

        void put(CryptoSuite s, LedgerKey k, byte[] value, char[] expansion) {
            sameSuite(s);
            Integer at = index.get(k);
            int slot;
            if (at != null) {
                slot = at; // the key's older value: replaced in place
            } else {
                slot = next;
                next = (next + 1) % keys.length;
                if (keys[slot] != null) {
                    index.remove(keys[slot]);
                }
                // the caller's array may change after this call: the key is copied
                k = LedgerKey.wrap(k.bytes()); // bytes() is a copy
                keys[slot] = k;
                index.put(k, slot);
            }
            values[slot] = value.clone();
            char[] buf = expansions[slot];
            if (buf == null) {
                buf = new char[LtHash16.LANES];
                expansions[slot] = buf;
            }
            System.arraycopy(expansion, 0, buf, 0, LtHash16.LANES);
        }

        /** Subtracts the kept expansion of (k, value) from acc and drops it; false if none is kept. */
        boolean takeInto(LtHash16 acc, CryptoSuite s, LedgerKey k, byte[] value) {
            sameSuite(s);
            Integer at = index.get(k);
            if (at == null || !Arrays.equals(values[at], value)) {
                return false;
            }
            int slot = at;
            acc.subtract(expansions[slot]);
            index.remove(keys[slot]);
            keys[slot] = null;
            values[slot] = null;
            return true;
        }

        private void sameSuite(CryptoSuite s) {
            if (s != suite) {
                index.clear();
                Arrays.fill(keys, null);
                Arrays.fill(values, null);
                suite = s;
            }
        }
    }
}
