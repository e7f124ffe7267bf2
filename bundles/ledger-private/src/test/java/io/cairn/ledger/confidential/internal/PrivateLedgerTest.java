package io.cairn.ledger.confidential.internal;

import static io.cairn.ledger.confidential.internal.Wallets.AUDITOR;
import static io.cairn.ledger.confidential.internal.Wallets.GROUP;
import static io.cairn.ledger.confidential.internal.Wallets.SUITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.testing.MemoryPending;
import io.cairn.api.testing.MemoryState;
import io.cairn.confidential.Bulletproofs;
import io.cairn.confidential.Opening;
import io.cairn.confidential.SealedOpening;
import io.cairn.ledger.confidential.internal.Wallets.Draft;
import io.cairn.ledger.confidential.internal.Wallets.Held;
import io.cairn.ledger.confidential.internal.Wallets.Made;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The private model on its own: an honest transfer runs and only its parties (and the auditor) can read its amounts;
 * each soundness case is refused by the pool (claims and admission, on a node that never saw it) and by a replica
 * (a block holding it, on another node that never saw it), with its documented reason.
 */
class PrivateLedgerTest {
    static final BigInteger N = GROUP.order();
    static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    final PrivateLedger pool = new PrivateLedger(SUITE, null);
    final PrivateLedger replica = new PrivateLedger(SUITE, null);

    @AfterEach
    void close() {
        pool.deactivate();
        replica.deactivate();
    }

    /** A chain where owners 1 and 2 hold 100 and 50, with or without the auditor. */
    record Chain(Genesis genesis, MemoryState state) {
        Held coin(int owner) {
            return Wallets.genesisCoin(genesis, owner);
        }
    }

    Chain chain(boolean audited) {
        Genesis g = Wallets.genesis(Map.of(1, 100L, 2, 50L), audited);
        MemoryState s = new MemoryState();
        s.commit(pool.genesis(g));
        assertArrayEquals(s.map.get(LedgerState.LTHASH_KEY), state(replica.genesis(g)).map.get(LedgerState.LTHASH_KEY));
        return new Chain(g, s);
    }

    static MemoryState state(StateTransition t) {
        MemoryState s = new MemoryState();
        s.commit(t);
        return s;
    }

    void admit(PrivateLedger model, Chain c, VerifiedTransaction tx) throws TxRejectedException {
        model.claims(tx);
        model.admit(tx, c.state().pointReads(), new MemoryPending());
    }

    /** The refusal of the pool; the replica's refusal of a block holding it, naming the same rule. */
    void refusedEverywhere(Chain c, VerifiedTransaction tx, Reason reason, String words) {
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> admit(pool, c, tx));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
        InvalidBlockException b = assertThrows(InvalidBlockException.class,
                () -> replica.apply(1, List.of(tx), c.state().pointReads()));
        assertTrue(b.getMessage().contains(words), b.getMessage());
        assertTrue(b.getMessage().startsWith("transaction 0 (" + tx.hash() + ")"), b.getMessage());
    }

    @Test
    void anHonestTransferRunsAndOnlyItsPartiesReadItsAmounts() throws Exception {
        Chain c = chain(true);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, true, new long[] {2, 30}, new long[] {1, 70});
        admit(pool, c, m.tx());
        StateTransition t = replica.apply(1, List.of(m.tx()), c.state().pointReads());
        assertEquals(Receipt.Status.SUCCESS, t.receipts().get(0).status());
        assertEquals(t.stateRoot(), pool.apply(1, List.of(m.tx()), c.state().pointReads()).stateRoot());
        c.state().commit(t);

        // the recipient finds its coin by its address and opens it; nobody else can
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> coins = (List<Map<String, Object>>) replica.queries().get(0)
                .answer(List.of(Wallets.addr(2).toHex()), c.state(), new MemoryPending());
        assertEquals(2, coins.size(), "the genesis coin and the new one");
        Map<String, Object> received = coins.stream().filter(x -> x.get("txHash").equals(m.tx().hash().toHex()))
                .findFirst().orElseThrow();
        byte[] sealed = Bytes.fromHex((String) received.get("sealedToOwner"));
        Opening opened = SealedOpening.open(GROUP, Wallets.scalar(2), sealed);
        assertNotNull(opened);
        assertEquals(30, opened.amount());
        assertTrue(opened.opens(GROUP, GROUP.decode(Bytes.fromHex((String) received.get("commitment")), "c")));
        assertNull(SealedOpening.open(GROUP, Wallets.scalar(3), sealed), "a third user reads nothing");
        // the auditor reads every output from the transaction itself
        Map<String, Object> fields = replica.describe(m.tx());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outs = (List<Map<String, Object>>) fields.get("outputs");
        assertEquals(70, SealedOpening.open(GROUP, Wallets.scalar(AUDITOR),
                Bytes.fromHex((String) outs.get(1).get("sealedToAuditor"))).amount());
        // no amount in what users see of the transaction and the coins
        assertNoLeaf(fields, "30", "70");
        assertNoLeaf(coins, "30", "70");
        UnsupportedOperationException hidden = assertThrows(UnsupportedOperationException.class,
                () -> replica.balance(c.state(), Wallets.addr(2)));
        assertTrue(hidden.getMessage().contains("hides amounts"), hidden.getMessage());
    }

    /** No value anywhere in {@code json} (maps, lists, leaves) reads as one of {@code amounts}. */
    static void assertNoLeaf(Object json, String... amounts) {
        if (json instanceof Map<?, ?> m) {
            m.values().forEach(v -> assertNoLeaf(v, amounts));
        } else if (json instanceof List<?> l) {
            l.forEach(v -> assertNoLeaf(v, amounts));
        } else if (json != null) {
            for (String a : amounts) {
                assertFalse(json.toString().equals(a), "an amount shown: " + json);
            }
        }
    }

    @Test
    void transfersOfThreeAndSixteenOutputsRun() throws Exception {
        Chain c = chain(true);
        Made three = Wallets.transfer(List.of(c.coin(1)), 1, true, new long[] {2, 10}, new long[] {3, 20},
                new long[] {1, 69});
        long[][] sixteen = new long[16][];
        for (int k = 0; k < 16; k++) {
            sixteen[k] = new long[] {2 + k % 3, k == 0 ? 35 : 1};
        }
        Made many = Wallets.transfer(List.of(c.coin(2)), 0, true, sixteen);
        admit(pool, c, three.tx());
        admit(pool, c, many.tx());
        StateTransition t = replica.apply(1, List.of(three.tx(), many.tx()), c.state().pointReads());
        assertEquals(2, t.receipts().size());
    }

    @Test
    void aTransactionCheckedOnAdmissionIsNotCheckedAgainInItsBlock() throws Exception {
        Chain c = chain(false);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30}, new long[] {1, 70});
        admit(pool, c, m.tx());
        assertTrue(pool.checks().proofChecked(m.tx().hash()));
        assertTrue(pool.checks().kernelChecked(m.tx().hash()));
        assertFalse(replica.checks().proofChecked(m.tx().hash()));
        replica.apply(1, List.of(m.tx()), c.state().pointReads());
        assertTrue(replica.checks().proofChecked(m.tx().hash()), "a block's transactions are remembered once checked");
    }

    @Test
    void aBlockGivesItsProofResultsToChecksStillQueuedWhichTheQueueThenSkips() throws Exception {
        // a transaction gossiped to a follower, its proof queued behind others, is proposed before the queue reaches
        // it: the block checks it, and the queued check is answered, not made again
        List<Runnable> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ExecutorService heldThreads = new java.util.concurrent.AbstractExecutorService() {
            @Override
            public void execute(Runnable command) {
                held.add(command);
            }

            @Override
            public void shutdown() {}

            @Override
            public List<Runnable> shutdownNow() {
                return List.of();
            }

            @Override
            public boolean isShutdown() {
                return false;
            }

            @Override
            public boolean isTerminated() {
                return false;
            }

            @Override
            public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) {
                return true;
            }
        };
        ProofChecks checks = new ProofChecks(heldThreads, 1);
        PrivateLedger follower = new PrivateLedger(SUITE, null, checks);
        Chain c = chain(false);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30}, new long[] {1, 70});
        follower.prepare(List.of(m.tx()));
        io.cairn.api.testing.Await.until("the proof's check queued", java.time.Duration.ofSeconds(10),
                () -> !held.isEmpty());
        assertFalse(checks.proofChecked(m.tx().hash()));
        follower.apply(1, List.of(m.tx()), c.state().pointReads());
        assertTrue(checks.proofChecked(m.tx().hash()));
        held.forEach(Runnable::run);
        assertEquals(0, checks.queuedProofsChecked(), "the queue skipped the proof the block had checked");
        checks.close();
    }

    @Test
    void aPreparedBodyIsDecodedOnceThoughThePoolAdmitsAnotherInstanceOfItsBytes() throws Exception {
        Chain c = chain(false);
        VerifiedTransaction prepared = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30},
                new long[] {1, 70}).tx();
        VerifiedTransaction admitted = new VerifiedTransaction(prepared.envelope(), prepared.hash(), prepared.signers());
        pool.prepare(List.of(prepared));
        admit(pool, c, admitted);
        assertSame(PrivateBody.of(prepared, GROUP).body(), PrivateBody.of(admitted, GROUP).body(),
                "the admission took the body prepare decoded");
    }

    @Test
    void preparedTransactionsAreCheckedTogetherAheadOfTheirAdmission() throws Exception {
        Chain c = chain(false);
        List<VerifiedTransaction> txs = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            txs.add(Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30 + i}, new long[] {1, 70 - i}).tx());
        }
        Made forged = new Draft(List.of(c.coin(1)), 0, false).output(2, TWO_64).output(1, N.subtract(TWO_64)
                .add(BigInteger.valueOf(100))).make();
        txs.add(forged.tx());
        assertTrue(pool.prepares());
        pool.prepare(txs);
        io.cairn.api.testing.Await.until("the prepared proofs checked", java.time.Duration.ofSeconds(60),
                () -> txs.subList(0, 6).stream().allMatch(tx -> pool.checks().proofChecked(tx.hash())));
        assertFalse(pool.checks().proofChecked(forged.tx().hash()), "a proof that fails is not remembered");
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> pool.claims(forged.tx()));
        assertEquals(Reason.BAD_RANGE_PROOF, e.reason());
    }

    @Test
    void aValueOf2To64IsRefused() {
        Chain c = chain(false);
        // 2^64 and n - 2^64 + 100 add up to the input's 100: the kernel holds, only the range proof can refuse it
        Made m = new Draft(List.of(c.coin(1)), 0, false).output(2, TWO_64).output(1, N.subtract(TWO_64)
                .add(BigInteger.valueOf(100))).make();
        refusedEverywhere(c, m.tx(), Reason.BAD_RANGE_PROOF, "the range proof does not hold");
    }

    @Test
    void aNegativeAmountIsRefused() {
        Chain c = chain(false);
        // -1 (a commitment to n - 1) and 101: the sums balance, the kernel holds
        Made m = new Draft(List.of(c.coin(1)), 0, false).output(2, N.subtract(BigInteger.ONE))
                .output(1, BigInteger.valueOf(101)).make();
        refusedEverywhere(c, m.tx(), Reason.BAD_RANGE_PROOF, "the range proof does not hold");
    }

    @Test
    void aTamperedProofIsRefused() {
        Chain c = chain(false);
        Draft d = new Draft(List.of(c.coin(1)), 0, false).output(2, BigInteger.valueOf(30))
                .output(1, BigInteger.valueOf(70));
        byte[] proof = Bulletproofs.proveAnyValues(GROUP, d.values.toArray(BigInteger[]::new),
                d.blindings.toArray(BigInteger[]::new), Wallets.RANDOM).encode(GROUP);
        proof[4 * 33 + 31] ^= 1; // τx, and the kernel signs the tampered body
        refusedEverywhere(c, d.make(proof).tx(), Reason.BAD_RANGE_PROOF, "the range proof does not hold");
    }

    @Test
    void aProofForOtherCommitmentsIsRefused() {
        Chain c = chain(false);
        Draft other = new Draft(List.of(c.coin(1)), 0, false).output(2, BigInteger.valueOf(30))
                .output(1, BigInteger.valueOf(70));
        byte[] proofOfOther = Bulletproofs.proveAnyValues(GROUP, other.values.toArray(BigInteger[]::new),
                other.blindings.toArray(BigInteger[]::new), Wallets.RANDOM).encode(GROUP);
        Made m = new Draft(List.of(c.coin(1)), 0, false).output(2, BigInteger.valueOf(30))
                .output(1, BigInteger.valueOf(70)).make(proofOfOther);
        refusedEverywhere(c, m.tx(), Reason.BAD_RANGE_PROOF, "the range proof does not hold");
    }

    @Test
    void outputsOneUnitAboveTheInputsAreRefused() {
        Chain c = chain(false);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30}, new long[] {1, 71});
        refusedEverywhere(c, m.tx(), Reason.BAD_KERNEL, "the kernel signature does not hold");
        Made fee = Wallets.transfer(List.of(c.coin(1)), 1, false, new long[] {2, 30}, new long[] {1, 70});
        refusedEverywhere(c, fee.tx(), Reason.BAD_KERNEL, "the kernel signature does not hold");
    }

    @Test
    void aReplayedKernelIsRefused() throws Exception {
        Chain c = chain(false);
        Made a = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30}, new long[] {1, 70});
        Made b = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30}, new long[] {1, 70});
        byte[] body = b.body().clone();
        System.arraycopy(a.body(), a.body().length - 65, body, body.length - 65, 65);
        VerifiedTransaction replayed = Wallets.signed(body, List.of(c.coin(1)));
        refusedEverywhere(c, replayed, Reason.BAD_KERNEL, "the kernel signature does not hold");
        // and the whole transaction again, once it ran, spends a coin that is gone
        c.state().commit(replica.apply(1, List.of(a.tx()), c.state().pointReads()));
        refusedEverywhere(c, a.tx(), Reason.UNKNOWN_INPUT, "does not exist or is already spent");
    }

    @Test
    void aReusedCoinIsRefused() throws Exception {
        Chain c = chain(false);
        Made a = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 30}, new long[] {1, 70});
        Made b = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {3, 100});
        InvalidBlockException twice = assertThrows(InvalidBlockException.class,
                () -> replica.apply(1, List.of(a.tx(), b.tx()), c.state().pointReads()));
        assertTrue(twice.getMessage().contains("is already spent by transaction 0 of this block"), twice.getMessage());
        TxRejectedException pending = replica.conflict(b.tx(), new CoinId(c.coin(1).id().txHash(), 0).poolKey(),
                a.tx().hash());
        assertEquals(Reason.DOUBLE_SPEND, pending.reason());
        c.state().commit(replica.apply(1, List.of(a.tx()), c.state().pointReads()));
        refusedEverywhere(c, b.tx(), Reason.UNKNOWN_INPUT, "does not exist or is already spent");
    }

    @Test
    void aSpendNeedsItsOwnersSignature() {
        Chain c = chain(false);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 100});
        VerifiedTransaction byOther = Wallets.signed(m.body(), List.of(new Held(c.coin(1).id(), null, 2)));
        refusedEverywhere(c, byOther, Reason.MISSING_SIGNER, "which has not signed");
    }

    @Test
    void anAuditedChainRefusesOutputsNotSealedToTheAuditor() {
        Chain c = chain(true);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 100});
        refusedEverywhere(c, m.tx(), Reason.MALFORMED, "no opening sealed to the chain's auditor");
        Chain plain = chain(false);
        Made audited = Wallets.transfer(List.of(plain.coin(1)), 0, true, new long[] {2, 100});
        refusedEverywhere(plain, audited.tx(), Reason.MALFORMED, "this chain has none");
    }

    @Test
    void aBodyThatDoesNotDecodeIsNamed() {
        Chain c = chain(false);
        Made m = Wallets.transfer(List.of(c.coin(1)), 0, false, new long[] {2, 100});
        byte[] cut = Arrays.copyOf(m.body(), m.body().length - 1);
        VerifiedTransaction tx = Wallets.signed(cut, List.of(c.coin(1)));
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> pool.claims(tx));
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("kernel"), e.getMessage());
    }

    @Test
    void genesisAmountsAreBelow2To64() {
        Genesis g = new Genesis(Wallets.CHAIN, "secp256k1", "private", 0, List.of(),
                new java.util.TreeMap<>(Map.of(Wallets.addr(1), TWO_64)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.genesis(g));
        assertTrue(e.getMessage().contains("below 2^64"), e.getMessage());
    }
}
