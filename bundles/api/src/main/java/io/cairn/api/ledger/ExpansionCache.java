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
 */
public final class ExpansionCache {
    private final Map<ByteBuffer, char[]> bySeed;

    public ExpansionCache(int maxEntries) {
        bySeed = new LinkedHashMap<>(Math.min(maxEntries, 1024) * 2, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, char[]> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The expansion of {@code seed32}, computed with {@code acc}'s buffers when not cached. */
    public char[] expansion(LtHash16 acc, byte[] seed32, boolean keep) {
        ByteBuffer key = ByteBuffer.wrap(seed32.clone());
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
        synchronized (bySeed) {
            return bySeed.size();
        }
    }
}
