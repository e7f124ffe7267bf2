package io.cairn.executor.internal;

import io.cairn.api.testing.LegacyTransfers;
import io.cairn.api.testing.Sha256Suite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.InvalidBlockException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BlockExecutorTest {
    static final Address ALICE = Address.fromHex("0x00000000000000000000000000000000000000a1");
    static final Genesis GENESIS = new Genesis(9, "test-sha256", "account", 5_000, List.of(),
            new TreeMap<>(Map.of(ALICE, BigInteger.TEN)));

    private final Sha256Suite suite = new Sha256Suite();
    private final FakeLedgerModel model = new FakeLedgerModel("account");
    private final FakeBlockStore store = new FakeBlockStore();
    private final BlockExecutor executor = new BlockExecutor(model, store, suite);
    private final byte[] sealer = filled(64, 7);
    private long nonce;

    private BlockHeader head() {
        return store.header(store.height()).orElseThrow();
    }

    private List<VerifiedTransaction> txs(int n) {
        List<VerifiedTransaction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] pub = filled(64, 1);
            Transaction t = new Transaction(9, nonce++, ALICE, BigInteger.ONE, new byte[0], pub, filled(64, 2));
            out.add(LegacyTransfers.verified(t, suite.digest(t.signingPayload()), Address.fromKeyHash(suite.hash(pub))));
        }
        return out;
    }

    private Hash h(Hash a, Hash b) {
        byte[] pair = new byte[64];
        System.arraycopy(a.toByteArray(), 0, pair, 0, 32);
        System.arraycopy(b.toByteArray(), 0, pair, 32, 32);
        return suite.digest(pair);
    }

    @Test
    void genesisIsBlockZeroWithTheGenesisFactsAndTheModelsInitialState() {
        ExecutedBlock g = executor.genesis(GENESIS);
        BlockHeader h = g.header();
        assertEquals(BlockHeader.PROTOCOL_VERSION, h.version());
        assertEquals(0, h.number());
        assertEquals(9, h.chainId());
        assertEquals(Hash.ZERO, h.parentHash());
        assertEquals(5_000, h.timestamp());
        assertEquals(0, h.sealer().length);
        assertArrayEquals(GENESIS.encode(), h.extra());
        assertEquals(model.root(0), h.stateRoot());
        assertEquals(0, h.txCount());
        assertTrue(g.transactions().isEmpty());
        assertEquals(1, g.stateWrites().size());
        assertEquals(GENESIS, Genesis.decode(h.extra()));
    }

    @Test
    void genesisRefusesAnotherLedgerModelOrSuite() {
        BlockExecutor utxo = new BlockExecutor(new FakeLedgerModel("utxo"), store, suite);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> utxo.genesis(GENESIS));
        assertTrue(e.getMessage().contains("'account'") && e.getMessage().contains("'utxo'"), e.getMessage());

        Genesis sm2 = new Genesis(9, "sm2", "account", 5_000, List.of(), new TreeMap<>());
        e = assertThrows(IllegalStateException.class, () -> executor.genesis(sm2));
        assertTrue(e.getMessage().contains("'sm2'") && e.getMessage().contains("'test-sha256'"), e.getMessage());
    }

    @Test
    void executeMakesTheNextHeaderWithItsRoots() {
        store.commit(executor.genesis(GENESIS), List.of());
        BlockHeader parent = head();
        List<VerifiedTransaction> txs = txs(3);
        ExecutedBlock b = executor.execute(parent, 6_000, sealer, txs);
        BlockHeader h = b.header();
        assertEquals(BlockHeader.PROTOCOL_VERSION, h.version());
        assertEquals(9, h.chainId());
        assertEquals(1, h.number());
        assertEquals(suite.digest(parent.encode()), h.parentHash());
        assertEquals(6_000, h.timestamp());
        assertEquals(3, h.txCount());
        assertArrayEquals(sealer, h.sealer());
        assertEquals(0, h.extra().length);
        // three leaves: the odd one is carried up unchanged
        Hash t0 = txs.get(0).hash(), t1 = txs.get(1).hash(), t2 = txs.get(2).hash();
        assertEquals(h(h(t0, t1), t2), h.txRoot());
        Hash r0 = suite.digest(b.receipts().get(0).encode()), r1 = suite.digest(b.receipts().get(1).encode()),
                r2 = suite.digest(b.receipts().get(2).encode());
        assertEquals(h(h(r0, r1), r2), h.receiptRoot());
        assertEquals(model.root(3), h.stateRoot());
        assertEquals(3, b.receipts().size());
        assertEquals(txs, b.transactions());
        store.commit(b, List.of());
        assertEquals(1, store.height());
    }

    @Test
    void executeRunsOnTheHeadsState() {
        store.commit(executor.genesis(GENESIS), List.of());
        store.commit(executor.execute(head(), 6_000, sealer, txs(3)), List.of());
        ExecutedBlock b = executor.execute(head(), 7_000, sealer, txs(2));
        assertEquals(model.root(5), b.header().stateRoot());
    }

    @Test
    void anEmptyBlockHasZeroRoots() {
        store.commit(executor.genesis(GENESIS), List.of());
        ExecutedBlock b = executor.execute(head(), 6_000, sealer, List.of());
        assertEquals(Hash.ZERO, b.header().txRoot());
        assertEquals(Hash.ZERO, b.header().receiptRoot());
        assertEquals(0, b.header().txCount());
    }

    @Test
    void timestampsNeverGoBackwards() {
        store.commit(executor.genesis(GENESIS), List.of());
        assertEquals(5_000, executor.execute(head(), 4_000, sealer, List.of()).header().timestamp());
        assertEquals(5_001, executor.execute(head(), 5_001, sealer, List.of()).header().timestamp());
    }

    @Test
    void executingOnAStaleParentFails() {
        store.commit(executor.genesis(GENESIS), List.of());
        BlockHeader genesis = head();
        store.commit(executor.execute(genesis, 6_000, sealer, txs(1)), List.of());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> executor.execute(genesis, 7_000, sealer, txs(1)));
        assertTrue(e.getMessage().contains("head moved"), e.getMessage());

        // same number as the head, different block: a fork
        BlockHeader head = head();
        BlockHeader fork = new BlockHeader(head.version(), head.chainId(), head.number(), head.parentHash(),
                head.timestamp() + 1, head.txRoot(), head.receiptRoot(), head.stateRoot(), head.txCount(),
                head.sealer(), head.extra());
        e = assertThrows(IllegalStateException.class, () -> executor.execute(fork, 7_000, sealer, txs(1)));
        assertTrue(e.getMessage().contains("head moved"), e.getMessage());
    }

    @Test
    void aBlockTheModelRefusesIsInvalidNamingTheTransaction() {
        store.commit(executor.genesis(GENESIS), List.of());
        List<VerifiedTransaction> txs = txs(3);
        model.refuse = 1;
        InvalidBlockException e = assertThrows(InvalidBlockException.class,
                () -> executor.execute(head(), 6_000, sealer, txs));
        assertEquals(OptionalInt.of(1), e.transaction());
        assertEquals("transaction 1 (" + txs.get(1).hash() + "): no block may hold it", e.getMessage());
        assertEquals(0, store.openSnapshots, "the head's state is released");
        assertEquals(0, store.height(), "nothing is committed");

        model.refuse = -1;
        assertEquals(model.root(3), executor.execute(head(), 6_000, sealer, txs).header().stateRoot());
        assertEquals(0, store.openSnapshots);
    }

    @Test
    void withoutItsCollaboratorsItSaysWhatIsMissing() {
        BlockExecutor empty = new BlockExecutor();
        assertFalse(empty.health().ready());
        assertEquals("no ledger model", empty.health().detail());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> empty.execute(GENESIS_HEADER, 1, sealer, List.of()));
        assertEquals("executor not ready: no ledger model", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> empty.genesis(GENESIS));
        assertEquals("executor not ready: no ledger model", e.getMessage());

        BlockExecutor noStore = new BlockExecutor(model, null, suite);
        assertEquals("no block store", noStore.health().detail());
        e = assertThrows(IllegalStateException.class, () -> noStore.execute(GENESIS_HEADER, 1, sealer, List.of()));
        assertEquals("executor not ready: no block store", e.getMessage());

        BlockExecutor noSuite = new BlockExecutor(model, store, null);
        assertEquals("no crypto suite", noSuite.health().detail());
        e = assertThrows(IllegalStateException.class, () -> noSuite.execute(GENESIS_HEADER, 1, sealer, List.of()));
        assertEquals("executor not ready: no crypto suite", e.getMessage());

        assertTrue(executor.health().ready());
    }

    private static final BlockHeader GENESIS_HEADER = new BlockHeader(1, 9, 0, Hash.ZERO, 0, Hash.ZERO, Hash.ZERO,
            Hash.ZERO, 0, new byte[0], new byte[0]);

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
