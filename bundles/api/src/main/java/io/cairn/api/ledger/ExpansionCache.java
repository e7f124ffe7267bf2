package io.cairn.api.ledger;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The expansions (2 KB each) of the state entries most recently added to the accumulator, by seed. When a
 * block changes an account again, its old entry must be subtracted: the expansion computed when that entry
 * was added is reused instead of running ChaCha20 over 2 KB once more. Busy accounts change block after
 * block, so this saves about half the state-root work. Expansion is a pure function of the seed, so a
 * stale or missing entry only costs time, never correctness. Bounded (least recently used out first);
 * thread-safe. A model keeps one per instance.
 *
 * <p>The models of this release use {@link EntryExpansions} (by state key, buffers reused); this class stays for
 * engines built against the API before it, which a node may still run to replay the blocks they made.
 */
public final class ExpansionCache {
    /**
     * Independently locked parts, by seed: the threads running one block's transactions in parallel each take a
     * part's lock per entry they change, and with one lock for the whole cache they waited on each other. Up to
     * 16, one per 256 entries, so that a small cache keeps exactly its least recently used entries.
     */
    private final Map<ByteBuffer, char[]>[] stripes;

    @SuppressWarnings("unchecked")
    public ExpansionCache(int maxEntries) {
        int n = Math.max(1, Math.min(16, maxEntries / 256));
        int perStripe = Math.max(1, (maxEntries + n - 1) / n);
        stripes = new Map[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new LinkedHashMap<>(Math.min(perStripe, 1024) * 2, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, char[]> eldest) {
                    return size() > perStripe;
                }
            };
        }
    }

    /** The expansion of {@code seed32}, computed with {@code acc}'s buffers when not cached. */
    public char[] expansion(LtHash16 acc, byte[] seed32, boolean keep) {
        ByteBuffer key = ByteBuffer.wrap(seed32.clone());
        Map<ByteBuffer, char[]> bySeed = stripes[(seed32[0] & 0xff) % stripes.length]; // a seed is a hash
        char[] e;
        synchronized (bySeed) {
            e = keep ? bySeed.get(key) : bySeed.remove(key);
        }
        if (e != null) {
            return e;
        }
        e = acc.expand(seed32);
        if (keep) {
            synchronized (bySeed) {
                bySeed.put(key, e);
            }
        }
        return e;
    }

    public int size() {
        int n = 0;
        for (Map<ByteBuffer, char[]> bySeed : stripes) {
            synchronized (bySeed) {
                n += bySeed.size();
            }
        }
        return n;
    }
}
