package io.cairn.ledger.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.storage.ReadView;
import java.util.concurrent.atomic.AtomicBoolean;

/** The head's state as {@link LedgerBlockStore#state()} hands it out: one storage view and the header it is of. */
final class HeadState implements StateSnapshot {
    private final ReadView view;
    private final BlockHeader header;
    private final AtomicBoolean closed = new AtomicBoolean();

    HeadState(ReadView view, BlockHeader header) {
        this.view = view;
        this.header = header;
    }

    @Override
    public byte[] get(byte[] key) {
        if (closed.get()) {
            throw new IllegalStateException("state of block " + header.number() + " is closed");
        }
        return view.get(key);
    }

    @Override
    public java.util.Iterator<ReadView.Entry> scan(byte[] from, byte[] to) {
        if (closed.get()) {
            throw new IllegalStateException("state of block " + header.number() + " is closed");
        }
        return view.scan(from, to);
    }

    @Override
    public BlockHeader header() {
        return header;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            view.close();
        }
    }
}
