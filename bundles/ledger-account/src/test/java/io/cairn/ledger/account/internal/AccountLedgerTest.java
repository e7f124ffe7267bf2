package io.cairn.ledger.account.internal;

import static io.cairn.ledger.account.internal.Transfers.CHAIN;
import static io.cairn.ledger.account.internal.Transfers.SUITE;
import static io.cairn.ledger.account.internal.Transfers.addr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Receipt.Status;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.Sha256Suite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccountLedgerTest {
    private static final Address ALICE = addr(1);
    private static final Address BOB = addr(2);
    private static final Address CAROL = addr(3);

    private final AccountLedger ledger = new AccountLedger(SUITE);
    /** The committed state, as storage would hold it. */
    private final TreeMap<byte[], byte[]> store = new TreeMap<>(Arrays::compareUnsigned);
    private long block;

    private static Genesis genesis(Map<Address, BigInteger> alloc) {
        return new Genesis(CHAIN, "secp256k1", "account", 0, List.of(), new TreeMap<>(alloc));
    }

    private static void commit(TreeMap<byte[], byte[]> store, WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isDelete()) {
                store.remove(op.key());
            } else {
                store.put(op.key(), op.value());
            }
        }
    }

    private void commit(WriteBatch batch) {
        commit(store, batch);
    }

    private StateTransition init(Map<Address, BigInteger> alloc) {
        StateTransition t = ledger.genesis(genesis(alloc));
        commit(t.writes());
        return t;
    }

    private StateTransition run(VerifiedTransaction... txs) {
        StateTransition t = ledger.apply(++block, List.of(txs), store::get);
        commit(t.writes());
        return t;
    }

    /** A version 1 transfer, as the chain's first blocks hold. */
    private static VerifiedTransaction tx(Address from, long chainId, long nonce, Address to, long value) {
        return Transfers.v1(from, chainId, nonce, to, value, new byte[0]);
    }

    private static VerifiedTransaction tx(Address from, long nonce, Address to, long value) {
        return tx(from, CHAIN, nonce, to, value);
    }

    private Hash fullRoot() {
        Iterator<ReadView.Entry> it = store.entrySet().stream().map(e -> new ReadView.Entry(e.getKey(), e.getValue()))
                .iterator();
        return ledger.stateRootOf(it);
    }

    private long balance(Address a) {
        return ledger.balance(store::get, a).longValueExact();
    }

    @BeforeEach
    void reset() {
        store.clear();
        block = 0;
    }

    @Test
    void genesisWritesAllocationsChainIdAndAccumulator() {
        StateTransition t = init(Map.of(ALICE, BigInteger.valueOf(1000), BOB, BigInteger.valueOf(5), CAROL, BigInteger.ZERO));
        assertTrue(t.receipts().isEmpty());
        assertEquals(1000, balance(ALICE));
        assertEquals(5, balance(BOB));
        assertEquals(0, balance(CAROL));
        assertEquals(0, ledger.nonce(store::get, ALICE));
        assertNull(store.get(Account.key(CAROL)), "a zero allocation is the absent account");
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 7}, store.get(LedgerState.CHAIN_ID_KEY));
        assertEquals(2048, store.get(LedgerState.LTHASH_KEY).length);
        assertEquals(t.stateRoot(), ledger.stateRoot(store::get));
        assertEquals(t.stateRoot(), fullRoot());
        // the account entry layout: s a address -> u64 nonce | 32-byte balance
        byte[] v = store.get(Keys.of(Keys.STATE, concat(new byte[] {'a'}, ALICE.toByteArray())));
        assertEquals(40, v.length);
        assertEquals(BigInteger.valueOf(1000), new BigInteger(1, Arrays.copyOfRange(v, 8, 40)));
    }

    @Test
    void genesisChecksModelSuiteAndSupply() {
        Genesis utxo = new Genesis(1, "secp256k1", "utxo", 0, List.of(), new TreeMap<>());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ledger.genesis(utxo)).getMessage().contains("utxo"));
        Genesis sm2 = new Genesis(1, "sm2", "account", 0, List.of(), new TreeMap<>());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ledger.genesis(sm2));
        assertTrue(e.getMessage().contains("sm2") && e.getMessage().contains("secp256k1"), e.getMessage());
        Genesis huge = genesis(Map.of(ALICE, Transaction.MAX_VALUE, BOB, BigInteger.ONE));
        assertThrows(IllegalArgumentException.class, () -> ledger.genesis(huge));
    }

    @Test
    void transferMovesValueAndBumpsTheNonce() {
        Hash g = init(Map.of(ALICE, BigInteger.valueOf(1000))).stateRoot();
        VerifiedTransaction t = tx(ALICE, 0, BOB, 300);
        StateTransition st = run(t);
        Receipt r = st.receipts().get(0);
        assertEquals(new Receipt(t.hash(), 1, 0, ALICE, Status.SUCCESS, ""), r);
        assertEquals(700, balance(ALICE));
        assertEquals(300, balance(BOB));
        assertEquals(1, ledger.nonce(store::get, ALICE));
        assertEquals(0, ledger.nonce(store::get, BOB));
        assertNotEquals(g, st.stateRoot());
        assertEquals(st.stateRoot(), ledger.stateRoot(store::get));
        assertEquals(st.stateRoot(), fullRoot());
        assertEquals(3, st.writes().size(), "two accounts and the accumulator");
    }

    @Test
    void aBundleWithATransferFeeBurnsItAndRefusesWhatCannotPayIt() {
        AccountLedger withFee = new AccountLedger(SUITE, BigInteger.TEN);
        init(Map.of(ALICE, BigInteger.valueOf(1000)));
        VerifiedTransaction paid = tx(ALICE, 0, BOB, 300);
        VerifiedTransaction short10 = tx(ALICE, 1, BOB, 695); // 690 left: 695 + 10 does not fit, 695 alone would
        StateTransition st = withFee.apply(++block, List.of(paid, short10), store::get);
        commit(st.writes());
        assertEquals(new Receipt(paid.hash(), 1, 0, ALICE, Status.SUCCESS, ""), st.receipts().get(0));
        assertEquals(new Receipt(short10.hash(), 1, 1, ALICE, Status.INSUFFICIENT_BALANCE,
                "balance 690 < value 695 + fee 10"), st.receipts().get(1));
        assertEquals(690, balance(ALICE), "value and fee paid");
        assertEquals(300, balance(BOB), "the fee goes to no one");
        assertEquals(st.stateRoot(), fullRoot());
        // the same block without the fee: another state root (which is why a fee comes with a rules version)
        TreeMap<byte[], byte[]> other = new TreeMap<>(Arrays::compareUnsigned);
        commit(other, ledger.genesis(genesis(Map.of(ALICE, BigInteger.valueOf(1000)))).writes());
        assertNotEquals(st.stateRoot(), ledger.apply(1, List.of(paid, short10), other::get).stateRoot());
        // the pool refuses what the block would: value and fee above the balance in state
        TxRejectedException e = assertThrows(TxRejectedException.class,
                () -> withFee.admit(tx(ALICE, 1, BOB, 681), store::get, Pending.NONE));
        assertEquals("account " + ALICE + " has balance 690, less than the value 681 + fee 10", e.getMessage());
        assertDoesNotThrow(() -> withFee.admit(tx(ALICE, 1, BOB, 680), store::get, Pending.NONE));
        assertDoesNotThrow(() -> ledger.admit(tx(ALICE, 1, BOB, 690), store::get, Pending.NONE));
        assertTrue(withFee.health().detail().contains("transfer fee 10 (burned)"), withFee.health().detail());
        assertFalse(ledger.health().detail().contains("fee"), ledger.health().detail());
    }

    @Test
    void theFeeHeaderIsADecimalAmount() {
        assertEquals(BigInteger.ZERO, new BigInteger(1, AccountLedger.fee(null, "b")));
        assertEquals(BigInteger.valueOf(25), new BigInteger(1, AccountLedger.fee(" 25 ", "b")));
        for (String bad : List.of("-1", "ten", "1.5", BigInteger.TWO.pow(256).toString())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AccountLedger.fee(bad, "b"));
            assertEquals("account ledger: bundle b declares Cairn-Transfer-Fee '" + bad
                    + "': a fee is a decimal amount from 0 to 2^256-1", e.getMessage());
        }
    }

    @Test
    void insufficientBalanceFailsButConsumesTheNonce() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        StateTransition st = run(tx(ALICE, 0, BOB, 101));
        Receipt r = st.receipts().get(0);
        assertEquals(Status.INSUFFICIENT_BALANCE, r.status());
        assertTrue(r.message().contains("100") && r.message().contains("101"), r.message());
        assertEquals(100, balance(ALICE));
        assertEquals(0, balance(BOB));
        assertEquals(1, ledger.nonce(store::get, ALICE));
        assertNull(store.get(Account.key(BOB)));
        assertEquals(st.stateRoot(), fullRoot());
    }

    @Test
    void badNonceChangesNothing() {
        Hash g = init(Map.of(ALICE, BigInteger.valueOf(100))).stateRoot();
        StateTransition st = run(tx(ALICE, 1, BOB, 1), tx(ALICE, 5, BOB, 1));
        for (Receipt r : st.receipts()) {
            assertEquals(Status.BAD_NONCE, r.status());
        }
        assertEquals("nonce 1, expected 0", st.receipts().get(0).message());
        assertEquals(g, st.stateRoot());
        assertEquals(0, ledger.nonce(store::get, ALICE));
        assertEquals(1, st.writes().size(), "only the (unchanged) accumulator");
    }

    @Test
    void wrongChainChangesNothing() {
        Hash g = init(Map.of(ALICE, BigInteger.valueOf(100))).stateRoot();
        StateTransition st = run(tx(ALICE, 99, 0, BOB, 1));
        assertEquals(Status.WRONG_CHAIN, st.receipts().get(0).status());
        assertEquals(g, st.stateRoot());
        assertEquals(100, balance(ALICE));
        assertEquals(0, ledger.nonce(store::get, ALICE));
    }

    @Test
    void laterTransactionsSeeEarlierWritesInTheBlock() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        StateTransition st = run(tx(ALICE, 0, BOB, 60), tx(ALICE, 1, BOB, 30), tx(BOB, 0, CAROL, 85),
                tx(ALICE, 2, CAROL, 11));
        assertEquals(List.of(Status.SUCCESS, Status.SUCCESS, Status.SUCCESS, Status.INSUFFICIENT_BALANCE),
                st.receipts().stream().map(Receipt::status).toList());
        assertEquals(List.of(0, 1, 2, 3), st.receipts().stream().map(Receipt::index).toList());
        assertEquals(10, balance(ALICE));
        assertEquals(5, balance(BOB));
        assertEquals(85, balance(CAROL));
        assertEquals(3, ledger.nonce(store::get, ALICE));
        assertEquals(st.stateRoot(), fullRoot());
    }

    @Test
    void selfTransferOnlyBumpsTheNonce() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        StateTransition st = run(tx(ALICE, 0, ALICE, 40));
        assertEquals(Status.SUCCESS, st.receipts().get(0).status());
        assertEquals(100, balance(ALICE));
        assertEquals(1, ledger.nonce(store::get, ALICE));
        assertEquals(st.stateRoot(), fullRoot());
    }

    @Test
    void sameTransactionsOnTheSameStateGiveTheSameResult() {
        init(Map.of(ALICE, BigInteger.valueOf(1000), BOB, BigInteger.valueOf(10)));
        List<VerifiedTransaction> txs = List.of(tx(ALICE, 0, BOB, 1), tx(BOB, 0, CAROL, 11), tx(ALICE, 1, CAROL, 7),
                tx(BOB, 1, ALICE, 100));
        StateTransition a = ledger.apply(1, txs, store::get);
        StateTransition b = new AccountLedger(SUITE).apply(1, txs, store::get);
        assertEquals(a.stateRoot(), b.stateRoot());
        assertEquals(a.receipts(), b.receipts());
        assertEquals(a.writes().size(), b.writes().size());
        for (int i = 0; i < a.writes().size(); i++) {
            assertArrayEquals(a.writes().ops().get(i).key(), b.writes().ops().get(i).key());
            assertArrayEquals(a.writes().ops().get(i).value(), b.writes().ops().get(i).value());
        }
    }

    @Test
    void incrementalRootEqualsFullRecomputationAfterRandomTransfers() {
        Random random = new Random(7);
        int accounts = 40;
        Map<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 1; i <= 20; i++) {
            alloc.put(addr(i), BigInteger.valueOf(1 + random.nextInt(10_000)));
        }
        init(alloc);
        long[] nonces = new long[accounts + 1];
        for (int b = 0; b < 30; b++) {
            List<VerifiedTransaction> txs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int from = 1 + random.nextInt(accounts);
                int to = 1 + random.nextInt(accounts);
                // mostly valid nonces, some stale or ahead; values sometimes above any balance
                long nonce = random.nextInt(10) == 0 ? nonces[from] + 1 : nonces[from];
                long value = random.nextInt(10) == 0 ? 1_000_000 : random.nextInt(3_000);
                long chain = random.nextInt(50) == 0 ? CHAIN + 1 : CHAIN;
                // both envelope versions, as a chain that lived through the upgrade holds them
                txs.add(random.nextBoolean() ? tx(addr(from), chain, nonce, addr(to), value)
                        : Transfers.v2(addr(from), chain, nonce, addr(to), value, new byte[0]));
                if (chain == CHAIN && nonce == nonces[from]) {
                    nonces[from]++;
                }
            }
            StateTransition st = ledger.apply(++block, txs, store::get);
            commit(st.writes());
            assertEquals(fullRoot(), st.stateRoot(), "block " + block);
            assertEquals(st.stateRoot(), ledger.stateRoot(store::get));
        }
        // the incremental roots above reused cached expansions of the entries they replaced
        int cached = ledger.cachedExpansions();
        assertTrue(cached > 0 && cached <= accounts, cached + " expansions cached for " + accounts + " accounts");
        for (int i = 1; i <= accounts; i++) {
            assertEquals(nonces[i], ledger.nonce(store::get, addr(i)), "nonce of account " + i);
        }
        BigInteger total = BigInteger.ZERO;
        for (int i = 1; i <= accounts; i++) {
            total = total.add(ledger.balance(store::get, addr(i)));
        }
        assertEquals(alloc.values().stream().reduce(BigInteger.ZERO, BigInteger::add), total, "transfers conserve supply");
    }

    @Test
    void aRestartedModelReadsTheChainIdFromState() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        AccountLedger restarted = new AccountLedger(SUITE);
        StateTransition st = restarted.apply(1, List.of(tx(ALICE, 0, BOB, 10), tx(ALICE, 99, 1, BOB, 10)), store::get);
        assertEquals(Status.SUCCESS, st.receipts().get(0).status());
        assertEquals(Status.WRONG_CHAIN, st.receipts().get(1).status());
    }

    @Test
    void v1AndV2TransfersOfTheSameContentLeadToTheSameState() {
        Map<Address, BigInteger> alloc = Map.of(ALICE, BigInteger.valueOf(100), BOB, BigInteger.valueOf(7));
        byte[] data = {1, 2, 3};
        List<VerifiedTransaction> v1 = List.of(Transfers.v1(ALICE, CHAIN, 0, BOB, 60, data),
                Transfers.v1(BOB, CHAIN, 0, CAROL, 67, new byte[0]), Transfers.v1(ALICE, CHAIN, 1, CAROL, 41, data),
                Transfers.v1(ALICE, CHAIN, 5, CAROL, 1, data), Transfers.v1(CAROL, 8, 0, ALICE, 1, data));
        List<VerifiedTransaction> v2 = new ArrayList<>();
        for (VerifiedTransaction t : v1) {
            Transaction legacy = Transaction.decode(t.encoded());
            v2.add(Transfers.v2(t.sender(), legacy.chainId(), legacy.nonce(), legacy.to(), legacy.value().longValueExact(),
                    legacy.data()));
            assertEquals(2, v2.get(v2.size() - 1).envelope().version());
            assertEquals(t.sender(), v2.get(v2.size() - 1).sender());
        }
        TreeMap<byte[], byte[]> other = new TreeMap<>(Arrays::compareUnsigned);
        Hash genesisRoot = init(alloc).stateRoot();
        commit(other, new AccountLedger(SUITE).genesis(genesis(alloc)).writes());

        StateTransition a = ledger.apply(1, v1, store::get);
        StateTransition b = ledger.apply(1, v2, other::get);
        assertEquals(a.stateRoot(), b.stateRoot());
        assertNotEquals(genesisRoot, a.stateRoot());
        assertEquals(List.of(Status.SUCCESS, Status.SUCCESS, Status.INSUFFICIENT_BALANCE, Status.BAD_NONCE,
                Status.WRONG_CHAIN), a.receipts().stream().map(Receipt::status).toList());
        for (int i = 0; i < v1.size(); i++) {
            Receipt r1 = a.receipts().get(i);
            Receipt r2 = b.receipts().get(i);
            assertEquals(v1.get(i).hash(), r1.txHash());
            assertEquals(v2.get(i).hash(), r2.txHash());
            // the receipts differ only in the transaction hash, which names the envelope
            assertEquals(new Receipt(r2.txHash(), r1.blockNumber(), r1.index(), r1.from(), r1.status(), r1.message()), r2);
        }
        assertEquals("balance 40 < value 41", a.receipts().get(2).message());
        assertEquals("nonce 5, expected 2", a.receipts().get(3).message());
        assertEquals("chainId 8, this chain is 7", a.receipts().get(4).message());
        assertEquals(a.writes().size(), b.writes().size());
        for (int i = 0; i < a.writes().size(); i++) {
            assertArrayEquals(a.writes().ops().get(i).key(), b.writes().ops().get(i).key());
            assertArrayEquals(a.writes().ops().get(i).value(), b.writes().ops().get(i).value());
        }
        commit(a.writes());
        commit(other, b.writes());
        assertEquals(fullRoot(), a.stateRoot());
        assertEquals(40, balance(ALICE));
        assertEquals(0, balance(BOB));
        assertEquals(67, balance(CAROL));
    }

    @Test
    void aBodyThatDoesNotDecodeMakesTheBlockInvalid() {
        Hash g = init(Map.of(ALICE, BigInteger.valueOf(100))).stateRoot();
        byte[] truncated = Arrays.copyOf(AccountBody.encode(1, BOB, BigInteger.ONE, new byte[0]), 20);
        VerifiedTransaction bad = Transfers.committed(Transfers.envelope(CHAIN, truncated, Transfers.key(1)).encoded());
        InvalidBlockException e = assertThrows(InvalidBlockException.class,
                () -> ledger.apply(1, List.of(tx(ALICE, 0, BOB, 1), bad), store::get));
        assertEquals(OptionalInt.of(1), e.transaction());
        assertEquals("transaction 1 (" + bad.hash() + "): account transfer body: truncated at to (offset 8, need 20 "
                + "bytes, have 12)", e.getMessage());
        assertEquals(g, ledger.stateRoot(store::get), "nothing was written");

        byte[] trailing = new Encoder().fixed(AccountBody.encode(0, BOB, BigInteger.ONE, new byte[0])).u8(0).toByteArray();
        VerifiedTransaction extra = Transfers.committed(Transfers.envelope(CHAIN, trailing, Transfers.key(1)).encoded());
        e = assertThrows(InvalidBlockException.class, () -> ledger.apply(1, List.of(extra), store::get));
        assertEquals(OptionalInt.of(0), e.transaction());
        assertTrue(e.getMessage().endsWith("account transfer body: 1 unexpected trailing bytes"), e.getMessage());
    }

    @Test
    void aTransferOfTwoSignersMakesTheBlockInvalid() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        byte[] body = AccountBody.encode(0, BOB, BigInteger.ONE, new byte[0]);
        VerifiedTransaction two = Transfers.verified(Transfers.envelope(CHAIN, body, Transfers.key(1), Transfers.key(2)));
        assertEquals(List.of(ALICE, BOB), two.signers());
        InvalidBlockException e = assertThrows(InvalidBlockException.class,
                () -> ledger.apply(1, List.of(tx(ALICE, 0, BOB, 1), tx(ALICE, 1, BOB, 1), two), store::get));
        assertEquals(OptionalInt.of(2), e.transaction());
        assertEquals("transaction 2 (" + two.hash() + "): an account transfer is signed by its sender alone; this one "
                + "has 2 signers", e.getMessage());
    }

    @Test
    void aTransactionOfAnotherLedgerMakesTheBlockInvalid() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        byte[] body = AccountBody.encode(0, BOB, BigInteger.ONE, new byte[0]);
        VerifiedTransaction utxo = Transfers.committed(io.cairn.api.chain.Envelope.sign(SUITE, CHAIN,
                io.cairn.api.chain.Envelope.UTXO, body, List.of(Transfers.key(1).privateKey())).encoded());
        InvalidBlockException e = assertThrows(InvalidBlockException.class,
                () -> ledger.apply(1, List.of(utxo), store::get));
        assertEquals(OptionalInt.of(0), e.transaction());
        assertTrue(e.getMessage().endsWith("transaction is for the utxo ledger (code 2), not the account ledger "
                + "(code 1)"), e.getMessage());
    }

    @Test
    void aBodyIsDecodedOncePerTransaction() throws Exception {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        VerifiedTransaction t = Transfers.v2(ALICE, 0, BOB, 5);
        AccountBody.Decoded first = AccountBody.of(t);
        ledger.claims(t);
        run(t);
        ledger.describe(t);
        assertSame(first, AccountBody.of(t), "the pool, the executor and the RPC share one decoding");
        assertEquals(0, first.body().nonce);
        assertEquals(BOB, first.body().to);
        assertEquals(BigInteger.valueOf(5), first.body().valueAmount());
    }

    @Test
    void noGenesisStateIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ledger.stateRoot(store::get));
        assertTrue(e.getMessage().contains("#lthash"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> ledger.apply(1, List.of(), store::get));
        assertTrue(e.getMessage().contains("#chainId"), e.getMessage());
    }

    @Test
    void metadataAndOtherSpacesStayOutOfTheRoot() {
        init(Map.of(ALICE, BigInteger.valueOf(100)));
        Hash before = fullRoot();
        store.put(Keys.of(Keys.STATE, "#other"), new byte[] {1});
        store.put(Keys.of(Keys.CHAIN, "H"), new byte[] {1});
        assertEquals(before, fullRoot());
        store.put(Keys.of(Keys.STATE, "x"), new byte[] {1});
        assertNotEquals(before, fullRoot(), "every non-meta state entry is committed to");
    }

    @Test
    void healthFollowsTheSuiteReference() {
        assertTrue(ledger.health().ready());
        Sha256Suite next = new Sha256Suite("secp256k1");
        ledger.bindSuite(next);
        ledger.unbindSuite(SUITE); // a greedy swap unbinds the old suite after binding the new one
        assertTrue(ledger.health().ready());
        ledger.unbindSuite(next);
        assertFalse(ledger.health().ready());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ledger.stateRoot(store::get));
        assertTrue(e.getMessage().contains("CryptoSuite"), e.getMessage());
        assertEquals("account", ledger.model());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
