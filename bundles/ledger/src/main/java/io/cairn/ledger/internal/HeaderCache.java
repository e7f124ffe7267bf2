package io.cairn.ledger.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import java.util.LinkedHashMap;
import java.util.Map;

/** Recent headers with their hashes: RPC asks for the latest blocks far more often than for old ones. */
final class HeaderCache {
    record Entry(BlockHeader header, Hash hash) {}

    private final LinkedHashMap<Long, Entry> entries;

    HeaderCache(int capacity) {
        int max = Math.max(1, capacity);
        entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                return size() > max;
            }
        };
    }

    synchronized Entry get(long number) {
        return entries.get(number);
    }

    synchronized void put(long number, Entry entry) {
        entries.put(number, entry);
    }

    synchronized void clear() {
        entries.clear();
    }
}
