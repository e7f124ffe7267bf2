package io.cairn.api.testing;

import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SortedMap;
import java.util.TreeMap;

/** Committed state as storage holds it, for ledger model tests: point reads, ordered scans, batches committed. */
public class MemoryState implements StateView {
    public final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    /** As the head's state scans: {@code from <= key < to} ({@code to} null: no bound), ascending unsigned. */
    @Override
    public Iterator<ReadView.Entry> scan(byte[] from, byte[] to) {
        SortedMap<byte[], byte[]> range = to == null ? map.tailMap(from) : map.subMap(from, to);
        return new ArrayList<>(range.entrySet()).stream().map(e -> new ReadView.Entry(e.getKey(), e.getValue()))
                .iterator();
    }

    /** This state with point reads only, as {@code apply} and admission are given it: a scan throws. */
    public StateView pointReads() {
        return this::get;
    }

    public void commit(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isDelete()) {
                map.remove(op.key());
            } else {
                map.put(op.key(), op.value());
            }
        }
    }

    public StateTransition commit(StateTransition t) {
        commit(t.writes());
        return t;
    }

    /** Every entry, as a scan of the whole store gives them. */
    public Iterator<ReadView.Entry> entries() {
        return scan(new byte[0], null);
    }

    public boolean sameAs(MemoryState o) {
        if (map.size() != o.map.size()) {
            return false;
        }
        var a = new ArrayList<>(map.entrySet());
        var b = new ArrayList<>(o.map.entrySet());
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i).getKey(), b.get(i).getKey())
                    || !Arrays.equals(a.get(i).getValue(), b.get(i).getValue())) {
                return false;
            }
        }
        return true;
    }
}
