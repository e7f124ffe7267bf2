package io.cairn.snapshot.internal;

import io.cairn.api.storage.ReadView;
import java.util.Iterator;
import java.util.NavigableMap;

/** A storage view over a sorted map (keys in unsigned byte order), for tests. */
final class MapView {
    private MapView() {}

    /** A view of {@code map} as it is while the view is read; {@code scan} with a null end runs to the last key. */
    static ReadView over(NavigableMap<byte[], byte[]> map) {
        return new ReadView() {
            @Override
            public byte[] get(byte[] key) {
                return map.get(key);
            }

            @Override
            public Iterator<Entry> scan(byte[] from, byte[] to) {
                return (to == null ? map.tailMap(from, true) : map.subMap(from, true, to, false)).entrySet().stream()
                        .map(e -> new Entry(e.getKey(), e.getValue())).iterator();
            }

            @Override
            public void close() {}
        };
    }
}
