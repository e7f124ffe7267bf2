package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Proofs submitted one by one from many threads are checked in batches, and each caller gets its own result. */
class ProofQueueTest {
    private static final Group GROUP = Group.secp256k1();
    private final SecureRandom random = new SecureRandom();

    private record Case(ECPoint[] commitments, RangeProof proof, boolean good) {}

    private Case make(int i, boolean good) {
        BigInteger[] v = {BigInteger.valueOf(i), good ? BigInteger.valueOf(7) : BigInteger.ONE.shiftLeft(64)};
        BigInteger[] r = {GROUP.randomScalar(random), GROUP.randomScalar(random)};
        RangeProof p = good ? Bulletproofs.prove(GROUP, v, r, random) : Bulletproofs.proveAnyValues(GROUP, v, r, random);
        return new Case(new ECPoint[] {Pedersen.commit(GROUP, v[0], r[0]), Pedersen.commit(GROUP, v[1], r[1])}, p,
                good);
    }

    @Test
    void manySubmittersGetTheirOwnProofsResultFromFewBatches() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            cases.add(make(i, i % 13 != 5)); // 5, 18 and 31 are forged
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger batches = new AtomicInteger();
        ExecutorService submitters = Executors.newFixedThreadPool(4);
        try (ProofQueue queue = new ProofQueue(GROUP, task -> {
            batches.incrementAndGet();
            pool.execute(task);
        }, 16, 20)) {
            List<CompletableFuture<CompletableFuture<String>>> submitted = new ArrayList<>();
            for (Case c : cases) {
                submitted.add(CompletableFuture.supplyAsync(() -> queue.submit(c.commitments(), c.proof()), submitters));
            }
            for (int i = 0; i < cases.size(); i++) {
                String result = submitted.get(i).get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
                if (cases.get(i).good()) {
                    assertNull(result, "proof " + i);
                } else {
                    assertEquals("the range proof does not hold for these commitments", result, "proof " + i);
                }
            }
            assertTrue(batches.get() < 40 / 2, "checked in batches, not one by one: " + batches.get());
        } finally {
            submitters.shutdownNow();
            pool.shutdownNow();
        }
    }

    @Test
    void submittersWaitingForTheirResultsAreBatchedWhileTheCheckerIsBusy() throws Exception {
        // 16 submitters each send 3 proofs one after another, waiting for each result (as a pool's connections do):
        // a checker that is busy when they arrive takes them together, so there are far fewer batches than proofs
        Case c = make(1, true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        ExecutorService submitters = Executors.newFixedThreadPool(16);
        try (ProofQueue queue = new ProofQueue(GROUP, pool, 64, 1, 1)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                done.add(submitters.submit(() -> {
                    for (int k = 0; k < 3; k++) {
                        assertNull(queue.submit(c.commitments(), c.proof()).get(60, TimeUnit.SECONDS));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            assertTrue(queue.batches() <= 16, "48 proofs in " + queue.batches() + " batches");
        } finally {
            submitters.shutdownNow();
            pool.shutdownNow();
        }
    }

    @Test
    void aProofItsSubmitterSettledBeforeItsBatchIsNotChecked() throws Exception {
        Case a = make(1, true);
        Case b = make(2, false);
        Case c = make(3, true);
        List<Runnable> held = new ArrayList<>();
        try (ProofQueue queue = new ProofQueue(GROUP, held::add, 16, 0, 1)) {
            CompletableFuture<String> first = queue.submit(a.commitments(), a.proof()); // a checker is claimed, held
            CompletableFuture<String> second = queue.submit(b.commitments(), b.proof());
            CompletableFuture<String> third = queue.submit(c.commitments(), c.proof());
            assertEquals(1, held.size());
            // the second's submitter learnt its result elsewhere (a block checked it): the queue leaves it
            second.complete("checked in a block");
            held.get(0).run();
            assertNull(first.get(5, TimeUnit.SECONDS));
            assertNull(third.get(5, TimeUnit.SECONDS));
            assertEquals("checked in a block", second.get());
            assertEquals(2, queue.checked());
            assertEquals(1, queue.batches());
        }
    }

    @Test
    void aProofAloneIsCheckedOnceItHasWaitedItsLingerAndAClosedQueueRefuses() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            ProofQueue queue = new ProofQueue(GROUP, pool, 64, 5);
            Case c = make(1, true);
            assertNull(queue.submit(c.commitments(), c.proof()).get(30, TimeUnit.SECONDS));
            queue.close();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> queue.submit(c.commitments(), c.proof()).get(30, TimeUnit.SECONDS));
            assertEquals("the proof queue is closed", e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checkEachNamesEveryFailingProofAmongMany() {
        List<ECPoint[]> commitments = new ArrayList<>();
        List<RangeProof> proofs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Case c = make(i, i != 3 && i != 4 && i != 17);
            commitments.add(c.commitments());
            proofs.add(c.proof());
        }
        commitments.set(9, new ECPoint[] {commitments.get(9)[0]});
        String[] results = Bulletproofs.checkEach(GROUP, commitments, proofs, random);
        for (int i = 0; i < 20; i++) {
            String expected = i == 9 ? "the proof has 7 rounds; 1 commitments need 6"
                    : i == 3 || i == 4 || i == 17 ? "the range proof does not hold for these commitments" : null;
            assertEquals(expected, results[i], "proof " + i);
        }
    }
}
