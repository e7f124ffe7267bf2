package io.cairn.confidential;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Range proofs checked in batches as they arrive (docs/privacy.md, Checking many proofs): a proof checked alone
 * costs about six times its share of a batch, so proofs submitted one by one (a pool admitting transactions from
 * many connections) are gathered. A checker takes every proof waiting (up to {@code maxBatch}) and checks them as one
 * batch, then takes what arrived meanwhile, until none waits: the busier the checkers, the larger the batches. At
 * most {@code checkers} run at once on {@code executor}; while all are busy, proofs wait for the next batch. A proof
 * arriving at an idle queue waits up to {@code linger} for others before a checker starts. Each caller gets its own
 * proof's result ({@link Bulletproofs#checkEach}). A submitter that learns the result some other way (it checked the
 * proof itself, in a block) may complete or cancel the future it was given: a proof whose future is done when a
 * checker reaches it is not checked.
 */
public final class ProofQueue implements AutoCloseable {
    private final Group group;
    private final Executor executor;
    private final int maxBatch;
    private final int checkers;
    private final long lingerNanos;
    private final SecureRandom random = new SecureRandom();
    private final Object lock = new Object();
    private final Thread timer;
    private final ArrayDeque<Item> waiting = new ArrayDeque<>();
    private long oldest;
    private int running;
    private long batches;
    private long checked;
    private boolean closed;

    private record Item(ECPoint[] commitments, RangeProof proof, CompletableFuture<String> result) {}

    /**
     * @param maxBatch  how many proofs a batch holds at most (at least 1)
     * @param lingerMs  how long the first proof at an idle queue waits for others (0: none)
     */
    public ProofQueue(Group group, Executor executor, int maxBatch, long lingerMs) {
        this(group, executor, maxBatch, lingerMs, 1);
    }

    /**
     * @param checkers how many batches are checked at once at most (the executor's threads)
     */
    public ProofQueue(Group group, Executor executor, int maxBatch, long lingerMs, int checkers) {
        if (maxBatch < 1 || lingerMs < 0 || checkers < 1) {
            throw new IllegalArgumentException("maxBatch and checkers must be at least 1 and lingerMs at least 0");
        }
        this.group = group;
        this.executor = executor;
        this.maxBatch = maxBatch;
        this.checkers = checkers;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMs);
        this.timer = new Thread(this::lingerLoop, "cairn-proof-queue");
        timer.setDaemon(true);
        timer.start();
    }

    /** The result of checking {@code proof} for {@code commitments}: null when it holds, else what failed. */
    public CompletableFuture<String> submit(ECPoint[] commitments, RangeProof proof) {
        CompletableFuture<String> result = new CompletableFuture<>();
        boolean start;
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
            start = (waiting.size() >= maxBatch || lingerNanos == 0) && claimChecker();
        }
        if (start) {
            startChecker();
        }
        return result;
    }

    /** Under the lock: whether a checker may start now (one is counted as running if so). */
    private boolean claimChecker() {
        if (running >= checkers) {
            return false; // a running checker takes these when it finishes its batch
        }
        running++;
        return true;
    }

    private void startChecker() {
        try {
            executor.execute(this::check);
        } catch (RuntimeException e) {
            List<Item> lost;
            synchronized (lock) {
                running--;
                lost = new ArrayList<>(waiting);
                waiting.clear();
            }
            lost.forEach(item -> item.result().completeExceptionally(e));
        }
    }

    /** A checker: batches of what waits, until nothing does. */
    private void check() {
        while (true) {
            List<Item> batch = new ArrayList<>();
            synchronized (lock) {
                while (!waiting.isEmpty() && batch.size() < maxBatch) {
                    Item item = waiting.poll();
                    if (!item.result().isDone()) { // else settled meanwhile by its submitter: not checked again
                        batch.add(item);
                    }
                }
                if (batch.isEmpty()) {
                    running--;
                    return;
                }
                batches++;
                checked += batch.size();
            }
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
        }
    }

    /** Starts a checker once the oldest waiting proof has waited {@code linger} and none is running. */
    private void lingerLoop() {
        while (true) {
            boolean start = false;
            synchronized (lock) {
                while (!closed && (waiting.isEmpty() || running >= checkers)) {
                    try {
                        lock.wait(); // a submit to an empty queue wakes it; a busy checker takes what waits
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                long left = oldest + lingerNanos - System.nanoTime();
                if (left <= 0) {
                    start = claimChecker();
                } else {
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (start) {
                startChecker();
            }
        }
    }

    /** How many batches have been checked. */
    public long batches() {
        synchronized (lock) {
            return batches;
        }
    }

    /** How many proofs have been checked (a proof settled by its submitter before its batch is not). */
    public long checked() {
        synchronized (lock) {
            return checked;
        }
    }

    /** Checks what waits now, and refuses further proofs. */
    @Override
    public void close() {
        boolean start;
        synchronized (lock) {
            closed = true;
            start = !waiting.isEmpty() && claimChecker();
            lock.notifyAll();
        }
        if (start) {
            startChecker();
        }
        timer.interrupt();
    }
}
