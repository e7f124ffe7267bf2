package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import static io.cairn.ledger.utxo.internal.Spends.CHAIN;
import static io.cairn.ledger.utxo.internal.Spends.SUITE;
import static io.cairn.ledger.utxo.internal.Spends.addr;
import static io.cairn.ledger.utxo.internal.Spends.coin;
import static io.cairn.ledger.utxo.internal.Spends.genesis;
import static io.cairn.ledger.utxo.internal.Spends.out;
import static io.cairn.ledger.utxo.internal.Spends.spend;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.Keys;
import io.cairn.api.testing.CallerThreads;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UtxoLedgerTest {
    private static final Address ALICE = addr(1);
    private static final Address BOB = addr(2);
    private static final Address CAROL = addr(3);
    private static final Address DAVE = addr(4);

    private final UtxoLedger model = new UtxoLedger(SUITE);
    private final Spends.Store store = new Spends.Store();
    private long block;

    /** Genesis coin of {@code a} in {@code alloc}: its position among the non-zero allocations, by address. */
    private static CoinId genesisCoinOf(Map<Address, BigInteger> alloc, Address a) {
        int i = 0;
        for (Map.Entry<Address, BigInteger> e : new TreeMap<>(alloc).entrySet()) {
            if (e.getValue().signum() == 0) {
                continue;
            }
            if (e.getKey().equals(a)) {
                return new CoinId(Hash.ZERO, i);
            }
            i++;
        }
        throw new IllegalArgumentException(a + " has no genesis coin");
    }

    private final Map<Address, BigInteger> alloc = new TreeMap<>(Map.of(ALICE, BigInteger.valueOf(100), BOB,
            BigInteger.valueOf(50), CAROL, BigInteger.ZERO));
    private CoinId a0;
    private CoinId b0;

    @BeforeEach
    void init() {
        store.commit(model.genesis(genesis(alloc)));
        a0 = genesisCoinOf(alloc, ALICE);
        b0 = genesisCoinOf(alloc, BOB);
        block = 0;
    }

    /** Applies a block on point reads of the store: apply never scans. */
    private StateTransition run(VerifiedTransaction... txs) {
        return store.commit(model.apply(++block, List.of(txs), store.pointReads()));
    }

    private InvalidBlockException refused(int index, VerifiedTransaction... txs) {
        Spends.Store before = store.copy();
        InvalidBlockException e = assertThrows(InvalidBlockException.class, () -> model.apply(block + 1, List.of(txs),
                store.pointReads()));
        assertEquals(OptionalInt.of(index), e.transaction(), e.getMessage());
        assertTrue(e.getMessage().startsWith("transaction " + index + " (" + txs[index].hash() + "): "), e.getMessage());
        assertTrue(store.sameAs(before));
        return e;
    }

    private BigInteger balance(Address a) {
        return model.balance(store, a);
    }

    /** The key of the owner index entry of {@code owner}'s coin {@code id}: s o owner txHash u32 index. */
    private static byte[] indexKey(Address owner, CoinId id) {
        byte[] index = new byte[4];
        java.nio.ByteBuffer.wrap(index).putInt(id.index());
        return concat(new byte[] {'s', 'o'}, owner.toByteArray(), id.txHash().toByteArray(), index);
    }

    /** The store's owner index entries of {@code owner}, raw, in key order. */
    private static List<Map.Entry<byte[], byte[]>> indexEntriesOf(Spends.Store s, Address owner) {
        byte[] prefix = concat(new byte[] {'s', 'o'}, owner.toByteArray());
        return s.ownerIndexEntries().entrySet().stream()
                .filter(e -> Arrays.equals(e.getKey(), 0, prefix.length, prefix, 0, prefix.length)).toList();
    }

    private void checkRoot(StateTransition t) {
        assertEquals(t.stateRoot(), model.stateRoot(store));
        assertEquals(t.stateRoot(), store.fullRoot(model));
    }

    // ---------------------------------------------------------------- genesis

    @Test
    void genesisMakesOneCoinPerNonZeroAllocationInAddressOrder() {
        Spends.Store s = new Spends.Store();
        Map<Address, BigInteger> four = new TreeMap<>();
        four.put(ALICE, BigInteger.valueOf(10));
        four.put(BOB, BigInteger.ZERO);
        four.put(CAROL, BigInteger.valueOf(30));
        four.put(DAVE, BigInteger.valueOf(40));
        StateTransition t = s.commit(model.genesis(genesis(four)));
        assertTrue(t.receipts().isEmpty());
        List<Address> funded = new ArrayList<>();
        for (Map.Entry<Address, BigInteger> e : four.entrySet()) {
            if (e.getValue().signum() > 0) {
                funded.add(e.getKey());
            }
        }
        assertEquals(3, s.coins().size());
        for (int i = 0; i < funded.size(); i++) {
            Coin c = s.coins().get(new CoinId(Hash.ZERO, i));
            assertEquals(new Coin(funded.get(i), four.get(funded.get(i))), c, "coin " + i);
            assertEquals(c.amount(), model.balance(s, funded.get(i)));
        }
        assertEquals(BigInteger.ZERO, model.balance(s, BOB));
        assertEquals(List.of(), indexEntriesOf(s, BOB), "no coin, no index entry");
        // layout: s u 0^32 u32 i -> owner | amount; s o owner 0^32 u32 i -> amount
        byte[] key = new byte[2 + 36];
        key[0] = 's';
        key[1] = 'u';
        key[37] = 2;
        byte[] v = s.get(key);
        assertArrayEquals(concat(funded.get(2).toByteArray(), Uint256.toBytes(four.get(funded.get(2)))), v);
        byte[] indexKey = concat(new byte[] {'s', 'o'}, funded.get(2).toByteArray(), Arrays.copyOfRange(key, 2, 38));
        assertEquals(58, indexKey.length);
        assertArrayEquals(Uint256.toBytes(four.get(funded.get(2))), s.get(indexKey));
        for (int i = 0; i < funded.size(); i++) {
            List<Map.Entry<byte[], byte[]>> entries = indexEntriesOf(s, funded.get(i));
            assertEquals(1, entries.size(), "one index entry per genesis coin");
            assertArrayEquals(indexKey(funded.get(i), new CoinId(Hash.ZERO, i)), entries.get(0).getKey());
        }
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 7}, s.get(LedgerState.CHAIN_ID_KEY));
        assertEquals(2048, s.get(LedgerState.LTHASH_KEY).length);
        assertEquals(t.stateRoot(), model.stateRoot(s));
        assertEquals(t.stateRoot(), s.fullRoot(model));
        assertEquals(8, s.map.size(), "3 coins, 3 index entries (one per coin), chain id, accumulator");
    }

    @Test
    void genesisChecksModelSuiteAndSupply() {
        var account = new io.cairn.api.chain.Genesis(1, "secp256k1", "account", 0, List.of(), new TreeMap<>());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> model.genesis(account)).getMessage()
                .contains("account"));
        var sm2 = new io.cairn.api.chain.Genesis(1, "sm2", "utxo", 0, List.of(), new TreeMap<>());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.genesis(sm2));
        assertTrue(e.getMessage().contains("sm2") && e.getMessage().contains("secp256k1"), e.getMessage());
        BigInteger max = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
        model.genesis(genesis(Map.of(ALICE, max)));
        e = assertThrows(IllegalArgumentException.class,
                () -> model.genesis(genesis(Map.of(ALICE, max, BOB, BigInteger.ONE))));
        assertTrue(e.getMessage().contains("2^256-1"), e.getMessage());
    }

    @Test
    void identity() {
        assertEquals("utxo", model.model());
        assertEquals(Envelope.UTXO, model.code());
        assertTrue(model.health().ready());
        assertTrue(!new UtxoLedger().health().ready());
        assertEquals(List.of("getUtxos"), model.queries().stream().map(LedgerQuery::method).toList());
    }

    // ---------------------------------------------------------------- execution

    @Test
    void aSpendMovesCoinsAndBurnsTheFee() {
        Hash g = store.fullRoot(model);
        VerifiedTransaction pay = spend(List.of(a0), List.of(out(BOB, 60), out(ALICE, 35)), ALICE);
        StateTransition t = run(pay);
        assertEquals(List.of(new Receipt(pay.hash(), 1, 0, ALICE, Receipt.Status.SUCCESS, "")), t.receipts());
        assertNull(store.get(a0.stateKey()), "spent");
        assertEquals(new Coin(BOB, BigInteger.valueOf(60)), Coin.load(store, coin(pay.hash(), 0)));
        assertEquals(new Coin(ALICE, BigInteger.valueOf(35)), Coin.load(store, coin(pay.hash(), 1)));
        assertEquals(BigInteger.valueOf(35), balance(ALICE));
        assertEquals(BigInteger.valueOf(110), balance(BOB));
        assertNotEquals(g, t.stateRoot());
        checkRoot(t);
        // a0 and its index entry deleted, 2 coins, their 2 index entries, accumulator
        assertEquals(7, t.writes().size());
        assertNull(store.get(indexKey(ALICE, a0)));
        assertArrayEquals(Uint256.toBytes(BigInteger.valueOf(60)), store.get(indexKey(BOB, coin(pay.hash(), 0))));
        assertArrayEquals(Uint256.toBytes(BigInteger.valueOf(35)), store.get(indexKey(ALICE, coin(pay.hash(), 1))));
        assertArrayEquals(Uint256.toBytes(BigInteger.valueOf(50)), store.get(indexKey(BOB, b0)), "untouched");
    }

    @Test
    void anOwnerLeftWithNoCoinHasNoIndexEntry() {
        StateTransition t = run(spend(List.of(a0), List.of(out(BOB, 100)), ALICE));
        assertEquals(List.of(), indexEntriesOf(store, ALICE));
        assertEquals(BigInteger.ZERO, balance(ALICE));
        assertEquals(BigInteger.valueOf(150), balance(BOB));
        assertEquals(2, OwnerIndex.load(store, BOB).size());
        checkRoot(t);
    }

    @Test
    void twoOwnersSignOneSpend() {
        VerifiedTransaction joint = spend(List.of(b0, a0), List.of(out(CAROL, 149)), BOB, ALICE);
        StateTransition t = run(joint);
        assertEquals(BOB, t.receipts().get(0).from(), "from is the first signer");
        assertEquals(BigInteger.ZERO, balance(ALICE));
        assertEquals(BigInteger.ZERO, balance(BOB));
        assertEquals(BigInteger.valueOf(149), balance(CAROL));
        checkRoot(t);
    }

    @Test
    void laterSpendsInABlockSpendEarlierOutputs() {
        VerifiedTransaction t1 = spend(List.of(a0), List.of(out(BOB, 70), out(ALICE, 30)), ALICE);
        VerifiedTransaction t2 = spend(List.of(coin(t1.hash(), 0), b0), List.of(out(CAROL, 120)), BOB);
        VerifiedTransaction t3 = spend(List.of(coin(t2.hash(), 0)), List.of(out(DAVE, 100), out(CAROL, 19)), CAROL);
        VerifiedTransaction t4 = spend(List.of(coin(t1.hash(), 1), coin(t3.hash(), 1)), List.of(out(ALICE, 49)), ALICE,
                CAROL);
        StateTransition t = run(t1, t2, t3, t4);
        assertEquals(List.of(0, 1, 2, 3), t.receipts().stream().map(Receipt::index).toList());
        assertEquals(List.of(ALICE, BOB, CAROL, ALICE), t.receipts().stream().map(Receipt::from).toList());
        assertEquals(BigInteger.valueOf(49), balance(ALICE));
        assertEquals(BigInteger.ZERO, balance(BOB));
        assertEquals(BigInteger.ZERO, balance(CAROL));
        assertEquals(BigInteger.valueOf(100), balance(DAVE));
        // only what survives the block is written: t1..t3's outputs were made and spent inside it
        assertEquals(2, store.coins().size());
        assertNull(store.get(coin(t1.hash(), 0).stateKey()));
        assertEquals(2, store.ownerIndexEntries().size(), "an index entry per surviving coin, none for the others");
        // a0 and b0 (coin and index entry each) deleted, 2 coins and their index entries put, accumulator
        assertEquals(9, t.writes().size());
        checkRoot(t);
    }

    @Test
    void aMissingCoinMakesTheBlockInvalid() {
        VerifiedTransaction ok = spend(List.of(a0), List.of(out(BOB, 100)), ALICE);
        VerifiedTransaction bad = spend(List.of(new CoinId(Hash.ZERO, 5)), List.of(out(BOB, 1)), ALICE);
        InvalidBlockException e = refused(1, ok, bad);
        assertTrue(e.getMessage().endsWith("coin " + Hash.ZERO + ":5 does not exist or is already spent"),
                e.getMessage());
    }

    @Test
    void aDoubleSpendWithinABlockMakesItInvalid() {
        VerifiedTransaction first = spend(List.of(a0), List.of(out(BOB, 100)), ALICE);
        VerifiedTransaction again = spend(List.of(b0, a0), List.of(out(CAROL, 100)), BOB, ALICE);
        InvalidBlockException e = refused(1, first, again);
        assertTrue(e.getMessage().endsWith("coin " + a0 + " is already spent by transaction 0 of this block"),
                e.getMessage());
        // the very same transaction twice
        refused(1, first, first);
    }

    @Test
    void aDoubleSpendAcrossBlocksMakesTheBlockInvalid() {
        run(spend(List.of(a0), List.of(out(BOB, 100)), ALICE));
        Hash root = model.stateRoot(store);
        VerifiedTransaction again = spend(List.of(a0), List.of(out(CAROL, 100)), ALICE);
        InvalidBlockException e = refused(0, again);
        assertTrue(e.getMessage().endsWith("coin " + a0 + " does not exist or is already spent"), e.getMessage());
        assertEquals(root, model.stateRoot(store));
    }

    @Test
    void aMissingSignerMakesTheBlockInvalid() {
        InvalidBlockException e = refused(0, spend(List.of(a0, b0), List.of(out(CAROL, 1)), ALICE));
        assertTrue(e.getMessage().endsWith("coin " + b0 + " is owned by " + BOB + ", which has not signed the "
                + "transaction"), e.getMessage());
    }

    @Test
    void anExtraSignerMakesTheBlockInvalid() {
        InvalidBlockException e = refused(0, spend(List.of(a0), List.of(out(CAROL, 1)), ALICE, BOB));
        assertTrue(e.getMessage().endsWith("signer " + BOB + " owns none of the coins the transaction spends"),
                e.getMessage());
    }

    @Test
    void inputsBelowOutputsMakeTheBlockInvalid() {
        InvalidBlockException e = refused(0, spend(List.of(a0), List.of(out(CAROL, 60), out(ALICE, 41)), ALICE));
        assertTrue(e.getMessage().endsWith("the inputs total 100, less than the outputs' total 101"), e.getMessage());
    }

    @Test
    void anUndecodableBodyMakesTheBlockInvalid() {
        byte[] body = UtxoBody.encode(List.of(a0), List.of(out(BOB, 1)));
        VerifiedTransaction trailing = Spends.signed(CHAIN, Arrays.copyOf(body, body.length + 1), List.of(ALICE));
        InvalidBlockException e = refused(0, trailing);
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
        VerifiedTransaction zero = Spends.signed(CHAIN, UtxoBody.encode(List.of(a0), List.of(out(BOB, 0))),
                List.of(ALICE));
        assertTrue(refused(0, zero).getMessage().contains("output 0 amount is 0"));
        VerifiedTransaction twice = Spends.signed(CHAIN, UtxoBody.encode(List.of(a0, a0), List.of(out(BOB, 1))),
                List.of(ALICE));
        assertTrue(refused(0, twice).getMessage().contains("input 1 spends coin " + a0));
        VerifiedTransaction account = Spends.VERIFIER.committed(Envelope.sign(SUITE, CHAIN, Envelope.ACCOUNT, body,
                List.of(Spends.keyOf(ALICE).privateKey())).encoded());
        assertTrue(refused(0, account).getMessage().contains("account ledger"));
        VerifiedTransaction otherChain = Spends.signed(CHAIN + 1, body, List.of(ALICE));
        assertTrue(refused(0, otherChain).getMessage().contains("chain 8"));
    }

    @Test
    void emptyBlockChangesNothing() {
        Hash g = model.stateRoot(store);
        StateTransition t = run();
        assertEquals(g, t.stateRoot());
        assertEquals(1, t.writes().size(), "only the (unchanged) accumulator");
    }

    @Test
    void sameTransactionsOnTheSameStateGiveTheSameResult() {
        VerifiedTransaction t1 = spend(List.of(a0), List.of(out(BOB, 70), out(ALICE, 30)), ALICE);
        VerifiedTransaction t2 = spend(List.of(coin(t1.hash(), 0), b0), List.of(out(CAROL, 120)), BOB);
        StateTransition a = model.apply(1, List.of(t1, t2), store.pointReads());
        StateTransition b = new UtxoLedger(SUITE).apply(1, List.of(t1, t2), store.pointReads());
        assertEquals(a.stateRoot(), b.stateRoot());
        assertEquals(a.receipts(), b.receipts());
        assertEquals(a.writes().size(), b.writes().size());
        for (int i = 0; i < a.writes().size(); i++) {
            assertArrayEquals(a.writes().ops().get(i).key(), b.writes().ops().get(i).key());
            assertArrayEquals(a.writes().ops().get(i).value(), b.writes().ops().get(i).value());
        }
    }

    @Test
    void theStateWorkSplitOverThreadsGivesTheSerialResult() {
        CallerThreads threads = new CallerThreads(2);
        UtxoLedger split = new UtxoLedger(SUITE, threads);
        Spends.Store other = new Spends.Store();
        other.commit(split.genesis(genesis(alloc)));
        // Alice pays 100 outputs of 1 to Bob (202 entries put, 2 deleted), then Bob spends 40 of them
        List<UtxoBody.Output> outs = new ArrayList<>();
        for (int k = 0; k < 99; k++) {
            outs.add(out(BOB, 1));
        }
        outs.add(out(CAROL, 1));
        VerifiedTransaction gift = spend(List.of(a0), outs, ALICE);
        List<CoinId> bobs = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            bobs.add(coin(gift.hash(), k));
        }
        VerifiedTransaction back = spend(bobs, List.of(out(DAVE, 40)), BOB);
        long n = 0;
        for (List<VerifiedTransaction> block : List.of(List.of(gift), List.of(back))) {
            n++;
            StateTransition serial = store.commit(model.apply(n, block, store.pointReads()));
            StateTransition parallel = other.commit(split.apply(n, block, other.pointReads()));
            assertEquals(serial.stateRoot(), parallel.stateRoot());
            assertEquals(serial.writes().size(), parallel.writes().size());
            for (int i = 0; i < serial.writes().size(); i++) {
                assertArrayEquals(serial.writes().ops().get(i).key(), parallel.writes().ops().get(i).key());
                assertArrayEquals(serial.writes().ops().get(i).value(), parallel.writes().ops().get(i).value());
            }
        }
        assertTrue(threads.mostParts.get() > 1, "the entries' hashing was split into parts");
        assertEquals(other.fullRoot(split), split.stateRoot(other));
    }

    @Test
    void theRootIsTheSuiteHashOfTheAccumulatorOverEveryCoinEntry() {
        run(spend(List.of(a0), List.of(out(BOB, 70), out(CAROL, 30)), ALICE));
        // the accumulator by hand: every coin entry ('s' 'u'), not the owner index ('s' 'o') nor 's' '#' ones
        io.cairn.api.ledger.LtHash16 acc = new io.cairn.api.ledger.LtHash16();
        int coins = 0;
        int indexEntries = 0;
        for (Map.Entry<byte[], byte[]> e : store.map.entrySet()) {
            byte[] k = e.getKey();
            if (k[0] == Keys.STATE && k[1] == 'u') {
                byte[] seedInput = concat(new byte[] {0, 0, 0, (byte) k.length}, k, e.getValue());
                acc.add(SUITE.hash(seedInput));
                coins++;
            } else if (k[0] == Keys.STATE && k[1] == io.cairn.api.ledger.CoinIndex.TAG) {
                indexEntries++;
            }
        }
        assertEquals(3, coins, "Bob: 2 coins, Carol: 1");
        assertEquals(3, indexEntries, "one index entry per coin");
        assertArrayEquals(acc.toBytes(), store.get(LedgerState.LTHASH_KEY));
        assertEquals(Hash.of(SUITE.hash(acc.toBytes())), model.stateRoot(store));
        assertEquals(model.stateRoot(store), store.fullRoot(model), "the full recomputation skips the index");
    }

    @Test
    void theOwnerIndexIsDerivedDataThatTheCoinsRebuildExactly() {
        run(spend(List.of(a0), List.of(out(BOB, 70), out(CAROL, 30)), ALICE));
        io.cairn.api.storage.WriteBatch rebuilt = new io.cairn.api.storage.WriteBatch();
        TreeMap<byte[], byte[]> index = new TreeMap<>(java.util.Arrays::compareUnsigned);
        for (Map.Entry<byte[], byte[]> e : store.map.entrySet()) {
            byte[] k = e.getKey();
            assertEquals(k[0] == Keys.STATE && k[1] == io.cairn.api.ledger.CoinIndex.TAG, model.derived(k), Bytes.toHex(k));
            if (model.derived(k)) {
                index.put(k, e.getValue());
                assertTrue(!model.inAccumulator(k));
            } else {
                model.derive(k, e.getValue(), rebuilt);
            }
        }
        TreeMap<byte[], byte[]> fromCoins = new TreeMap<>(java.util.Arrays::compareUnsigned);
        for (io.cairn.api.storage.WriteBatch.Op op : rebuilt.ops()) {
            fromCoins.put(op.key(), op.value());
        }
        assertEquals(3, index.size());
        assertEquals(index.keySet().stream().map(Bytes::toHex).toList(),
                fromCoins.keySet().stream().map(Bytes::toHex).toList());
        index.forEach((k, v) -> assertArrayEquals(v, fromCoins.get(k)));
    }

    @Test
    void theOwnerIndexIsSortedByCoin() {
        VerifiedTransaction t1 = spend(List.of(a0), List.of(out(CAROL, 10), out(CAROL, 20), out(CAROL, 30),
                out(BOB, 40)), ALICE);
        run(t1);
        VerifiedTransaction t2 = spend(List.of(b0), List.of(out(CAROL, 5), out(CAROL, 6)), BOB);
        run(t2);
        TreeMap<CoinId, BigInteger> index = OwnerIndex.load(store, CAROL);
        List<CoinId> expected = new ArrayList<>(List.of(coin(t1.hash(), 0), coin(t1.hash(), 1), coin(t1.hash(), 2),
                coin(t2.hash(), 0), coin(t2.hash(), 1)));
        expected.sort((x, y) -> x.txHash().compareTo(y.txHash()) != 0 ? x.txHash().compareTo(y.txHash())
                : Integer.compare(x.index(), y.index()));
        assertEquals(expected, new ArrayList<>(index.keySet()));
        // one entry per coin, s o owner txHash u32 index -> amount, whose key order is the coin order
        List<Map.Entry<byte[], byte[]>> raw = indexEntriesOf(store, CAROL);
        assertEquals(5, raw.size());
        Map<CoinId, Long> amounts = Map.of(coin(t1.hash(), 0), 10L, coin(t1.hash(), 1), 20L, coin(t1.hash(), 2), 30L,
                coin(t2.hash(), 0), 5L, coin(t2.hash(), 1), 6L);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(indexKey(CAROL, expected.get(i)), raw.get(i).getKey());
            assertArrayEquals(Uint256.toBytes(BigInteger.valueOf(amounts.get(expected.get(i)))), raw.get(i).getValue());
            assertEquals(BigInteger.valueOf(amounts.get(expected.get(i))), index.get(expected.get(i)));
        }
        assertEquals(BigInteger.valueOf(71), balance(CAROL));
    }

    /** Puts and deletes of a transition, the accumulator (always put once) aside. */
    private static long entryOps(StateTransition t) {
        return t.writes().ops().stream().filter(op -> !Arrays.equals(op.key(), LedgerState.LTHASH_KEY)).count();
    }

    /**
     * An owner with many coins costs a transaction no more than one with a single coin: a spend or a new coin
     * writes its own coin and index entry, never the owner's other coins. (The former layout rewrote, and re-hashed,
     * an index entry of all the owner's coins each time.)
     */
    @Test
    void aTransactionsCostDoesNotDependOnHowManyCoinsItsOwnerHas() {
        Spends.Store s = new Spends.Store();
        s.commit(model.genesis(genesis(Map.of(ALICE, BigInteger.valueOf(1_000_000), CAROL, BigInteger.valueOf(7)))));
        CoinId change = genesisCoinOf(Map.of(ALICE, BigInteger.ONE, CAROL, BigInteger.ONE), ALICE);
        CoinId carol0 = genesisCoinOf(Map.of(ALICE, BigInteger.ONE, CAROL, BigInteger.ONE), CAROL);
        BigInteger left = BigInteger.valueOf(1_000_000);
        long n = 0;
        List<StateTransition> gifts = new ArrayList<>();
        // 500 coins to Bob, 250 a transaction (each with Alice's change as its last output)
        for (int round = 0; round < 2; round++) {
            List<UtxoBody.Output> outs = new ArrayList<>();
            for (int k = 0; k < 250; k++) {
                outs.add(out(BOB, 1 + k));
                left = left.subtract(BigInteger.valueOf(1 + k));
            }
            outs.add(new UtxoBody.Output(ALICE, left));
            VerifiedTransaction gift = spend(List.of(change), outs, ALICE);
            StateTransition t = s.commit(model.apply(++n, List.of(gift), s.pointReads()));
            assertEquals(2L * 1 + 2L * 251, entryOps(t), "2 per input + 2 per output");
            gifts.add(t);
            change = coin(gift.hash(), 250);
        }
        assertEquals(500, OwnerIndex.load(s, BOB).size());
        assertEquals(BigInteger.valueOf(2 * (250 * 251 / 2)), model.balance(s, BOB));
        assertEquals(500, ((List<?>) model.queries().get(0).answer(List.of(BOB.toHex()), s, Pending.NONE)).size());
        assertEquals(s.fullRoot(model), model.stateRoot(s));

        // Bob (500 coins) spends one to Dave; Carol (1 coin) does the same: the same writes, entry for entry
        CoinId bobs = OwnerIndex.load(s, BOB).firstKey();
        BigInteger amount = OwnerIndex.load(s, BOB).firstEntry().getValue();
        StateTransition rich = s.commit(model.apply(++n, List.of(spend(List.of(bobs),
                List.of(out(DAVE, amount.longValueExact())), BOB)), s.pointReads()));
        StateTransition poor = s.commit(model.apply(++n, List.of(spend(List.of(carol0), List.of(out(DAVE, 7)), CAROL)),
                s.pointReads()));
        assertEquals(4, entryOps(rich), "coin and index entry deleted, coin and index entry put");
        assertEquals(4, entryOps(poor));
        assertEquals(poor.writes().byteSize(), rich.writes().byteSize());
        assertEquals(499, OwnerIndex.load(s, BOB).size());
        assertEquals(BigInteger.ZERO, model.balance(s, CAROL));

        // a 500th coin for Bob costs what a first coin for Carol does
        VerifiedTransaction toBob = spend(List.of(change), List.of(out(BOB, 3), out(ALICE, left.longValueExact() - 3)),
                ALICE);
        StateTransition more = s.commit(model.apply(++n, List.of(toBob), s.pointReads()));
        left = left.subtract(BigInteger.valueOf(3));
        VerifiedTransaction toCarol = spend(List.of(coin(toBob.hash(), 1)), List.of(out(CAROL, 3),
                out(ALICE, left.longValueExact() - 3)), ALICE);
        StateTransition first = s.commit(model.apply(++n, List.of(toCarol), s.pointReads()));
        assertEquals(2 * 1 + 2 * 2, entryOps(more), "2 per input + 2 per output");
        assertEquals(entryOps(first), entryOps(more));
        assertEquals(first.writes().byteSize(), more.writes().byteSize());
        assertEquals(500, OwnerIndex.load(s, BOB).size());
        assertEquals(s.fullRoot(model), model.stateRoot(s));
        // the second 250 coins cost Bob, who had 250, what the first 250 did when he had none
        assertEquals(gifts.get(0).writes().size(), gifts.get(1).writes().size());
        assertEquals(gifts.get(0).writes().byteSize(), gifts.get(1).writes().byteSize());
    }

    @Test
    void balancesAndGetUtxosNeedAStateThatScans() {
        assertThrows(UnsupportedOperationException.class, () -> model.balance(store.pointReads(), ALICE));
        assertThrows(UnsupportedOperationException.class,
                () -> model.queries().get(0).answer(List.of(ALICE.toHex()), store.pointReads(), Pending.NONE));
    }

    @Test
    void incrementalRootReusesCachedExpansions() {
        VerifiedTransaction t1 = spend(List.of(a0), List.of(out(BOB, 70), out(ALICE, 30)), ALICE);
        run(t1);
        int cached = model.cachedExpansions();
        assertTrue(cached > 0, "new entries are cached");
        run(spend(List.of(coin(t1.hash(), 0)), List.of(out(CAROL, 70)), BOB));
        assertEquals(store.fullRoot(model), model.stateRoot(store));
    }

    // ---------------------------------------------------------------- the users' surface

    @Test
    void describeListsInputsAndOutputs() throws TxRejectedException {
        VerifiedTransaction t1 = spend(List.of(a0, b0), List.of(out(CAROL, 120), out(ALICE, 25)), ALICE, BOB);
        Map<String, Object> d = model.describe(t1);
        assertEquals(List.of("inputs", "outputs"), new ArrayList<>(d.keySet()));
        assertTrue(d instanceof LinkedHashMap);
        Map<String, Object> in0 = new LinkedHashMap<>();
        in0.put("txHash", Hash.ZERO.toHex());
        in0.put("index", (long) a0.index());
        Map<String, Object> in1 = new LinkedHashMap<>();
        in1.put("txHash", Hash.ZERO.toHex());
        in1.put("index", (long) b0.index());
        assertEquals(List.of(in0, in1), d.get("inputs"));
        assertEquals(List.of(Map.of("owner", CAROL.toString(), "amount", "120"),
                Map.of("owner", ALICE.toString(), "amount", "25")), d.get("outputs"));
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) d.get("inputs")).get(0);
        assertEquals(List.of("txHash", "index"), new ArrayList<>(first.keySet()));
        // an index is the unsigned number
        VerifiedTransaction high = spend(List.of(new CoinId(Hash.ZERO, -1)), List.of(out(CAROL, 1)), ALICE);
        @SuppressWarnings("unchecked")
        Map<String, Object> in = ((List<Map<String, Object>>) model.describe(high).get("inputs")).get(0);
        assertEquals(4294967295L, in.get("index"));
    }

    @Test
    void getUtxosListsTheOwnersCoinsWithThePendingSpender() {
        VerifiedTransaction t1 = spend(List.of(a0), List.of(out(BOB, 70), out(ALICE, 30)), ALICE);
        run(t1);
        VerifiedTransaction pending = spend(List.of(coin(t1.hash(), 0)), List.of(out(CAROL, 70)), BOB);
        Spends.FakePending pool = new Spends.FakePending().add(model, pending);
        LedgerQuery q = model.queries().get(0);
        assertEquals("address", q.params());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> coins = (List<Map<String, Object>>) q.answer(List.of(BOB.toHex()), store, pool);
        List<CoinId> ids = new ArrayList<>(OwnerIndex.load(store, BOB).keySet());
        assertEquals(2, coins.size());
        for (int i = 0; i < 2; i++) {
            Map<String, Object> c = coins.get(i);
            assertEquals(List.of("txHash", "index", "amount", "spentBy"), new ArrayList<>(c.keySet()));
            CoinId id = ids.get(i);
            assertEquals(id.txHash().toHex(), c.get("txHash"));
            assertEquals(id.indexValue(), c.get("index"));
            if (id.equals(b0)) {
                assertEquals("50", c.get("amount"));
                assertNull(c.get("spentBy"));
            } else {
                assertEquals(coin(t1.hash(), 0), id);
                assertEquals("70", c.get("amount"));
                assertEquals(pending.hash().toHex(), c.get("spentBy"));
            }
        }
        assertEquals(List.of(), q.answer(List.of(DAVE.toHex()), store, Pending.NONE));
    }

    @Test
    void getUtxosNamesABadParameter() {
        LedgerQuery q = model.queries().get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> q.answer(List.of(), store, Pending.NONE));
        assertEquals("params[0]: address is missing", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> q.answer(List.of("0x1234"), store, Pending.NONE));
        assertTrue(e.getMessage().startsWith("params[0]: address") && e.getMessage().contains("20 bytes"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> q.answer(List.of("0xzz"), store, Pending.NONE));
        assertTrue(e.getMessage().startsWith("params[0]: address"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> q.answer(List.of(ALICE.toHex(), "1"), store, Pending.NONE));
        assertEquals("getUtxos takes at most 1 parameter, got 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> q.answer(List.of(ALICE.toHex().substring(2)), store, Pending.NONE));
        assertTrue(e.getMessage().endsWith("(no 0x prefix)"), "as every method's parameters: " + e.getMessage());
    }

    @Test
    void aRestartedModelReadsEverythingFromState() {
        VerifiedTransaction t1 = spend(List.of(a0), List.of(out(BOB, 70), out(ALICE, 30)), ALICE);
        run(t1);
        UtxoLedger restarted = new UtxoLedger(SUITE);
        StateTransition t = store.commit(restarted.apply(2, List.of(spend(List.of(coin(t1.hash(), 1)),
                List.of(out(CAROL, 30)), ALICE)), store.pointReads()));
        assertEquals(store.fullRoot(model), t.stateRoot());
    }

    @Test
    void applyWithoutGenesisStateFails() {
        assertThrows(IllegalStateException.class, () -> model.apply(1, List.of(), new Spends.Store()));
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
