package io.cairn.confidential;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Range proofs checked in batches as they arrive (docs/privacy.md, Checking many proofs): a proof checked alone
 * costs about six times its share of a batch, so proofs submitted one by one (a pool admitting transactions from
 * many connections) wait up to {@code linger} for others, and are checked together once {@code maxBatch} are
 * waiting or the oldest has waited that long. Each caller gets its own proof's result ({@link
 * Bulletproofs#checkEach}). Batches run on {@code executor}, so several run at once on several cores.
 */
public final class ProofQueue implements AutoCloseable {
    private final Group group;
    private final Executor executor;
    private final int maxBatch;
    private final long lingerNanos;
    private final SecureRandom random = new SecureRandom();
    private final Object lock = new Object();
    private final Thread timer;
    private List<Item> waiting = new ArrayList<>();
    private long oldest;
    private boolean closed;

    private record Item(ECPoint[] commitments, RangeProof proof, CompletableFuture<String> result) {}

    /**
     * @param maxBatch  how many proofs make a batch (at least 1)
     * @param lingerMs  how long the first proof of a batch waits for others (0: none)
     */
    public ProofQueue(Group group, Executor executor, int maxBatch, long lingerMs) {
        if (maxBatch < 1 || lingerMs < 0) {
            throw new IllegalArgumentException("maxBatch must be at least 1 and lingerMs at least 0");
        }
        this.group = group;
        this.executor = executor;
        this.maxBatch = maxBatch;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMs);
        this.timer = new Thread(this::lingerLoop, "cairn-proof-queue");
        timer.setDaemon(true);
        timer.start();
    }

    /** The result of checking {@code proof} for {@code commitments}: null when it holds, else what failed. */
    public CompletableFuture<String> submit(ECPoint[] commitments, RangeProof proof) {
        CompletableFuture<String> result = new CompletableFuture<>();
        List<Item> full = null;
        synchronized (lock) {
            if (closed) {
                result.completeExceptionally(new IllegalStateException("the proof queue is closed"));
                return result;
            }
            if (waiting.isEmpty()) {
                oldest = System.nanoTime();
                lock.notifyAll();
            }
            waiting.add(new Item(commitments, proof, result));
            if (waiting.size() >= maxBatch) {
                full = take();
            }
        }
        if (full != null) {
            dispatch(full);
        }
        return result;
    }

    private List<Item> take() {
        List<Item> batch = waiting;
        waiting = new ArrayList<>();
        return batch;
    }

    private void dispatch(List<Item> batch) {
        executor.execute(() -> {
            try {
                List<ECPoint[]> commitments = batch.stream().map(Item::commitments).toList();
                List<RangeProof> proofs = batch.stream().map(Item::proof).toList();
                String[] results = Bulletproofs.checkEach(group, commitments, proofs, random);
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result().complete(results[i]);
                }
            } catch (RuntimeException e) {
                batch.forEach(item -> item.result().completeExceptionally(e));
            }
        });
    }

    /** Sends the waiting proofs off once the oldest has waited {@code linger}. */
    private void lingerLoop() {
        while (true) {
            List<Item> due = null;
            synchronized (lock) {
                while (!closed && waiting.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                long left = oldest + lingerNanos - System.nanoTime();
                if (left <= 0) {
                    due = take();
                } else {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (due != null) {
                dispatch(due);
            }
        }
    }

    /** Checks what waits now, and refuses further proofs. */
    @Override
    public void close() {
        List<Item> rest;
        synchronized (lock) {
            closed = true;
            rest = take();
            lock.notifyAll();
        }
        if (!rest.isEmpty()) {
            dispatch(rest);
        }
        timer.interrupt();
    }
}
