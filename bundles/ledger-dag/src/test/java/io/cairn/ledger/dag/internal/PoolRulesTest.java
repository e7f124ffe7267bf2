package io.cairn.ledger.dag.internal;

import static io.cairn.ledger.dag.internal.Dag.CHAIN;
import static io.cairn.ledger.dag.internal.Dag.SUITE;
import static io.cairn.ledger.dag.internal.Dag.addr;
import static io.cairn.ledger.dag.internal.Dag.receive;
import static io.cairn.ledger.dag.internal.Dag.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The DAG model's pool contract (claims, available, conflict, admit), describe and its queries. */
class PoolRulesTest {
    private static final Address ALICE = addr(1);
    private static final Address BOB = addr(2);
    private static final Address CAROL = addr(3);
    private static final Hash ZERO = Hash.ZERO;
    private static final Hash NOWHERE = Hash.of(SUITE.hash(new byte[] {42}));

    private final DagLedger ledger = new DagLedger(SUITE);
    private final Dag.Store store = new Dag.Store();
    /** ALICE sent 100 to BOB (received) and 200 to CAROL (not received): ALICE 700 at a2, BOB 150 at b1. */
    private VerifiedTransaction a1;
    private VerifiedTransaction a2;
    private VerifiedTransaction b1;

    @BeforeEach
    void chain() {
        store.commit(ledger.genesis(Dag.genesis(Map.of(ALICE, BigInteger.valueOf(1000), BOB, BigInteger.valueOf(50)))));
        a1 = send(ALICE, ZERO, BOB, 100);
        a2 = send(ALICE, a1.hash(), CAROL, 200);
        store.commit(ledger.apply(1, List.of(a1, a2), store::get));
        b1 = receive(BOB, ZERO, a1.hash());
        store.commit(ledger.apply(2, List.of(b1), store::get));
    }

    private static TxRejectedException rejected(Reason reason, Executable call) {
        TxRejectedException e = assertThrows(TxRejectedException.class, call);
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    private static LedgerKey head(Address a, Hash previous) {
        return DagKeys.head(a, previous);
    }

    private boolean available(LedgerKey key) throws TxRejectedException {
        return ledger.available(store::get, key, Pending.NONE, 1000);
    }

    // ---------------------------------------------------------------- claims

    @Test
    void aSendConsumesItsHeadSlotAndProducesTheNextAndItsReceivable() throws TxRejectedException {
        VerifiedTransaction s = send(ALICE, a2.hash(), BOB, 5);
        Claims c = ledger.claims(s);
        assertEquals(List.of(head(ALICE, a2.hash())), c.consumes());
        assertEquals(List.of(head(ALICE, s.hash()), DagKeys.receivable(s.hash())), c.produces());
        VerifiedTransaction r = receive(CAROL, ZERO, a2.hash());
        c = ledger.claims(r);
        assertEquals(List.of(head(CAROL, ZERO), DagKeys.receivable(a2.hash())), c.consumes());
        assertEquals(List.of(head(CAROL, r.hash())), c.produces());
        // the keys' bytes: 'h' | account | tx, 'r' | send
        assertArrayEquals(new Encoder().u8('h').fixed(ALICE.toByteArray()).fixed(a2.hash().toByteArray()).toByteArray(),
                head(ALICE, a2.hash()).bytes());
        assertArrayEquals(new Encoder().u8('r').fixed(a2.hash().toByteArray()).toByteArray(),
                DagKeys.receivable(a2.hash()).bytes());
        assertEquals(new DagKeys.Slot(ALICE, a2.hash()), DagKeys.slot(head(ALICE, a2.hash())));
        assertEquals(a2.hash(), DagKeys.send(DagKeys.receivable(a2.hash())));
        assertThrows(IllegalArgumentException.class, () -> DagKeys.slot(DagKeys.receivable(a2.hash())));
        assertThrows(IllegalArgumentException.class, () -> DagKeys.send(head(ALICE, ZERO)));
    }

    @Test
    void aBodyThatDoesNotDecodeIsMalformedNamingTheField() {
        byte[] sendBody = DagBody.send(a2.hash(), BOB, BigInteger.TEN);
        byte[] receiveBody = DagBody.receive(ZERO, a2.hash());
        Map<byte[], String> bodies = new LinkedHashMap<>();
        bodies.put(new byte[0], "dag body: truncated at kind (offset 0, need 1 bytes, have 0)");
        bodies.put(new byte[] {3}, "dag body: kind 3 is neither 1 (send) nor 2 (receive)");
        bodies.put(Arrays.copyOf(sendBody, 11), "dag body: truncated at previous (offset 1, need 32 bytes, have 10)");
        bodies.put(Arrays.copyOf(sendBody, 40), "dag body: truncated at to (offset 33, need 20 bytes, have 7)");
        bodies.put(Arrays.copyOf(sendBody, 60), "dag body: truncated at amount (offset 53, need 32 bytes, have 7)");
        bodies.put(Arrays.copyOf(sendBody, sendBody.length + 1), "dag body: 1 unexpected trailing bytes");
        bodies.put(new Encoder().fixed(Arrays.copyOf(sendBody, 53)).fixed(new byte[32]).toByteArray(),
                "dag body: amount is 0; a send moves at least 1");
        bodies.put(Arrays.copyOf(receiveBody, 40), "dag body: truncated at source (offset 33, need 32 bytes, have 7)");
        bodies.put(DagBody.receive(a2.hash(), ZERO), "dag body: source is 32 zero bytes, which names no send");
        bodies.put(Arrays.copyOf(receiveBody, receiveBody.length + 2), "dag body: 2 unexpected trailing bytes");
        for (Map.Entry<byte[], String> b : bodies.entrySet()) {
            VerifiedTransaction t = Dag.verified(Dag.envelope(CHAIN, Envelope.DAG, b.getKey(), Dag.key(1)));
            assertEquals(b.getValue(), rejected(Reason.MALFORMED, () -> ledger.claims(t)).getMessage());
            assertEquals(b.getValue(), rejected(Reason.MALFORMED, () -> ledger.describe(t)).getMessage());
            assertEquals(b.getValue(), rejected(Reason.MALFORMED, () -> ledger.admit(t, store::get, Pending.NONE))
                    .getMessage());
        }
        assertEquals(85, sendBody.length);
        assertEquals(65, receiveBody.length);
    }

    @Test
    void aTransactionSignedByMoreThanItsOwnerIsRefused() {
        byte[] body = DagBody.send(a2.hash(), BOB, BigInteger.ONE);
        VerifiedTransaction two = Dag.verified(Dag.envelope(CHAIN, Envelope.DAG, body, Dag.key(1), Dag.key(2)));
        assertEquals("a dag transaction is signed by its account's owner alone; this one has 2 signers",
                rejected(Reason.EXTRA_SIGNER, () -> ledger.claims(two)).getMessage());
        rejected(Reason.EXTRA_SIGNER, () -> ledger.admit(two, store::get, Pending.NONE));
        rejected(Reason.EXTRA_SIGNER, () -> ledger.describe(two));
    }

    @Test
    void anEnvelopeOfAnotherLedgerIsNotADagTransaction() {
        byte[] body = DagBody.send(a2.hash(), BOB, BigInteger.ONE);
        VerifiedTransaction utxo = Dag.committed(Dag.envelope(CHAIN, Envelope.UTXO, body, Dag.key(1)));
        assertEquals("transaction is for the utxo ledger (code 2), not the dag ledger (code 3)",
                rejected(Reason.WRONG_LEDGER, () -> ledger.claims(utxo)).getMessage());
    }

    // ---------------------------------------------------------------- available

    @Test
    void theHeadSlotOfTheAccountsHeadIsAvailable() throws TxRejectedException {
        assertTrue(available(head(ALICE, a2.hash())));
        assertTrue(available(head(BOB, b1.hash())));
        assertTrue(available(head(CAROL, ZERO)), "an account never used starts at zero");
        assertTrue(available(head(addr(9), ZERO)));
    }

    @Test
    void anOlderSlotIsAForkAndAnUnknownOrForeignOneIsNoParent() {
        assertEquals("previous transaction " + a1.hash() + " of account " + ALICE + " is already followed by transaction "
                + a2.hash() + ": a fork", rejected(Reason.FORK, () -> available(head(ALICE, a1.hash()))).getMessage());
        assertEquals("previous is zero (the start of a chain) but account " + ALICE + " already has a chain that starts "
                + "with transaction " + a1.hash() + ": a fork",
                rejected(Reason.FORK, () -> available(head(ALICE, ZERO))).getMessage());
        assertEquals("previous transaction " + a1.hash() + " is account " + ALICE + "'s, not " + BOB + "'s",
                rejected(Reason.WRONG_PARENT, () -> available(head(BOB, a1.hash()))).getMessage());
        assertEquals("previous transaction " + NOWHERE + " of account " + CAROL + " does not exist",
                rejected(Reason.UNKNOWN_PARENT, () -> available(head(CAROL, NOWHERE))).getMessage());
    }

    @Test
    void aReceivableIsAvailableUntilReceived() throws TxRejectedException {
        assertTrue(available(DagKeys.receivable(a2.hash())));
        assertEquals("send " + a1.hash() + " is already received",
                rejected(Reason.ALREADY_RECEIVED, () -> available(DagKeys.receivable(a1.hash()))).getMessage());
        assertEquals("source " + b1.hash() + " is a receive, not a send",
                rejected(Reason.WRONG_PARENT, () -> available(DagKeys.receivable(b1.hash()))).getMessage());
        assertEquals("send " + NOWHERE + " does not exist",
                rejected(Reason.UNKNOWN_PARENT, () -> available(DagKeys.receivable(NOWHERE))).getMessage());
    }

    @Test
    void aKeyThatIsNotTheModelsIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> available(LedgerKey.of(new byte[] {'n', 1})));
        assertThrows(IllegalArgumentException.class, () -> available(LedgerKey.of(new byte[] {'h', 1})));
    }

    @Test
    void aSlotOrReceivableAPendingTransactionConsumesIsTaken() {
        VerifiedTransaction holder = send(ALICE, a2.hash(), BOB, 1);
        VerifiedTransaction second = send(ALICE, a2.hash(), BOB, 2);
        TxRejectedException e = ledger.conflict(second, head(ALICE, a2.hash()), holder.hash());
        assertEquals(Reason.FORK, e.reason());
        assertEquals("transaction " + second.hash() + " and pending transaction " + holder.hash() + " both follow "
                + a2.hash() + " of account " + ALICE, e.getMessage());
        VerifiedTransaction c1 = receive(CAROL, ZERO, a2.hash());
        VerifiedTransaction c2 = send(CAROL, ZERO, BOB, 1);
        e = ledger.conflict(c2, head(CAROL, ZERO), c1.hash());
        assertEquals(Reason.FORK, e.reason());
        assertEquals("transaction " + c2.hash() + " and pending transaction " + c1.hash() + " both start account "
                + CAROL + "'s chain", e.getMessage());
        VerifiedTransaction b2 = receive(BOB, b1.hash(), a2.hash());
        e = ledger.conflict(b2, DagKeys.receivable(a2.hash()), c1.hash());
        assertEquals(Reason.ALREADY_RECEIVED, e.reason());
        assertEquals("send " + a2.hash() + " is already received by pending transaction " + c1.hash(), e.getMessage());
        // a key the transaction produces is only ever produced by the same transaction
        assertEquals(Reason.DUPLICATE, ledger.conflict(holder, head(ALICE, holder.hash()), holder.hash()).reason());
        assertEquals(Reason.DUPLICATE, ledger.conflict(holder, DagKeys.receivable(holder.hash()), holder.hash())
                .reason());
    }

    // ---------------------------------------------------------------- admit

    @Test
    void aSendMustNotExceedTheBalanceInState() throws TxRejectedException {
        ledger.admit(send(ALICE, a2.hash(), BOB, 700), store::get, Pending.NONE);
        assertEquals("account " + ALICE + " has balance 700, less than the amount 701", rejected(
                Reason.INSUFFICIENT_BALANCE, () -> ledger.admit(send(ALICE, a2.hash(), BOB, 701), store::get,
                        Pending.NONE)).getMessage());
        rejected(Reason.INSUFFICIENT_BALANCE, () -> ledger.admit(send(CAROL, ZERO, BOB, 1), store::get, Pending.NONE));
    }

    @Test
    void aSendAfterPendingTransactionsIsJudgedOnTheBalanceTheyLeave() throws TxRejectedException {
        VerifiedTransaction p1 = send(ALICE, a2.hash(), BOB, 300);
        Dag.FakePending pending = new Dag.FakePending().add(ledger, p1);
        ledger.admit(send(ALICE, p1.hash(), BOB, 400), store::get, pending);
        assertEquals("account " + ALICE + " has balance 400, less than the amount 401", rejected(
                Reason.INSUFFICIENT_BALANCE, () -> ledger.admit(send(ALICE, p1.hash(), BOB, 401), store::get, pending))
                .getMessage());

        // CAROL receives ALICE's send (in state) and BOB's (pending), then sends: 200 + 100
        VerifiedTransaction p2 = send(BOB, b1.hash(), CAROL, 100);
        VerifiedTransaction c1 = receive(CAROL, ZERO, a2.hash());
        VerifiedTransaction c2 = receive(CAROL, c1.hash(), p2.hash());
        pending.add(ledger, p2).add(ledger, c1).add(ledger, c2);
        ledger.admit(c1, store::get, Pending.NONE);
        ledger.admit(c2, store::get, pending);
        ledger.admit(send(CAROL, c2.hash(), ALICE, 300), store::get, pending);
        assertEquals("account " + CAROL + " has balance 300, less than the amount 301", rejected(
                Reason.INSUFFICIENT_BALANCE, () -> ledger.admit(send(CAROL, c2.hash(), ALICE, 301), store::get,
                        pending)).getMessage());
        assertEquals(BigInteger.valueOf(200), DagRules.balanceAt(store::get, pending, CAROL, c1.hash()));
        // a previous neither in state nor pending
        assertEquals("previous transaction " + NOWHERE + " of account " + ALICE + " does not exist", rejected(
                Reason.UNKNOWN_PARENT, () -> ledger.admit(send(ALICE, NOWHERE, BOB, 1), store::get, pending))
                .getMessage());
    }

    @Test
    void aKnownBalanceAfterAPendingTransactionEndsTheWalk() throws TxRejectedException {
        // ALICE (700 after a2 in state) sends 100, 50, 25, pending one after the other
        VerifiedTransaction p1 = send(ALICE, a2.hash(), BOB, 100);
        VerifiedTransaction p2 = send(ALICE, p1.hash(), BOB, 50);
        VerifiedTransaction p3 = send(ALICE, p2.hash(), BOB, 25);
        Dag.FakePending pending = new Dag.FakePending().add(ledger, p1).add(ledger, p2).add(ledger, p3);
        DagRules.Balances balances = new DagRules.Balances();
        assertEquals(BigInteger.valueOf(525), DagRules.balanceAt(store::get, pending, ALICE, p3.hash(), balances));
        // a balance recorded after p1 is taken as it is: the walk from p3 stops there (575 - 50 - 25)
        balances.put(ALICE, p1.hash(), BigInteger.valueOf(575));
        assertEquals(BigInteger.valueOf(500), DagRules.balanceAt(store::get, pending, ALICE, p3.hash(), balances));
        // ... but only for a transaction still pending: a previous in neither state nor pool is refused as before
        balances.put(ALICE, NOWHERE, BigInteger.TEN);
        assertEquals(Reason.UNKNOWN_PARENT, rejected(Reason.UNKNOWN_PARENT,
                () -> DagRules.balanceAt(store::get, pending, ALICE, NOWHERE, balances)).reason());

        // admission records the balance each admitted transaction leaves, sends and receives alike
        DagRules.Balances recorded = new DagRules.Balances();
        DagRules.admit(p1, store::get, Pending.NONE, recorded);
        assertEquals(BigInteger.valueOf(600), recorded.get(ALICE, p1.hash()));
        DagRules.admit(p2, store::get, new Dag.FakePending().add(ledger, p1), recorded);
        assertEquals(BigInteger.valueOf(550), recorded.get(ALICE, p2.hash()));
        VerifiedTransaction bobTakes = receive(BOB, b1.hash(), p1.hash());
        DagRules.admit(bobTakes, store::get, new Dag.FakePending().add(ledger, p1), recorded);
        assertEquals(BigInteger.valueOf(250), recorded.get(BOB, bobTakes.hash()), "BOB's 150 at b1 and ALICE's 100");
    }

    @Test
    void aReceiveMustTakeASendToItsAccount() {
        assertEquals("send " + a2.hash() + " is to " + CAROL + ", not to " + BOB, rejected(Reason.WRONG_PARENT,
                () -> ledger.admit(receive(BOB, b1.hash(), a2.hash()), store::get, Pending.NONE)).getMessage());
        VerifiedTransaction p = send(BOB, b1.hash(), CAROL, 10);
        Dag.FakePending pending = new Dag.FakePending().add(ledger, p);
        assertEquals("send " + p.hash() + " is to " + CAROL + ", not to " + ALICE, rejected(Reason.WRONG_PARENT,
                () -> ledger.admit(receive(ALICE, a2.hash(), p.hash()), store::get, pending)).getMessage());
        assertEquals("send " + NOWHERE + " does not exist", rejected(Reason.UNKNOWN_PARENT,
                () -> ledger.admit(receive(ALICE, a2.hash(), NOWHERE), store::get, pending)).getMessage());
    }

    @Test
    void admissionNeedsAChainAndItsChainId() {
        assertEquals("the chain has no genesis state yet", rejected(Reason.NOT_READY,
                () -> ledger.admit(send(ALICE, ZERO, BOB, 1), k -> null, Pending.NONE)).getMessage());
        assertEquals("transaction is for chain 8, this is chain 7", rejected(Reason.WRONG_CHAIN,
                () -> ledger.admit(send(ALICE, 8, a2.hash(), BOB, 1), store::get, Pending.NONE)).getMessage());
    }

    // ---------------------------------------------------------------- describe

    @Test
    void describeShowsTheBodysFieldsInOrder() throws TxRejectedException {
        Map<String, Object> s = ledger.describe(a2);
        assertEquals(List.of("kind", "account", "previous", "to", "amount"), new ArrayList<>(s.keySet()));
        assertEquals("send", s.get("kind"));
        assertEquals(ALICE.toHex(), s.get("account"));
        assertEquals(a1.hash().toHex(), s.get("previous"));
        assertEquals(CAROL.toHex(), s.get("to"));
        assertEquals("200", s.get("amount"));
        Map<String, Object> r = ledger.describe(b1);
        assertEquals(List.of("kind", "account", "previous", "source"), new ArrayList<>(r.keySet()));
        assertEquals("receive", r.get("kind"));
        assertEquals(BOB.toHex(), r.get("account"));
        assertEquals(ZERO.toHex(), r.get("previous"));
        assertEquals(a1.hash().toHex(), r.get("source"));
        assertTrue(((String) r.get("source")).matches("0x[0-9a-f]{64}"));
    }

    // ---------------------------------------------------------------- queries

    private LedgerQuery query(String method) {
        return ledger.queries().stream().filter(q -> q.method().equals(method)).findFirst().orElseThrow();
    }

    @Test
    void getAccountChainListsTheLastTransactionsNewestFirst() {
        assertEquals(List.of("getAccountChain", "getAccountInfo"), ledger.queries().stream().map(LedgerQuery::method)
                .toList());
        LedgerQuery q = query("getAccountChain");
        assertEquals("address, count", q.params());
        assertEquals(List.of(Map.of("height", 2L, "txHash", a2.hash().toHex()), Map.of("height", 1L, "txHash",
                a1.hash().toHex())), q.answer(List.of(ALICE.toHex(), "10"), store::get, Pending.NONE));
        assertEquals(List.of(Map.of("height", 2L, "txHash", a2.hash().toHex())),
                q.answer(List.of(ALICE.toHex(), "1"), store::get, Pending.NONE));
        assertEquals(List.of(), q.answer(List.of(CAROL.toHex(), "1000"), store::get, Pending.NONE));
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) q.answer(List.of(BOB.toHex(), "5"), store::get,
                Pending.NONE)).get(0);
        assertEquals(List.of("height", "txHash"), new ArrayList<>(first.keySet()));
    }

    @Test
    void getAccountInfoShowsTheHeadHeightBalanceAndPendingHead() {
        LedgerQuery q = query("getAccountInfo");
        assertEquals("address", q.params());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("head", a2.hash().toHex());
        info.put("height", 2L);
        info.put("balance", "700");
        info.put("pendingHead", a2.hash().toHex());
        Object answer = q.answer(List.of(ALICE.toHex()), store::get, Pending.NONE);
        assertEquals(info, answer);
        assertEquals(List.of("head", "height", "balance", "pendingHead"),
                new ArrayList<>(((Map<?, ?>) answer).keySet()));

        VerifiedTransaction p1 = send(ALICE, a2.hash(), BOB, 1);
        VerifiedTransaction p2 = send(ALICE, p1.hash(), BOB, 1);
        Dag.FakePending pending = new Dag.FakePending().add(ledger, p1).add(ledger, p2);
        info.put("pendingHead", p2.hash().toHex());
        assertEquals(info, q.answer(List.of(ALICE.toHex()), store::get, pending));

        Map<String, Object> never = new LinkedHashMap<>();
        never.put("head", ZERO.toHex());
        never.put("height", 0L);
        never.put("balance", "0");
        never.put("pendingHead", ZERO.toHex());
        assertEquals(never, q.answer(List.of(CAROL.toHex()), store::get, Pending.NONE));
    }

    @Test
    void theQueriesNameABadParameter() {
        LedgerQuery chain = query("getAccountChain");
        LedgerQuery info = query("getAccountInfo");
        String a = ALICE.toHex();
        Map<List<String>, String> bad = new LinkedHashMap<>();
        bad.put(List.of(), "params[0]: address is missing");
        bad.put(List.of(a), "params[1]: count is missing (count must be an integer from 1 to 1000)");
        bad.put(List.of(a, "0"), "params[1]: count must be an integer from 1 to 1000, got 0");
        bad.put(List.of(a, "1001"), "params[1]: count must be an integer from 1 to 1000, got 1001");
        bad.put(List.of(a, "ten"), "params[1]: count must be an integer from 1 to 1000, got \"ten\"");
        bad.put(List.of(a, "1", "2"), "getAccountChain takes at most 2 parameters, got 3");
        bad.put(List.of("0x0102", "1"), "params[0]: bad address 0x0102: an address is 20 bytes (40 hex digits), got 2");
        bad.put(List.of("0xzz", "1"), "params[0]: bad address: not a hex string: 0xzz");
        bad.put(List.of(a.substring(2), "1"), "params[0]: address must be 0x-prefixed hex of 20 bytes, got \""
                + a.substring(2) + "\" (no 0x prefix)");
        for (Map.Entry<List<String>, String> b : bad.entrySet()) {
            assertEquals(b.getValue(), assertThrows(IllegalArgumentException.class,
                    () -> chain.answer(b.getKey(), store::get, Pending.NONE)).getMessage());
        }
        assertEquals("getAccountInfo takes at most 1 parameter, got 2", assertThrows(IllegalArgumentException.class,
                () -> info.answer(List.of(a, "1"), store::get, Pending.NONE)).getMessage());
        assertEquals("params[0]: address is missing", assertThrows(IllegalArgumentException.class,
                () -> info.answer(List.of(), store::get, Pending.NONE)).getMessage());
    }
}
