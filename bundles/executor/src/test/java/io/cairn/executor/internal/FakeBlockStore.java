package io.cairn.executor.internal;

import io.cairn.api.testing.Sha256Suite;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** Headers in a list and state in a sorted map; snapshots are copies. */
class FakeBlockStore implements BlockStore {
    private final Sha256Suite suite = new Sha256Suite();
    private final List<BlockHeader> headers = new ArrayList<>();
    private final TreeMap<byte[], byte[]> state = new TreeMap<>(Arrays::compareUnsigned);
    int commits;
    /** Snapshots taken and not closed yet. */
    int openSnapshots;

    @Override
    public synchronized Block commit(ExecutedBlock block, List<byte[]> seals) {
        long expected = headers.size();
        Hash parent = headers.isEmpty() ? Hash.ZERO : hash(expected - 1).orElseThrow();
        if (block.header().number() != expected || !block.header().parentHash().equals(parent)) {
            throw new IllegalStateException("block " + block.header().number() + " does not extend the head");
        }
        for (WriteBatch.Op op : block.stateWrites().ops()) {
            if (op.isDelete()) {
                state.remove(op.key());
            } else {
                state.put(op.key(), op.value());
            }
        }
        headers.add(block.header());
        commits++;
        return block.seal(seals);
    }

    /** Writes {@code key -> value} into the state outside any block: damage, as a broken disk would do it. */
    synchronized void damage(byte[] key, byte[] value) {
        state.put(key, value);
    }

    @Override
    public synchronized long height() {
        return headers.size() - 1;
    }

    @Override
    public synchronized Optional<BlockHeader> header(long number) {
        return number < 0 || number >= headers.size() ? Optional.empty() : Optional.of(headers.get((int) number));
    }

    @Override
    public Optional<Hash> hash(long number) {
        return header(number).map(h -> suite.digest(h.encode()));
    }

    @Override
    public Optional<Genesis> genesis() {
        return header(0).map(h -> Genesis.decode(h.extra()));
    }

    @Override
    public synchronized StateSnapshot state() {
        if (headers.isEmpty()) {
            throw new IllegalStateException("no block yet");
        }
        TreeMap<byte[], byte[]> copy = new TreeMap<>(state);
        BlockHeader head = headers.get(headers.size() - 1);
        openSnapshots++;
        return new StateSnapshot() {
            @Override
            public byte[] get(byte[] key) {
                return copy.get(key);
            }

            @Override
            public BlockHeader header() {
                return head;
            }

            @Override
            public void close() {
                synchronized (FakeBlockStore.this) {
                    openSnapshots--;
                }
            }
        };
    }

    @Override
    public Optional<Block> block(long number) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Block> block(Hash hash) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Long> number(Hash blockHash) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Located> transaction(Hash txHash) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Receipt> receipt(Hash txHash) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long totalTransactionCount() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Health health() {
        return Health.ready("height " + height());
    }
}
