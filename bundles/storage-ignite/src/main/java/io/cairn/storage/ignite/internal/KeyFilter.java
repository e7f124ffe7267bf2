package io.cairn.storage.ignite.internal;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The keys {@code kv} may hold: a Bloom filter with no false negatives over every key this node writes and every key
 * {@code kv} held when the engine opened the namespace (read in the background). A key it does not hold is absent
 * without a round trip to the cluster: what a new transaction's hash lookup asks every time. Until the keys held at
 * the start are read, every key may be held.
 *
 * <p>The filter grows by segments (a scalable Bloom filter): when a segment holds its capacity, a new one twice as
 * large, with 2 more bits a key (so that the false positives of all segments stay near the first's 1%), takes the
 * new keys, and a lookup asks every segment. Deleted keys stay in it (a lookup of one asks the
 * cluster, which answers that it is absent).
 */
final class KeyFilter {
    private static final int BITS_PER_KEY = 10;
    private static final int HASHES = 7;

    private final CopyOnWriteArrayList<Segment> segments = new CopyOnWriteArrayList<>();
    private volatile boolean complete;

    KeyFilter(int initialCapacity) {
        segments.add(new Segment(Math.max(1024, initialCapacity), BITS_PER_KEY));
    }

    void add(byte[] key) {
        long h1 = hash(key);
        long h2 = mix(h1 ^ 0x9e3779b97f4a7c15L) | 1;
        Segment s = segments.get(segments.size() - 1);
        s.add(h1, h2);
        if (s.count.incrementAndGet() == s.capacity) {
            synchronized (this) {
                if (segments.get(segments.size() - 1) == s) {
                    segments.add(new Segment((int) Math.min(2L * s.capacity, 1 << 28), Math.min(s.bitsPerKey + 2, 24)));
                }
            }
        }
    }

    /** False only when {@code kv} certainly holds no entry for the key. */
    boolean mightContain(byte[] key) {
        if (!complete) {
            return true;
        }
        long h1 = hash(key);
        long h2 = mix(h1 ^ 0x9e3779b97f4a7c15L) | 1;
        for (Segment s : segments) {
            if (s.has(h1, h2)) {
                return true;
            }
        }
        return false;
    }

    /** The keys kv held at the start are all in: from now on a key the filter does not hold is absent. */
    void complete() {
        complete = true;
    }

    boolean isComplete() {
        return complete;
    }

    /** Bytes of memory the filter's bits take. */
    long bytes() {
        long n = 0;
        for (Segment s : segments) {
            n += s.bits.length() * 8L;
        }
        return n;
    }

    /** FNV-1a over the key, then a finalizer that spreads it over all 64 bits. */
    private static long hash(byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static final class Segment {
        final int capacity;
        final AtomicInteger count = new AtomicInteger();
        final AtomicLongArray bits;
        final long size;
        final int bitsPerKey;

        Segment(int capacity, int bitsPerKey) {
            this.capacity = capacity;
            this.bitsPerKey = bitsPerKey;
            this.bits = new AtomicLongArray((int) Math.max(1, (long) capacity * bitsPerKey / 64));
            this.size = bits.length() * 64L;
        }

        void add(long h1, long h2) {
            for (int i = 0; i < HASHES; i++) {
                long bit = Math.floorMod(h1 + i * h2, size);
                int word = (int) (bit >>> 6);
                long mask = 1L << (bit & 63);
                long old;
                do {
                    old = bits.get(word);
                } while ((old & mask) == 0 && !bits.compareAndSet(word, old, old | mask));
            }
        }

        boolean has(long h1, long h2) {
            for (int i = 0; i < HASHES; i++) {
                long bit = Math.floorMod(h1 + i * h2, size);
                if ((bits.get((int) (bit >>> 6)) & (1L << (bit & 63))) == 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
