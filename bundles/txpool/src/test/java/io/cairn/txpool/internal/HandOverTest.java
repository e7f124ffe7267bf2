package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.TestPools.config;
import static io.cairn.txpool.internal.TestPools.drain;
import static io.cairn.txpool.internal.TestPools.hashes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TxRejectedException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pending transactions handed from one pool instance to the next through the node's records. */
class HandOverTest {
    private final TestPools t = new TestPools();
    private final Fakes.Suite suite = t.suite;

    @AfterEach
    void deactivateAll() {
        t.close();
    }

    private byte[] saved() {
        return t.records.get(HandOver.OWNER, HandOver.NAME);
    }

    @Test
    void aPoolBeingReplacedTurnsTransactionsAwayInsteadOfLosingThem() throws Exception {
        TransactionPool old = t.pool();
        Fakes.Account a = t.account(1);
        old.submit(a.tx(suite, 0));
        t.retire(old); // hands over what it holds
        // A caller still holding the old instance (RPC during a swap) must hear "not ready", not "accepted":
        // an acceptance now would be in neither the hand-over nor the new pool.
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> old.submit(a.tx(suite, 1)));
        assertEquals(TxRejectedException.Reason.NOT_READY, e.reason());
        assertEquals(1, EncodedTransactions.decode(saved(), "test").size());
    }

    @Test
    void theRecordIsTheOneTheStorageKeyHeldBefore() throws Exception {
        TransactionPool old = t.pool();
        VerifiedTransaction a = old.submit(t.account(1).tx(suite, 0));
        VerifiedTransaction b = old.submit(t.account(2).tx(suite, 0));
        t.retire(old);
        // same owner/name (storage key 'm' "txpool/pending") and the same bytes: u32 count | count x bytes tx
        byte[] expected = new Encoder().u32(2).bytes(a.encoded()).bytes(b.encoded()).toByteArray();
        assertArrayEquals(expected, saved());
        assertEquals("txpool", HandOver.OWNER);
        assertEquals("pending", HandOver.NAME);
    }

    @Test
    void pendingTransactionsSurviveDeactivateAndActivate() throws Exception {
        TransactionPool first = t.pool();
        Fakes.Account a = t.account(1);
        Fakes.Account b = t.account(2);
        List<VerifiedTransaction> sent = List.of(first.submit(a.tx(suite, 0)), first.submit(b.tx(suite, 0)),
                first.submit(a.tx(suite, 1)), first.submit(a.tx(suite, 3)));
        t.retire(first);
        assertNotNull(saved(), "the pool handed its transactions over in its records");
        assertEquals(4, EncodedTransactions.decode(saved(), "test").size());
        int verifiesBefore = suite.verifies.get();

        // The new instance is created and bound in any order; the records without storage first here.
        t.records.available = false;
        TransactionPool second = t.unbound(config(1000, 10));
        second.bindSuite(suite);
        second.bindModel(t.model);
        drain(second);
        assertEquals(0, second.size(), "nothing restored without a block store");
        second.bindBlockStore(t.chain);
        drain(second);
        assertEquals(0, second.size(), "nothing restored without storage");
        t.records.available = true;
        drain(second);
        assertTrue(second.restoreIdle());
        assertEquals(4, second.size());
        assertNull(saved(), "the handed-over record is deleted");
        assertEquals(verifiesBefore + 4, suite.verifies.get(), "restored transactions are verified again");
        for (VerifiedTransaction v : sent) {
            assertTrue(second.get(v.hash()).isPresent());
        }
        assertEquals(hashes(List.of(sent.get(0), sent.get(1), sent.get(2))), hashes(second.pending(10)));
    }

    @Test
    void aHandOverIsTakenBackInStepsSoTheLoopKeepsGossiping() throws Exception {
        TransactionPool first = t.pool();
        int n = TransactionGossip.BATCH_TXS * 2 + 5;
        for (int i = 0; i < n; i++) {
            first.submit(t.account(i).tx(suite, 0));
        }
        t.retire(first);
        TransactionPool second = t.pool();
        assertTrue(second.step(0));
        assertEquals(TransactionGossip.BATCH_TXS, second.size());
        assertTrue(second.step(0));
        assertTrue(!second.step(0) && second.size() == n);
        assertNull(saved());
    }

    @Test
    void handOverDropsWhatWasCommittedMeanwhile() throws Exception {
        TransactionPool first = t.pool();
        VerifiedTransaction t0 = first.submit(t.account(1).tx(suite, 0));
        VerifiedTransaction t1 = first.submit(t.account(1).tx(suite, 1));
        t.retire(first);
        TransactionPool second = t.pool();
        drain(second);
        assertEquals(2, second.size());
        t.chain.commit(second, List.of(t0));
        t.retire(second);
        TransactionPool third = t.pool();
        drain(third);
        assertNull(saved());
        assertEquals(hashes(List.of(t1)), hashes(third.pending(10)));
    }

    @Test
    void handOverIsPickedUpAtTheNextBlockWhenBothInstancesRan() throws Exception {
        // Blue/green: the new pool activates before the old one deactivates and writes its hand-over.
        TransactionPool old = t.pool();
        TransactionPool fresh = t.pool();
        VerifiedTransaction tx = old.submit(t.account(1).tx(suite, 0));
        drain(fresh);
        assertTrue(fresh.restoreIdle());
        t.retire(old);
        drain(fresh);
        assertEquals(0, fresh.size());
        t.chain.commit(fresh, List.of());
        drain(fresh);
        assertTrue(fresh.restoreIdle());
        assertEquals(hashes(List.of(tx)), hashes(fresh.pending(10)));
    }

    @Test
    void aRecordThePoolNeverReadIsHandedOnNotOverwritten() throws Exception {
        TransactionPool old = t.pool();
        VerifiedTransaction a = old.submit(t.account(1).tx(suite, 0));
        t.retire(old);
        // Two pools run beside each other after the hand-over and neither takes it back: one is never ready (no
        // ledger model), the other leaves before its loop looks. Each hands the record on in front of its own.
        TransactionPool blind = t.unbound(config(1000, 10));
        blind.bindSuite(suite);
        blind.bindBlockStore(t.chain);
        drain(blind);
        TransactionPool other = t.pool();
        VerifiedTransaction b = other.submit(t.account(2).tx(suite, 0));
        other.deactivate(); // writes its own hand-over; the record it had not read (a) goes first
        t.pools.remove(other);
        List<byte[]> kept = EncodedTransactions.decode(saved(), "test");
        assertEquals(2, kept.size());
        assertArrayEquals(a.encoded(), kept.get(0));
        assertArrayEquals(b.encoded(), kept.get(1));
        t.retire(blind);
        assertEquals(2, EncodedTransactions.decode(saved(), "test").size(), "nothing the blind pool held is lost");
    }

    @Test
    void anUnreadableRecordIsDroppedAndDeleted() throws Exception {
        t.records.put(HandOver.OWNER, HandOver.NAME, new byte[] {0, 0, 0, 9});
        TransactionPool p = t.pool();
        drain(p);
        assertEquals(0, p.size());
        assertNull(saved());
    }

    @Test
    void encodingRoundTrips() {
        List<byte[]> txs = List.of(new byte[] {1, 2}, new byte[0], new byte[] {3});
        List<byte[]> back = EncodedTransactions.decode(EncodedTransactions.encode(txs), "test");
        assertEquals(3, back.size());
        assertTrue(java.util.Arrays.equals(txs.get(0), back.get(0)));
        assertEquals(ByteBuffer.wrap(txs.get(2)), ByteBuffer.wrap(back.get(2)));
        assertThrows(MalformedDataException.class, () -> EncodedTransactions.decode(new byte[] {0, 0, 0, 1}, "test"));
    }
}
