package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Hash;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.confidential.Bulletproofs;
import io.cairn.confidential.Group;
import io.cairn.confidential.ProofQueue;
import io.cairn.confidential.RangeProof;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The model's proof checking (docs/privacy.md, "Verification"): transactions are checked once. On admission the
 * range proof of each is queued ({@link ProofQueue}: proofs that arrive together from several connections are checked
 * in one batch on the model's own threads) and its kernel checked on the pool's state; a transaction that passed is
 * remembered by hash, so a block holding it does not check it again. A block's other transactions (made elsewhere,
 * or forgotten) have their range proofs checked in batches split over the node's compute threads. Remembering by hash
 * is sound: the hash commits to the body, proof and kernel included, and a kernel's excess is fixed by the coins the
 * body names (a coin id names the transaction that made it, whose body fixes its commitment).
 */
final class ProofChecks implements AutoCloseable {
    /** Transactions remembered: about 4 MB; more than the pool's usual backlog at a few hundred per second. */
    static final int REMEMBERED = 65_536;
    private static final long WAIT_SECONDS = 60;
    /** The queue's largest batch: a proof in a batch of 64 costs about a seventh of one checked alone. */
    private static final int QUEUE_BATCH = 64;
    private static final long QUEUE_LINGER_MS = 2;

    private static final byte PROOF = 1;
    private static final byte KERNEL = 2;

    private final Map<Hash, Byte> checked = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Hash, Byte> eldest) {
            return size() > REMEMBERED;
        }
    };
    private final ExecutorService threads;
    private final int checkers;
    private final Map<Group, ProofQueue> queues = new LinkedHashMap<>();
    /** Checks started and not ended, by transaction: a second admission of one waits for the same check. */
    private final Map<Hash, java.util.concurrent.CompletableFuture<String>> inFlight = new java.util.HashMap<>();
    private boolean closed;

    ProofChecks() {
        this(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    private ProofChecks(int checkers) {
        this(threads(checkers), checkers);
    }

    /** Checks queued proofs on {@code threads}, {@code checkers} batches at once (tests give their own executor). */
    ProofChecks(ExecutorService threads, int checkers) {
        this.threads = threads;
        this.checkers = checkers;
    }

    private static ExecutorService threads(int checkers) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(checkers, r -> {
            Thread t = new Thread(r, "cairn-private-proofs-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(null);
            return t;
        });
    }

    /** How many proofs the queues have checked (tests). */
    long queuedProofsChecked() {
        synchronized (queues) {
            return queues.values().stream().mapToLong(ProofQueue::checked).sum();
        }
    }

    boolean proofChecked(Hash tx) {
        return has(tx, PROOF);
    }

    boolean kernelChecked(Hash tx) {
        return has(tx, KERNEL);
    }

    void rememberProof(Hash tx) {
        mark(tx, PROOF);
    }

    void rememberKernel(Hash tx) {
        mark(tx, KERNEL);
    }

    private boolean has(Hash tx, byte flag) {
        synchronized (checked) {
            Byte f = checked.get(tx);
            return f != null && (f & flag) != 0;
        }
    }

    private void mark(Hash tx, byte flag) {
        synchronized (checked) {
            checked.merge(tx, flag, (a, b) -> (byte) (a | b));
        }
    }

    /** How many transactions are remembered (tests). */
    int remembered() {
        synchronized (checked) {
            return checked.size();
        }
    }

    /**
     * Checks the range proof of an arriving transaction, in a batch with those arriving with it; remembers it.
     *
     * @throws TxRejectedException BAD_RANGE_PROOF naming what failed; NOT_READY if the model is closing
     */
    void admitProof(Hash tx, PrivateBody body, Group group) throws TxRejectedException {
        if (proofChecked(tx)) {
            return;
        }
        String wrong;
        try {
            wrong = startProof(tx, body, group).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TxRejectedException(Reason.NOT_READY, "interrupted while its range proof was checked");
        } catch (ExecutionException | TimeoutException | IllegalStateException e) {
            throw new TxRejectedException(Reason.NOT_READY, "its range proof could not be checked now ("
                    + (e.getCause() != null ? e.getCause() : e) + "): submit again");
        }
        if (wrong != null) {
            throw badProof(wrong);
        }
        rememberProof(tx);
    }

    /**
     * The check of {@code tx}'s range proof: the one started before (prepare, or another admission of it) or a new one
     * in the queue. A proof that holds is remembered when its check ends.
     */
    java.util.concurrent.CompletableFuture<String> startProof(Hash tx, PrivateBody body, Group group) {
        if (proofChecked(tx)) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        java.util.concurrent.CompletableFuture<String> started;
        synchronized (inFlight) {
            started = inFlight.get(tx);
            if (started != null) {
                return started;
            }
            started = queue(group).submit(body.commitments(), body.proof);
            inFlight.put(tx, started);
        }
        started.whenComplete((wrong, failed) -> {
            if (wrong == null && failed == null) {
                rememberProof(tx);
            }
            synchronized (inFlight) {
                inFlight.remove(tx);
            }
        });
        return started;
    }

    static TxRejectedException badProof(String wrong) {
        return new TxRejectedException(Reason.BAD_RANGE_PROOF, wrong
                + ": an output's amount is not shown to be in [0, 2^64)");
    }

    private ProofQueue queue(Group group) {
        synchronized (queues) {
            if (closed) {
                throw new IllegalStateException("the private ledger model is stopping");
            }
            return queues.computeIfAbsent(group, g -> new ProofQueue(g, threads, QUEUE_BATCH, QUEUE_LINGER_MS, checkers));
        }
    }

    /**
     * Gives the result of {@code tx}'s range proof, checked in a block, to a check of it still queued (a transaction
     * gossiped here and proposed before the queue reached it): its admission gets the answer and the queue skips it.
     */
    void settle(Hash tx, String wrong) {
        java.util.concurrent.CompletableFuture<String> queued;
        synchronized (inFlight) {
            queued = inFlight.get(tx);
        }
        if (queued != null) {
            queued.complete(wrong);
        }
    }

    /**
     * Checks the range proofs of {@code bodies} in batches over {@code t}'s threads (the block's not remembered).
     *
     * @return for each body, null when its proof holds, else what failed
     */
    String[] blockProofs(List<PrivateBody> bodies, Group group, NodeThreads t) {
        String[] result = new String[bodies.size()];
        if (bodies.isEmpty()) {
            return result;
        }
        int parts = Math.min(Math.max(1, t.parallelism()), bodies.size());
        t.parallel(parts, p -> {
            int from = bodies.size() * p / parts;
            int to = bodies.size() * (p + 1) / parts;
            List<ECPoint[]> commitments = new ArrayList<>(to - from);
            List<RangeProof> proofs = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                commitments.add(bodies.get(i).commitments());
                proofs.add(bodies.get(i).proof);
            }
            String[] part = Bulletproofs.checkEach(group, commitments, proofs, new SecureRandom());
            System.arraycopy(part, 0, result, from, part.length);
        });
        return result;
    }

    @Override
    public void close() {
        synchronized (queues) {
            closed = true;
            queues.values().forEach(ProofQueue::close);
            queues.clear();
        }
        threads.shutdown();
    }
}
