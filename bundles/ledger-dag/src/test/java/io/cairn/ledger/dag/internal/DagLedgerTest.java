package io.cairn.ledger.dag.internal;

import static io.cairn.ledger.dag.internal.Dag.CHAIN;
import static io.cairn.ledger.dag.internal.Dag.SUITE;
import static io.cairn.ledger.dag.internal.Dag.addr;
import static io.cairn.ledger.dag.internal.Dag.receive;
import static io.cairn.ledger.dag.internal.Dag.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.CallerThreads;
import io.cairn.api.testing.Sha256Suite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Genesis, execution (both schedules), the state layout and root, and every reason a block is refused. */
class DagLedgerTest {
    private static final Address ALICE = addr(1);
    private static final Address BOB = addr(2);
    private static final Address CAROL = addr(3);
    private static final Hash ZERO = Hash.ZERO;
    private static final TestThreads.Fixed TWO = new TestThreads.Fixed(2);

    private final DagLedger ledger = new DagLedger(SUITE);
    private Dag.Store store;
    private long block;

    @AfterAll
    static void stopThreads() {
        TWO.close();
    }

    @BeforeEach
    void genesis() {
        store = new Dag.Store();
        block = 0;
        store.commit(ledger.genesis(Dag.genesis(Map.of(ALICE, BigInteger.valueOf(1000), BOB, BigInteger.valueOf(50),
                CAROL, BigInteger.ZERO))));
    }

    /** Runs a block with both schedules, checks they agree and the root is the full recomputation, commits it. */
    private StateTransition run(VerifiedTransaction... txs) {
        block++;
        StateTransition serial = ledger.applySerially(block, List.of(txs), store::get);
        StateTransition parallel = ledger.applyInParallel(block, List.of(txs), store::get, TWO, 1, 1);
        assertSameTransition(serial, parallel);
        store.commit(serial);
        assertEquals(ledger.stateRootOf(store.scan()), serial.stateRoot(), "the incremental root is the full one");
        assertEquals(serial.stateRoot(), ledger.stateRoot(store::get));
        return serial;
    }

    static void assertSameTransition(StateTransition a, StateTransition b) {
        assertEquals(a.receipts(), b.receipts());
        assertEquals(a.stateRoot(), b.stateRoot());
        List<WriteBatch.Op> x = a.writes().ops();
        List<WriteBatch.Op> y = b.writes().ops();
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) {
            assertArrayEquals(x.get(i).key(), y.get(i).key(), "write " + i);
            assertArrayEquals(x.get(i).value(), y.get(i).value(), "write " + i);
        }
    }

    /** The block is refused, by both schedules alike, for transaction {@code index} with {@code why}. */
    private void refused(int index, String why, VerifiedTransaction... txs) {
        List<VerifiedTransaction> list = List.of(txs);
        InvalidBlockException serial = assertThrows(InvalidBlockException.class,
                () -> ledger.applySerially(block + 1, list, store::get));
        String expected = "transaction " + index + " (" + txs[index].hash() + "): " + why;
        assertEquals(expected, serial.getMessage());
        assertEquals(OptionalInt.of(index), serial.transaction());
        for (int seed = 0; seed < 4; seed++) {
            TestThreads.Shuffled shuffled = new TestThreads.Shuffled(3, seed);
            InvalidBlockException p = assertThrows(InvalidBlockException.class, () -> ledger.applyInParallel(block + 1,
                    list, store::get, shuffled, 1, 1));
            assertEquals(expected, p.getMessage());
            assertEquals(OptionalInt.of(index), p.transaction());
        }
        InvalidBlockException p = assertThrows(InvalidBlockException.class,
                () -> ledger.applyInParallel(block + 1, list, store::get, TWO, 1, 1));
        assertEquals(expected, p.getMessage());
        // the component's own choice of schedule too
        assertEquals(expected, assertThrows(InvalidBlockException.class,
                () -> new DagLedger(SUITE, TWO, 1).apply(block + 1, list, store::get)).getMessage());
    }

    private DagState.Account account(Address a) {
        return DagState.Account.load(store::get, a);
    }

    private long balance(Address a) {
        return ledger.balance(store::get, a).longValueExact();
    }

    private static byte[] key(char tag, byte[]... parts) {
        Encoder e = new Encoder().u8(Keys.STATE).u8(tag);
        for (byte[] p : parts) {
            e.fixed(p);
        }
        return e.toByteArray();
    }

    // ---------------------------------------------------------------- genesis

    @Test
    void genesisWritesAccountsChainIdAndAccumulator() {
        // the account entry: s h address -> head[32] | u64 height | balance[32]
        byte[] alice = store.get(key('h', ALICE.toByteArray()));
        assertArrayEquals(new Encoder().fixed(new byte[32]).u64(0).fixed(io.cairn.api.chain.Uint256.toBytes(
                BigInteger.valueOf(1000))).toByteArray(), alice);
        assertNull(store.get(key('h', CAROL.toByteArray())), "a zero allocation is the absent account");
        assertEquals(1000, balance(ALICE));
        assertEquals(0, balance(CAROL));
        assertSame(DagState.Account.NONE, account(CAROL), "never used");
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 7}, store.get(DagState.CHAIN_ID_KEY));
        assertEquals(2048, store.get(DagState.LTHASH_KEY).length);
        assertEquals(ledger.stateRootOf(store.scan()), ledger.stateRoot(store::get));
        assertEquals(4, store.entries.size(), "two accounts, the chain id, the accumulator");
    }

    @Test
    void genesisChecksModelSuiteAndSupply() {
        Genesis account = new Genesis(1, "secp256k1", "account", 0, List.of(), new TreeMap<>());
        assertEquals("genesis names ledger model 'account', this engine is 'dag'",
                assertThrows(IllegalArgumentException.class, () -> ledger.genesis(account)).getMessage());
        Genesis sm2 = new Genesis(1, "sm2", "dag", 0, List.of(), new TreeMap<>());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ledger.genesis(sm2));
        assertTrue(e.getMessage().contains("sm2") && e.getMessage().contains("secp256k1"), e.getMessage());
        Genesis huge = Dag.genesis(Map.of(ALICE, Transaction.MAX_VALUE, BOB, BigInteger.ONE));
        assertThrows(IllegalArgumentException.class, () -> ledger.genesis(huge));
    }

    // ---------------------------------------------------------------- execution

    @Test
    void aSendLeavesAReceivableAndTheReceiveTakesIt() {
        VerifiedTransaction s = send(ALICE, ZERO, BOB, 300);
        StateTransition st = run(s);
        assertEquals(List.of(new Receipt(s.hash(), 1, 0, ALICE, Receipt.Status.SUCCESS, "")), st.receipts());
        assertEquals(s.hash(), account(ALICE).head());
        assertEquals(1, account(ALICE).height());
        assertEquals(700, balance(ALICE));
        assertEquals(50, balance(BOB), "a send is not the recipient's until received");
        // the receivable, the transaction index (no chain index: a chain is walked back through the previous)
        assertArrayEquals(new Encoder().fixed(BOB.toByteArray()).fixed(io.cairn.api.chain.Uint256.toBytes(
                BigInteger.valueOf(300))).toByteArray(), store.get(key('r', s.hash().toByteArray())));
        assertArrayEquals(new Encoder().fixed(ALICE.toByteArray()).u64(1).u8(1).fixed(ZERO.toByteArray()).toByteArray(),
                store.get(key('t', s.hash().toByteArray())));
        assertEquals(4, st.writes().size(), "tx index, receivable, account, accumulator");

        VerifiedTransaction r = receive(BOB, ZERO, s.hash());
        st = run(r);
        assertEquals(new Receipt(r.hash(), 2, 0, BOB, Receipt.Status.SUCCESS, ""), st.receipts().get(0));
        assertEquals(350, balance(BOB));
        assertEquals(r.hash(), account(BOB).head());
        assertEquals(1, account(BOB).height());
        assertNull(store.get(key('r', s.hash().toByteArray())), "received: the receivable is gone");
        assertArrayEquals(new Encoder().fixed(BOB.toByteArray()).u64(1).u8(2).fixed(ZERO.toByteArray()).toByteArray(),
                store.get(key('t', r.hash().toByteArray())));
        List<WriteBatch.Op> ops = st.writes().ops();
        assertEquals(4, ops.size(), "tx index, the receivable's delete, account, accumulator");
        assertTrue(ops.get(1).isDelete());
        assertArrayEquals(key('r', s.hash().toByteArray()), ops.get(1).key());
    }

    @Test
    void aChainAndItsReceivesRunInOneBlock() {
        VerifiedTransaction a1 = send(ALICE, ZERO, BOB, 100);
        VerifiedTransaction a2 = send(ALICE, a1.hash(), CAROL, 200);
        VerifiedTransaction b1 = receive(BOB, ZERO, a1.hash());
        VerifiedTransaction b2 = send(BOB, b1.hash(), CAROL, 150);
        VerifiedTransaction c1 = receive(CAROL, ZERO, b2.hash());
        VerifiedTransaction c2 = receive(CAROL, c1.hash(), a2.hash());
        StateTransition st = run(a1, b1, a2, b2, c1, c2);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), st.receipts().stream().map(Receipt::index).toList());
        assertEquals(List.of(ALICE, BOB, ALICE, BOB, CAROL, CAROL), st.receipts().stream().map(Receipt::from).toList());
        assertEquals(700, balance(ALICE));
        assertEquals(0, balance(BOB));
        assertEquals(350, balance(CAROL));
        assertEquals(2, account(CAROL).height());
        assertEquals(c2.hash(), account(CAROL).head());
        // every send was received in the block: no receivable is written
        for (VerifiedTransaction s : List.of(a1, a2, b2)) {
            assertNull(store.get(key('r', s.hash().toByteArray())));
        }
        // 6 tx index entries + 3 accounts + the accumulator
        assertEquals(10, st.writes().size());
        assertEquals(List.of(a1.hash(), a2.hash()), chain(ALICE));
        assertEquals(List.of(c1.hash(), c2.hash()), chain(CAROL));
    }

    private List<Hash> chain(Address a) {
        List<Hash> out = new ArrayList<>();
        DagState.Account at = account(a);
        for (long h = 1; h <= at.height(); h++) {
            out.add(DagState.chainAt(store::get, at.head(), at.height(), h, DagState.MAX_WALK));
        }
        return out;
    }

    @Test
    void aSendToOneselfIsReceivedLikeAnyOther() {
        VerifiedTransaction s = send(ALICE, ZERO, ALICE, 400);
        VerifiedTransaction r = receive(ALICE, s.hash(), s.hash());
        run(s, r);
        assertEquals(1000, balance(ALICE));
        assertEquals(2, account(ALICE).height());
    }

    @Test
    void anEmptyBlockChangesNothing() {
        Hash before = ledger.stateRoot(store::get);
        StateTransition st = run();
        assertEquals(before, st.stateRoot());
        assertEquals(1, st.writes().size(), "only the (unchanged) accumulator");
        assertTrue(st.receipts().isEmpty());
    }

    @Test
    void theSameBlockGivesTheSameResultOnEveryScheduleAndInstance() {
        List<VerifiedTransaction> txs = new ArrayList<>();
        VerifiedTransaction a1 = send(ALICE, ZERO, BOB, 1);
        txs.add(a1);
        Hash prev = a1.hash();
        for (int i = 0; i < 40; i++) {
            VerifiedTransaction t = send(ALICE, prev, addr(10 + i), 1 + i);
            txs.add(t);
            prev = t.hash();
        }
        txs.add(receive(BOB, ZERO, a1.hash()));
        StateTransition a = ledger.applySerially(1, txs, store::get);
        assertSameTransition(a, new DagLedger(SUITE).apply(1, txs, store::get));
        assertSameTransition(a, new DagLedger(SUITE, TWO, 1).apply(1, txs, store::get));
        assertSameTransition(a, ledger.applyInParallel(1, txs, store::get, new TestThreads.Shuffled(4, 9), 1, 1));
        assertSameTransition(a, ledger.applyInParallel(1, txs, store::get, TWO, 1, 64));
        assertSameTransition(a, ledger.applyInParallel(1, txs, store::get, NodeThreads.DIRECT, 1, 1));
    }

    @Test
    void aWideWaveIsSplitAcrossTheThreadsAndANarrowOneIsNot() {
        List<VerifiedTransaction> sends = new ArrayList<>();
        Map<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < 64; i++) {
            alloc.put(addr(200 + i), BigInteger.TEN);
        }
        store = new Dag.Store().commit(ledger.genesis(Dag.genesis(alloc)));
        for (int i = 0; i < 64; i++) {
            sends.add(send(addr(200 + i), ZERO, addr(200 + (i + 1) % 64), 1 + i % 10));
        }
        CallerThreads threads = new CallerThreads(2);
        StateTransition a = new DagLedger(SUITE, threads, 32).apply(1, sends, store::get);
        assertEquals(2 * BlockRun.PARTS_PER_THREAD, threads.mostParts.get(), "one wave of 64, in 16 parts per thread");
        assertSameTransition(ledger.applySerially(1, sends, store::get), a);
        CallerThreads narrow = new CallerThreads(2);
        new DagLedger(SUITE, narrow, 65).apply(1, sends, store::get);
        assertEquals(0, narrow.mostParts.get(), "a block below minParallel runs serially");
        // a chain is one transaction per wave: nothing to split
        CallerThreads chain = new CallerThreads(2);
        List<VerifiedTransaction> txs = new ArrayList<>();
        Hash prev = ZERO;
        for (int i = 0; i < 40; i++) {
            VerifiedTransaction t = send(ALICE, prev, BOB, 1);
            txs.add(t);
            prev = t.hash();
        }
        store = new Dag.Store();
        genesis();
        assertSameTransition(ledger.applySerially(1, txs, store::get),
                new DagLedger(SUITE, chain, 1).apply(1, txs, store::get));
        assertEquals(0, chain.mostParts.get(), "40 waves of one transaction each run on the calling thread");
    }

    @Test
    void aBodyIsDecodedOncePerTransaction() throws Exception {
        VerifiedTransaction t = send(ALICE, ZERO, BOB, 5);
        DagBody.Decoded first = DagBody.of(t);
        ledger.claims(t);
        run(t);
        ledger.describe(t);
        assertSame(first, DagBody.of(t), "the pool, the executor and the RPC share one decoding");
    }

    @Test
    void theRootCachesTheEntriesItWillSubtractAgain() {
        VerifiedTransaction s = send(ALICE, ZERO, BOB, 5);
        run(s);
        assertEquals(1, ledger.cachedExpansions(), "ALICE's entry (receivables are not cached)");
        run(receive(BOB, ZERO, s.hash()));
        assertEquals(2, ledger.cachedExpansions(), "ALICE's and BOB's entries");
        run(send(BOB, account(BOB).head(), ALICE, 1));
        assertEquals(2, ledger.cachedExpansions(), "BOB's old entry left, its new one came");
    }

    // ---------------------------------------------------------------- refused blocks

    @Test
    void aBodyThatDoesNotDecodeMakesTheBlockInvalid() {
        byte[] truncated = Arrays.copyOf(DagBody.send(ZERO, BOB, BigInteger.ONE), 40);
        VerifiedTransaction bad = Dag.signed(CHAIN, truncated, Dag.key(1));
        refused(1, "dag body: truncated at to (offset 33, need 20 bytes, have 7)", send(BOB, ZERO, ALICE, 1), bad);
        VerifiedTransaction two = Dag.signed(CHAIN, DagBody.send(ZERO, BOB, BigInteger.ONE), Dag.key(1), Dag.key(2));
        refused(0, "a dag transaction is signed by its account's owner alone; this one has 2 signers", two);
        VerifiedTransaction account = Dag.committed(Dag.envelope(CHAIN, Envelope.ACCOUNT,
                DagBody.send(ZERO, BOB, BigInteger.ONE), Dag.key(1)));
        refused(0, "transaction is for the account ledger (code 1), not the dag ledger (code 3)", account);
        refused(0, "transaction is for chain 8, this is chain 7", send(ALICE, 8, ZERO, BOB, 1));
    }

    @Test
    void aParentLaterInTheBlockMakesItInvalid() {
        VerifiedTransaction a1 = send(ALICE, ZERO, BOB, 1);
        VerifiedTransaction a2 = send(ALICE, a1.hash(), BOB, 1);
        refused(0, "previous transaction " + a1.hash() + " is transaction 1 of this block, which comes after it", a2, a1);
        VerifiedTransaction r = receive(BOB, ZERO, a1.hash());
        refused(0, "source " + a1.hash() + " is transaction 1 of this block, which comes after it", r, a1);
    }

    @Test
    void aForkFarBehindTheHeadIsNamedWithoutWalkingTheWholeChain() {
        List<VerifiedTransaction> chain = new ArrayList<>();
        Hash prev = ZERO;
        for (int i = 0; i < DagState.MAX_WALK + 3; i++) {
            VerifiedTransaction t = send(ALICE, prev, BOB, 1);
            chain.add(t);
            prev = t.hash();
        }
        run(chain.toArray(new VerifiedTransaction[0]));
        Hash head = account(ALICE).head();
        refused(0, "previous is zero (the start of a chain) but account " + ALICE + " already has a chain, its head is "
                + head + ": a fork", send(ALICE, ZERO, CAROL, 1));
        refused(0, "previous transaction " + chain.get(0).hash() + " of account " + ALICE + " is already followed by "
                + "another transaction (its head is " + head + "): a fork", send(ALICE, chain.get(0).hash(), CAROL, 1));
        // within reach, the follower is named
        refused(0, "previous transaction " + chain.get(2).hash() + " of account " + ALICE + " is already followed by "
                + "transaction " + chain.get(3).hash() + ": a fork", send(ALICE, chain.get(2).hash(), CAROL, 1));
    }

    @Test
    void aForkMakesTheBlockInvalid() {
        VerifiedTransaction x = send(ALICE, ZERO, BOB, 1);
        VerifiedTransaction y = send(ALICE, ZERO, CAROL, 1);
        refused(1, "it and transaction 0 (" + x.hash() + ") both start account " + ALICE + "'s chain: a fork", x, y);
        VerifiedTransaction x2 = send(ALICE, x.hash(), BOB, 2);
        VerifiedTransaction y2 = receive(ALICE, x.hash(), x.hash());
        refused(2, "it and transaction 1 (" + x2.hash() + ") both follow " + x.hash() + " of account " + ALICE
                + ": a fork", x, x2, y2);
        // the same transaction twice follows one previous twice
        refused(1, "it and transaction 0 (" + x.hash() + ") both start account " + ALICE + "'s chain: a fork", x, x);

        // against the state: an older transaction of the account, or the start of a chain that has begun
        run(x, x2);
        refused(0, "previous transaction " + x.hash() + " of account " + ALICE + " is already followed by transaction "
                + x2.hash() + ": a fork", send(ALICE, x.hash(), CAROL, 1));
        refused(0, "previous is zero (the start of a chain) but account " + ALICE + " already has a chain that starts "
                + "with transaction " + x.hash() + ": a fork", y);
        refused(0, "previous transaction " + x.hash() + " of account " + ALICE + " is already followed by transaction "
                + x2.hash() + ": a fork", x2, send(BOB, ZERO, CAROL, 1));
    }

    @Test
    void aPreviousOfAnotherAccountOrNoneMakesTheBlockInvalid() {
        VerifiedTransaction a = send(ALICE, ZERO, BOB, 1);
        refused(1, "previous transaction " + a.hash() + " is account " + ALICE + "'s, not " + BOB + "'s", a,
                send(BOB, a.hash(), CAROL, 1));
        run(a);
        refused(0, "previous transaction " + a.hash() + " is account " + ALICE + "'s, not " + BOB + "'s",
                send(BOB, a.hash(), CAROL, 1));
        Hash nowhere = Hash.of(SUITE.hash(new byte[] {1}));
        refused(0, "previous transaction " + nowhere + " of account " + BOB + " does not exist",
                send(BOB, nowhere, CAROL, 1));
        refused(0, "previous transaction " + nowhere + " of account " + CAROL + " does not exist",
                receive(CAROL, nowhere, a.hash()));
    }

    @Test
    void aSendAboveTheBalanceMakesTheBlockInvalid() {
        refused(0, "account " + ALICE + " has balance 1000, less than the amount 1001", send(ALICE, ZERO, BOB, 1001));
        VerifiedTransaction a1 = send(ALICE, ZERO, BOB, 600);
        refused(1, "account " + ALICE + " has balance 400, less than the amount 401", a1,
                send(ALICE, a1.hash(), BOB, 401));
        refused(0, "account " + CAROL + " has balance 0, less than the amount 1", send(CAROL, ZERO, BOB, 1));
        // what a receive brings in the block counts
        VerifiedTransaction b1 = receive(BOB, ZERO, a1.hash());
        refused(2, "account " + BOB + " has balance 650, less than the amount 651", a1, b1,
                send(BOB, b1.hash(), CAROL, 651));
        run(a1, b1, send(BOB, b1.hash(), CAROL, 650));
        assertEquals(0, balance(BOB));
        assertEquals(400, balance(ALICE));
    }

    @Test
    void aReceiveOfWhatIsNotAReceivableSendToItMakesTheBlockInvalid() {
        VerifiedTransaction s = send(ALICE, ZERO, BOB, 10);
        VerifiedTransaction r = receive(BOB, ZERO, s.hash());
        // in the block
        refused(1, "send " + s.hash() + " is to " + BOB + ", not to " + CAROL, s, receive(CAROL, ZERO, s.hash()));
        refused(2, "source " + r.hash() + " is a receive, not a send", s, r, receive(CAROL, ZERO, r.hash()));
        refused(2, "send " + s.hash() + " is already received by transaction 1 (" + r.hash() + ") of this block", s, r,
                receive(BOB, r.hash(), s.hash()));
        // in state
        run(s);
        refused(0, "send " + s.hash() + " is to " + BOB + ", not to " + CAROL, receive(CAROL, ZERO, s.hash()));
        Hash nowhere = Hash.of(SUITE.hash(new byte[] {2}));
        refused(0, "send " + nowhere + " does not exist", receive(BOB, ZERO, nowhere));
        run(r);
        refused(0, "send " + s.hash() + " is already received", receive(BOB, r.hash(), s.hash()));
        refused(0, "source " + r.hash() + " is a receive, not a send", receive(CAROL, ZERO, r.hash()));
    }

    @Test
    void theLowestFailingTransactionNamesTheBlocksFault() {
        VerifiedTransaction a1 = send(ALICE, ZERO, BOB, 600);
        VerifiedTransaction a2 = send(ALICE, a1.hash(), BOB, 500); // 400 left: fails, in wave 1
        VerifiedTransaction b1 = send(BOB, ZERO, CAROL, 51); // 50: fails, in wave 0
        VerifiedTransaction bad = Dag.signed(CHAIN, new byte[] {9}, Dag.key(3)); // refused by the plan
        // a2 is the fault though b1's wave runs first
        refused(1, "account " + ALICE + " has balance 400, less than the amount 500", a1, a2, b1, bad);
        // a failure in the run before the plan's first refusal wins, and the other way round
        refused(1, "account " + BOB + " has balance 50, less than the amount 51", a1, b1, bad);
        refused(1, "dag body: kind 9 is neither 1 (send) nor 2 (receive)", a1, bad, b1);
    }

    @Test
    void aCommittedTransactionCannotRunAgain() {
        VerifiedTransaction s = send(ALICE, ZERO, BOB, 10);
        run(s);
        refused(0, "previous is zero (the start of a chain) but account " + ALICE + " already has a chain that starts "
                + "with transaction " + s.hash() + ": a fork", s);
    }

    // ---------------------------------------------------------------- the state root and the surface

    @Test
    void noGenesisStateIsNamed() {
        Dag.Store empty = new Dag.Store();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ledger.stateRoot(empty::get));
        assertTrue(e.getMessage().contains("#lthash"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> ledger.apply(1, List.of(), empty::get));
        assertTrue(e.getMessage().contains("#chainId"), e.getMessage());
    }

    @Test
    void metadataAndOtherSpacesStayOutOfTheRoot() {
        Hash before = ledger.stateRootOf(store.scan());
        store.entries.put(Keys.of(Keys.STATE, "#other"), new byte[] {1});
        store.entries.put(Keys.of(Keys.CHAIN, "H"), new byte[] {1});
        assertEquals(before, ledger.stateRootOf(store.scan()));
        store.entries.put(Keys.of(Keys.STATE, "x"), new byte[] {1});
        assertNotEquals(before, ledger.stateRootOf(store.scan()), "every non-meta state entry is committed to");
    }

    @Test
    void healthFollowsTheSuiteReferenceAndNamesTheSchedule() {
        assertTrue(ledger.health().ready());
        assertTrue(ledger.health().detail().endsWith("blocks run serially"), ledger.health().detail());
        DagLedger parallel = new DagLedger(SUITE, TWO, 32);
        assertTrue(parallel.health().detail().endsWith("blocks run in parallel on 2 threads"),
                parallel.health().detail());
        parallel.unbindThreads(TWO);
        assertTrue(parallel.health().detail().endsWith("blocks run serially"));
        Sha256Suite next = new Sha256Suite("secp256k1");
        ledger.bindSuite(next);
        ledger.unbindSuite(SUITE); // a greedy swap unbinds the old suite after binding the new one
        assertTrue(ledger.health().ready());
        ledger.unbindSuite(next);
        assertFalse(ledger.health().ready());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ledger.stateRoot(store::get));
        assertTrue(e.getMessage().contains("CryptoSuite"), e.getMessage());
        assertEquals("dag", ledger.model());
        assertEquals(Envelope.DAG, ledger.code());
    }
}
