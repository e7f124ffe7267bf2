package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.Fakes.CHAIN;
import static io.cairn.txpool.internal.TestPools.hashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.LegacyTransfers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pending structure: nonce rules against state and the sender's run, ordering, removal on commit. */
class PendingTransactionsTest {
    private final Fakes.Suite suite = new Fakes.Suite();
    private final Fakes.Chain chain = new Fakes.Chain(1_000_000).withGenesis();
    private final Fakes.Model model = new Fakes.Model();
    private final TransactionVerifier verifier = new TransactionVerifier(chain.spec().orElseThrow(), suite);
    private PendingTransactions pending = pool(1000);
    private final BlockListener listener = (block, hash, txs) -> pending.committed(block, txs, verifier, chain, model);

    private static PendingTransactions pool(int maxNonceGap) {
        return new PendingTransactions((n, limit) -> {
            if (n >= limit) {
                throw new TxRejectedException(Reason.POOL_FULL, "full");
            }
        }, maxNonceGap);
    }

    private VerifiedTransaction submit(byte[] encoded) throws TxRejectedException {
        VerifiedTransaction v = verifier.verify(encoded);
        pending.admit(v, chain, model, 200_000);
        return v;
    }

    private TxRejectedException rejected(byte[] tx, Reason reason) {
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> submit(tx));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    /** What the account model's getNonce answers: the nonce in state advanced past the pending run. */
    private long nextNonce(Address a) {
        try (var state = chain.state()) {
            return Fakes.Model.next(a, model.nonce(state, a), pending);
        }
    }

    private Fakes.Account account(int n) {
        return Fakes.Account.of(suite, n);
    }

    // ---- nonces

    @Test
    void nonceReplayedTakenAndTooHigh() throws Exception {
        pending = pool(3);
        Fakes.Account a = account(1);
        chain.setAccount(a.address(), 5, 1000);
        assertEquals("nonce 4 of " + a.address() + " is already used: the account's nonce is 5",
                rejected(a.tx(suite, 4), Reason.NONCE_REPLAYED).getMessage());
        VerifiedTransaction five = submit(a.tx(suite, 5));
        byte[] otherFive = a.tx(suite, CHAIN, 5, 2);
        assertEquals("nonce 5 of " + a.address() + " is already taken by pending transaction " + five.hash(),
                rejected(otherFive, Reason.NONCE_REPLAYED).getMessage());
        // next is 6; a gap of up to 3 is held (6..9), 10 is too far
        assertEquals("nonce 10 of " + a.address() + " is too far ahead: its next nonce is 6 and the pool holds at most 3 beyond it",
                rejected(a.tx(suite, 10), Reason.NONCE_TOO_HIGH).getMessage());
        VerifiedTransaction nine = submit(a.tx(suite, 9));
        assertEquals("nonce 9 of " + a.address() + " is already taken by pending transaction " + nine.hash(),
                rejected(a.tx(suite, CHAIN, 9, 2), Reason.NONCE_REPLAYED).getMessage(), "a gapped nonce is taken too");
    }

    @Test
    void noGapsWhenMaxNonceGapIsZero() throws Exception {
        pending = pool(0);
        Fakes.Account a = account(1);
        submit(a.tx(suite, 0));
        rejected(a.tx(suite, 2), Reason.NONCE_TOO_HIGH);
        submit(a.tx(suite, 1));
    }

    @Test
    void noncesAreUnsignedAsTheLedgerModelTreatsThem() throws Exception {
        Fakes.Account a = account(1);
        long high = Long.MIN_VALUE; // 2^63: negative as a signed long
        chain.setAccount(a.address(), high, 1000);
        assertEquals("nonce 9223372036854775807 of " + a.address()
                        + " is already used: the account's nonce is 9223372036854775808",
                rejected(a.tx(suite, high - 1), Reason.NONCE_REPLAYED).getMessage());
        VerifiedTransaction first = submit(a.tx(suite, high));
        VerifiedTransaction gapped = submit(a.tx(suite, high + 2));
        assertEquals(high + 1, nextNonce(a.address()));
        assertEquals(hashes(List.of(first)), hashes(pending.pending(10)));
        VerifiedTransaction second = submit(a.tx(suite, high + 1));
        assertEquals(hashes(List.of(first, second, gapped)), hashes(pending.pending(10)));
        chain.commit(listener, List.of(first, second));
        assertEquals(hashes(List.of(gapped)), hashes(pending.pending(10)));
        assertEquals(high + 3, nextNonce(a.address()));
        assertTrue(pending.get(first.hash()).isEmpty());
    }

    @Test
    void aNonceTheAccountCanNeverReachIsTooHighNotReplayed() throws Exception {
        Fakes.Account a = account(1);
        for (long far : new long[] {Long.MIN_VALUE, -1L, 1L << 62}) {
            TxRejectedException e = rejected(a.tx(suite, far), Reason.NONCE_TOO_HIGH);
            assertTrue(e.getMessage().startsWith("nonce " + Long.toUnsignedString(far) + " of "), e.getMessage());
        }
        assertEquals(0, pending.size());
    }

    @Test
    void insufficientBalanceComesFromTheModel() {
        Fakes.Account a = account(1);
        chain.setAccount(a.address(), 0, 10);
        TxRejectedException e = rejected(a.tx(suite, CHAIN, 0, 11), Reason.INSUFFICIENT_BALANCE);
        assertEquals("balance 10 of " + a.address() + " cannot pay 11", e.getMessage());
    }

    @Test
    void stateIsNotReadPerTransaction() throws Exception {
        Fakes.Account a = account(1);
        for (int n = 0; n < 100; n++) {
            submit(a.tx(suite, n));
        }
        assertTrue(chain.snapshotsOpened.get() <= 2, "opened " + chain.snapshotsOpened.get() + " snapshots");
    }

    @Test
    void aClosedPoolTurnsTransactionsAwayAndHandsOverWhatItHeld() throws Exception {
        VerifiedTransaction a0 = submit(account(1).tx(suite, 0));
        VerifiedTransaction b0 = submit(account(2).tx(suite, 0));
        List<byte[]> held = pending.close();
        assertEquals(2, held.size());
        assertTrue(java.util.Arrays.equals(a0.encoded(), held.get(0)), "in arrival order");
        assertTrue(java.util.Arrays.equals(b0.encoded(), held.get(1)));
        assertEquals("txpool is being replaced: submit again",
                rejected(account(3).tx(suite, 0), Reason.NOT_READY).getMessage());
    }

    // ---- ordering and removal

    @Test
    void pendingIsArrivalOrderAcrossSendersAndNonceOrderPerSender() throws Exception {
        Fakes.Account a = account(1);
        Fakes.Account b = account(2);
        VerifiedTransaction b0 = submit(b.tx(suite, 0));
        VerifiedTransaction a1 = submit(a.tx(suite, 1)); // gapped until a0 arrives
        VerifiedTransaction b1 = submit(b.tx(suite, 1));
        VerifiedTransaction a0 = submit(a.tx(suite, 0));
        VerifiedTransaction a3 = submit(a.tx(suite, 3)); // gapped: a2 never arrives
        assertEquals(hashes(List.of(b0, b1, a0, a1)), hashes(pending.pending(10)));
        assertEquals(hashes(List.of(b0, b1)), hashes(pending.pending(2)));
        assertEquals(5, pending.size());
        assertEquals(2, nextNonce(a.address()), "the next nonce fills the gap");
        assertEquals(2, nextNonce(b.address()));
        assertEquals(0, nextNonce(account(3).address()));
        assertEquals(a3.hash(), pending.get(a3.hash()).orElseThrow().hash());
    }

    @Test
    void commitRemovesIncludedAndStaleTransactions() throws Exception {
        Fakes.Account a = account(1);
        Fakes.Account b = account(2);
        VerifiedTransaction a0 = submit(a.tx(suite, 0));
        VerifiedTransaction a1 = submit(a.tx(suite, 1));
        VerifiedTransaction b0 = submit(b.tx(suite, 0));
        VerifiedTransaction b1 = submit(b.tx(suite, 1));
        // b's nonce 0 is used by another transaction that reached a block without this pool
        VerifiedTransaction b0elsewhere = LegacyTransfers.verified(Transaction.decode(b.tx(suite, CHAIN, 0, 5)),
                Hash.of(KeyedSuite.sha256("elsewhere".getBytes())), b.address());
        chain.commit(listener, List.of(a0, b0elsewhere));
        assertTrue(pending.get(a0.hash()).isEmpty());
        assertTrue(pending.get(b0.hash()).isEmpty(), "b0 is stale");
        assertEquals(2, pending.size());
        assertEquals(hashes(List.of(a1, b1)), hashes(pending.pending(10)));
        assertEquals(2, nextNonce(a.address()));
        chain.commit(listener, List.of(a1, b1));
        assertEquals(0, pending.size());
        assertEquals(hashes(List.of()), hashes(pending.pending(10)));
        assertEquals(2, nextNonce(b.address()));
    }

    @Test
    void aCommittedTransactionThePoolNeverHeldMovesItsSenderOn() throws Exception {
        Fakes.Account a = account(1);
        VerifiedTransaction a1 = submit(a.tx(suite, 1)); // waits for nonce 0
        // nonce 0 reaches a block from elsewhere; the pool learns its sender from the suite
        VerifiedTransaction a0 = verifier.verify(a.tx(suite, 0));
        chain.commit(listener, List.of(a0));
        assertEquals(hashes(List.of(a1)), hashes(pending.pending(10)));
        assertEquals(2, nextNonce(a.address()));
    }

    @Test
    void missedBlocksRereadEverySendersNonce() throws Exception {
        Fakes.Account a = account(1);
        VerifiedTransaction a0 = submit(a.tx(suite, 0));
        VerifiedTransaction a1 = submit(a.tx(suite, 1));
        chain.commit(listener, List.of());
        // Block 2 moved the account on and the pool missed it (no listener call): block 3 shows the gap.
        chain.setAccount(a.address(), 1, 1000);
        chain.height = 2;
        chain.commit(listener, List.of());
        assertEquals(hashes(List.of(a1)), hashes(pending.pending(10)));
        assertTrue(pending.get(a0.hash()).isEmpty());
        assertEquals(1, pending.size());
    }

    @Test
    void aCommittedTransactionThatDidNotUseItsNonceLeavesAHole() throws Exception {
        Fakes.Account a = account(1);
        VerifiedTransaction a0 = submit(a.tx(suite, 0));
        VerifiedTransaction a1 = submit(a.tx(suite, 1));
        assertEquals(2, nextNonce(a.address()));
        chain.consumeNonces = false;
        chain.commit(listener, List.of(a0));
        assertEquals(0, nextNonce(a.address()), "nonce 0 is free again");
        assertEquals(List.of(), pending.pending(10), "a1 waits for a new nonce 0");
        VerifiedTransaction again = submit(a.tx(suite, CHAIN, 0, 2));
        assertEquals(hashes(List.of(again, a1)), hashes(pending.pending(10)));
        assertNotNull(pending.get(again.hash()).orElse(null));
    }
}
