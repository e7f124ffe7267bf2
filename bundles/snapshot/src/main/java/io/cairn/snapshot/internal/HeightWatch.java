package io.cairn.snapshot.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.BlockListener;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * A storage view taken exactly at a block still to come ({@code cairn:snapshot create --at H}, docs/snapshots.md): a
 * {@link BlockListener}, which the block store calls under its commit lock once a block's batch is durable and before
 * the next block can commit, so the view it opens on block H holds block H's state and nothing after it.
 */
@Component(service = {BlockListener.class, HeightWatch.class})
public final class HeightWatch implements BlockListener {
    private final Supplier<Storage> storage;
    private final List<Waiter> waiting = new CopyOnWriteArrayList<>();

    @Activate
    public HeightWatch(@Reference NodeParts node) {
        this(() -> node.parts().storage());
    }

    HeightWatch(Supplier<Storage> storage) {
        this.storage = storage;
    }

    /** One wait for the view at {@code height}: the first view offered wins; any later one is closed. */
    private static final class Waiter {
        final long height;
        private ReadView view;
        private RuntimeException failure;
        private boolean done;

        Waiter(long height) {
            this.height = height;
        }

        synchronized boolean offer(ReadView v, RuntimeException why) {
            if (done) {
                if (v != null) {
                    v.close();
                }
                return false;
            }
            done = true;
            view = v;
            failure = why;
            notifyAll();
            return true;
        }

        /** The view, once offered before {@code deadline} (nanoTime); null when the deadline passed first. */
        synchronized ReadView await(long deadline) throws InterruptedException {
            while (!done) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    done = true; // a view offered from now on is closed
                    return null;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            if (failure != null) {
                throw failure;
            }
            return view;
        }
    }

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes) {
        for (Waiter w : waiting) {
            if (w.height == block.number()) {
                ReadView v = null;
                try {
                    v = storage.get().view();
                    long head = head(v);
                    if (head != w.height) {
                        throw new IllegalStateException("the storage view taken on block " + w.height + " holds block "
                                + head);
                    }
                    w.offer(v, null);
                } catch (RuntimeException e) {
                    if (v != null) {
                        v.close();
                    }
                    w.offer(null, e);
                }
            }
        }
    }

    /**
     * A view of storage exactly at block {@code height}: now, if the head is that block; else once it commits, at most
     * {@code timeout} from now.
     *
     * @throws IllegalArgumentException if the head is past {@code height} (the node keeps only the current state), or
     *     the block does not commit in time
     */
    ReadView at(long height, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Waiter w = new Waiter(height);
        waiting.add(w);
        try {
            ReadView v = storage.get().view();
            long head;
            try {
                head = head(v);
            } catch (RuntimeException e) {
                v.close();
                throw e;
            }
            if (head == height) {
                w.offer(v, null); // or the listener's, when it offered first: the same block's state
            } else {
                v.close();
                if (head > height) {
                    w.offer(null, new IllegalArgumentException(below(height, head)));
                }
            }
            ReadView got = w.await(deadline);
            if (got == null) {
                long now;
                try (ReadView h = storage.get().view()) {
                    now = head(h);
                }
                throw new IllegalArgumentException("block " + height + " was not committed within " + text(timeout)
                        + " (the head is block " + now + "): no snapshot written; ask again with a longer --timeout");
            }
            return got;
        } finally {
            waiting.remove(w);
        }
    }

    /** How many waits are under way. */
    int waiters() {
        return waiting.size();
    }

    static String below(long height, long head) {
        return "block " + height + " is below the head (block " + head + "): the node keeps only the current state, so "
                + "a snapshot is of the head or of a block still to come (--at H with H at least " + head + ")";
    }

    static long head(ReadView v) {
        byte[] h = v.get(Keys.CHAIN_HEAD);
        if (h == null) {
            throw new IllegalStateException("the chain has no blocks yet: nothing to snapshot");
        }
        return ByteBuffer.wrap(h).getLong();
    }

    static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    @Deactivate
    void deactivate() {
        for (Waiter w : waiting) {
            w.offer(null, new IllegalStateException("the snapshot commands stopped while waiting for block "
                    + w.height));
        }
    }
}
