package io.cairn.ledger.account.internal;

import static io.cairn.ledger.account.internal.Transfers.CHAIN;
import static io.cairn.ledger.account.internal.Transfers.SUITE;
import static io.cairn.ledger.account.internal.Transfers.addr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The account model's pool contract (claims, available, conflict, admit), describe and getNonce. */
class PoolRulesTest {
    private static final Address ALICE = addr(1);
    private static final Address BOB = addr(2);
    private static final int GAP = 4;

    private final AccountLedger ledger = new AccountLedger(SUITE);
    private final TreeMap<byte[], byte[]> store = new TreeMap<>(Arrays::compareUnsigned);

    @BeforeEach
    void genesis() {
        StateTransition t = ledger.genesis(new Genesis(CHAIN, "secp256k1", "account", 0, List.of(),
                new TreeMap<>(Map.of(ALICE, BigInteger.valueOf(100)))));
        commit(t.writes());
        // ALICE is at nonce 2 with 80 left
        commit(ledger.apply(1, List.of(Transfers.v1(ALICE, 0, BOB, 10), Transfers.v2(ALICE, 1, BOB, 10)),
                store::get).writes());
        assertEquals(2, ledger.nonce(store::get, ALICE));
    }

    private void commit(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isDelete()) {
                store.remove(op.key());
            } else {
                store.put(op.key(), op.value());
            }
        }
    }

    private static LedgerKey key(Address a, long nonce) {
        return NonceKeys.key(a, nonce);
    }

    private static TxRejectedException rejected(Reason reason, Executable call) {
        TxRejectedException e = assertThrows(TxRejectedException.class, call);
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    // ---------------------------------------------------------------- claims

    @Test
    void aTransferConsumesItsSendersNonceSlotAndProducesTheNext() throws TxRejectedException {
        for (VerifiedTransaction t : List.of(Transfers.v1(ALICE, 5, BOB, 1), Transfers.v2(ALICE, 5, BOB, 1))) {
            Claims c = ledger.claims(t);
            assertEquals(List.of(key(ALICE, 5)), c.consumes());
            assertEquals(List.of(key(ALICE, 6)), c.produces());
        }
        // the key's bytes: 'n' | sender | u64 nonce, big-endian
        byte[] expected = new Encoder().u8('n').fixed(ALICE.toByteArray()).u64(0x0102030405060708L).toByteArray();
        assertArrayEquals(expected, key(ALICE, 0x0102030405060708L).bytes());
        assertEquals(29, expected.length);
        assertEquals('n', key(ALICE, 1).tag());
        assertEquals(new NonceKeys.Slot(ALICE, -2L), NonceKeys.slot(key(ALICE, -2L)));
        assertThrows(IllegalArgumentException.class, () -> NonceKeys.slot(LedgerKey.of(new byte[] {'n', 1})));

        Claims last = ledger.claims(Transfers.v2(ALICE, -1L, BOB, 1));
        assertEquals(List.of(key(ALICE, -1L)), last.consumes());
        assertEquals(List.of(), last.produces(), "no slot after 2^64-1");
        Claims wrap = ledger.claims(Transfers.v2(ALICE, Long.MAX_VALUE, BOB, 1));
        assertEquals(List.of(key(ALICE, Long.MIN_VALUE)), wrap.produces(), "2^63 is the slot after 2^63-1");
    }

    @Test
    void aBodyThatDoesNotDecodeIsMalformedNamingTheField() {
        byte[] good = AccountBody.encode(0, BOB, BigInteger.ONE, new byte[0]);
        Map<byte[], String> bodies = new java.util.LinkedHashMap<>();
        bodies.put(new byte[3], "account transfer body: truncated at nonce (offset 0, need 8 bytes, have 3)");
        bodies.put(Arrays.copyOf(good, 40), "account transfer body: truncated at value (offset 28, need 32 bytes, have 12)");
        bodies.put(Arrays.copyOf(good, good.length + 2), "account transfer body: 2 unexpected trailing bytes");
        byte[] bigData = new Encoder().fixed(Arrays.copyOf(good, 60)).u32(Transaction.MAX_DATA + 1)
                .fixed(new byte[Transaction.MAX_DATA + 1]).toByteArray();
        bodies.put(bigData, "account transfer body: data length 32769 exceeds the limit of 32768 bytes");
        for (Map.Entry<byte[], String> b : bodies.entrySet()) {
            VerifiedTransaction t = Transfers.verified(Transfers.envelope(CHAIN, b.getKey(), Transfers.key(1)));
            assertEquals(b.getValue(), rejected(Reason.MALFORMED, () -> ledger.claims(t)).getMessage());
            assertEquals(b.getValue(), rejected(Reason.MALFORMED, () -> ledger.describe(t)).getMessage());
            assertEquals(b.getValue(), rejected(Reason.MALFORMED, () -> ledger.admit(t, store::get, Pending.NONE))
                    .getMessage());
        }
        // a v1 body (the first format) carries the sender's key after the nonce: a v2 envelope with that layout is not one
        byte[] v1Layout = Arrays.copyOfRange(Transfers.v1(ALICE, 0, BOB, 1).encoded(), 9, 9 + 8 + 64 + 20 + 32 + 4);
        VerifiedTransaction mixed = Transfers.verified(Transfers.envelope(CHAIN, v1Layout, Transfers.key(1)));
        assertTrue(rejected(Reason.MALFORMED, () -> ledger.claims(mixed)).getMessage()
                .startsWith("account transfer body: "));
    }

    @Test
    void aTransferSignedByMoreThanItsSenderIsRefused() {
        byte[] body = AccountBody.encode(2, BOB, BigInteger.ONE, new byte[0]);
        VerifiedTransaction three = Transfers.verified(
                Transfers.envelope(CHAIN, body, Transfers.key(1), Transfers.key(2), Transfers.key(3)));
        assertEquals("an account transfer is signed by its sender alone; this one has 3 signers",
                rejected(Reason.EXTRA_SIGNER, () -> ledger.claims(three)).getMessage());
        rejected(Reason.EXTRA_SIGNER, () -> ledger.admit(three, store::get, Pending.NONE));
        rejected(Reason.EXTRA_SIGNER, () -> ledger.describe(three));
    }

    // ---------------------------------------------------------------- available and conflict

    @Test
    void aSlotBelowTheAccountsNonceIsReplayed() {
        assertEquals("nonce 1 of " + ALICE + " is already used: the account's nonce is 2",
                rejected(Reason.NONCE_REPLAYED, () -> ledger.available(store::get, key(ALICE, 1), Pending.NONE, GAP))
                        .getMessage());
        rejected(Reason.NONCE_REPLAYED, () -> ledger.available(store::get, key(ALICE, 0), Pending.NONE, GAP));
    }

    @Test
    void theAccountsNonceIsAvailableAndSlotsAheadAreHeldWithinTheGap() throws TxRejectedException {
        assertTrue(ledger.available(store::get, key(ALICE, 2), Pending.NONE, GAP));
        assertTrue(ledger.available(store::get, key(BOB, 0), Pending.NONE, GAP), "an account not in state is at 0");
        for (long n = 3; n <= 2 + GAP; n++) {
            assertFalse(ledger.available(store::get, key(ALICE, n), Pending.NONE, GAP), "nonce " + n);
        }
        assertEquals("nonce 7 of " + ALICE + " is too far ahead: its next nonce is 2 and the pool holds at most 4 "
                + "beyond it", rejected(Reason.NONCE_TOO_HIGH,
                        () -> ledger.available(store::get, key(ALICE, 7), Pending.NONE, GAP)).getMessage());
        assertFalse(ledger.available(store::get, key(BOB, 1), Pending.NONE, 1));
        rejected(Reason.NONCE_TOO_HIGH, () -> ledger.available(store::get, key(BOB, 1), Pending.NONE, 0));
    }

    @Test
    void theGapIsMeasuredFromTheNonceAfterThePendingRun() throws TxRejectedException {
        Transfers.FakePending pending = new Transfers.FakePending().add(ledger, Transfers.v2(ALICE, 2, BOB, 1))
                .add(ledger, Transfers.v1(ALICE, 3, BOB, 1)).add(ledger, Transfers.v2(ALICE, 4, BOB, 1))
                // not in the run: slot 6 is free, so 7 does not extend it
                .add(ledger, Transfers.v2(ALICE, 7, BOB, 1));
        for (long n = 6; n <= 5 + GAP; n++) {
            assertFalse(ledger.available(store::get, key(ALICE, n), pending, GAP), "nonce " + n);
        }
        assertEquals("nonce 10 of " + ALICE + " is too far ahead: its next nonce is 5 and the pool holds at most 4 "
                + "beyond it", rejected(Reason.NONCE_TOO_HIGH,
                        () -> ledger.available(store::get, key(ALICE, 10), pending, GAP)).getMessage());
        // another sender's pending transactions do not count
        rejected(Reason.NONCE_TOO_HIGH, () -> ledger.available(store::get, key(BOB, 5), pending, GAP));
    }

    @Test
    void noncesCompareUnsignedAsThePoolDoes() {
        long half = Long.MIN_VALUE; // 2^63: signed, it would read as below the account's nonce (replayed)
        assertEquals("nonce 9223372036854775808 of " + ALICE + " is too far ahead: its next nonce is 2 and the pool "
                + "holds at most 4 beyond it", rejected(Reason.NONCE_TOO_HIGH,
                        () -> ledger.available(store::get, key(ALICE, half), Pending.NONE, GAP)).getMessage());
        assertTrue(rejected(Reason.NONCE_TOO_HIGH, () -> ledger.available(store::get, key(ALICE, -1L), Pending.NONE,
                GAP)).getMessage().startsWith("nonce 18446744073709551615 of "));
    }

    @Test
    void aSlotAPendingTransactionConsumesIsTaken() {
        Hash holder = Transfers.v2(ALICE, 3, BOB, 1).hash();
        VerifiedTransaction second = Transfers.v1(ALICE, 3, BOB, 2);
        TxRejectedException e = ledger.conflict(second, key(ALICE, 3), holder);
        assertEquals(Reason.NONCE_REPLAYED, e.reason());
        assertEquals("nonce 3 of " + ALICE + " is already taken by pending transaction " + holder, e.getMessage());
    }

    // ---------------------------------------------------------------- admit

    @Test
    void admissionNeedsAChainAndASenderThatCanPay() throws TxRejectedException {
        ledger.admit(Transfers.v2(ALICE, 2, BOB, 80), store::get, Pending.NONE);
        ledger.admit(Transfers.v1(ALICE, 4, BOB, 80), store::get, Pending.NONE);
        assertEquals("account " + ALICE + " has balance 80, less than the value 81", rejected(Reason.INSUFFICIENT_BALANCE,
                () -> ledger.admit(Transfers.v2(ALICE, 2, BOB, 81), store::get, Pending.NONE)).getMessage());
        rejected(Reason.INSUFFICIENT_BALANCE, () -> ledger.admit(Transfers.v1(BOB, 0, ALICE, 21), store::get,
                Pending.NONE));
        assertEquals("the chain has no genesis state yet", rejected(Reason.NOT_READY,
                () -> ledger.admit(Transfers.v2(ALICE, 0, BOB, 1), k -> null, Pending.NONE)).getMessage());
    }

    // ---------------------------------------------------------------- describe

    @Test
    void describeShowsTheTransfersFieldsInTheRpcsOrderAndForms() throws TxRejectedException {
        byte[] data = {(byte) 0xAB, 0x01};
        VerifiedTransaction v1 = Transfers.v1(ALICE, CHAIN, -1L, BOB, 300, data);
        VerifiedTransaction v2 = Transfers.v2(ALICE, CHAIN, -1L, BOB, 300, data);
        for (VerifiedTransaction t : List.of(v1, v2)) {
            Map<String, Object> d = ledger.describe(t);
            assertEquals(List.of("nonce", "from", "to", "value", "data", "publicKey", "signature"),
                    new ArrayList<>(d.keySet()));
            assertEquals(new BigInteger("18446744073709551615"), d.get("nonce"));
            assertEquals(ALICE.toHex(), d.get("from"));
            assertEquals(BOB.toHex(), d.get("to"));
            assertEquals("300", d.get("value"));
            assertEquals("0xab01", d.get("data"));
            assertEquals(Bytes.toHex(Transfers.key(1).publicKey()), d.get("publicKey"));
            assertEquals(Bytes.toHex(t.envelope().signatures().get(0)), d.get("signature"));
            assertTrue(((String) d.get("publicKey")).matches("0x[0-9a-f]{128}"));
        }
        // v1's signature is the transaction's own: the trailing 64 bytes of its encoding
        assertEquals(Bytes.toHex(Arrays.copyOfRange(v1.encoded(), v1.encoded().length - 64, v1.encoded().length)),
                ledger.describe(v1).get("signature"));
        Map<String, Object> small = ledger.describe(Transfers.v2(ALICE, 7, BOB, 0));
        assertEquals(BigInteger.valueOf(7), small.get("nonce"));
        assertEquals("0", small.get("value"));
        assertEquals("0x", small.get("data"));
    }

    // ---------------------------------------------------------------- getNonce

    @Test
    void getNonceIsTheStateNonceAdvancedPastThePendingRun() {
        List<LedgerQuery> queries = ledger.queries();
        assertEquals(1, queries.size());
        LedgerQuery q = queries.get(0);
        assertEquals("getNonce", q.method());
        assertEquals("address", q.params());
        assertEquals(BigInteger.TWO, q.answer(List.of(ALICE.toHex()), store::get, Pending.NONE));
        assertEquals(BigInteger.ZERO, q.answer(List.of(BOB.toHex()), store::get, Pending.NONE));

        Transfers.FakePending pending = new Transfers.FakePending().add(ledger, Transfers.v2(ALICE, 2, BOB, 1))
                .add(ledger, Transfers.v1(ALICE, 3, BOB, 1)).add(ledger, Transfers.v2(ALICE, 5, BOB, 1));
        assertEquals(BigInteger.valueOf(4), q.answer(List.of(ALICE.toHex()), store::get, pending), "5 waits for 4");
        assertEquals(BigInteger.ZERO, q.answer(List.of(BOB.toHex()), store::get, pending));

        // an account at nonce 2^64-1 (all slots used but the last) answers the unsigned number
        Pending all = new Pending() {
            @Override
            public java.util.Optional<VerifiedTransaction> producer(LedgerKey key) {
                return java.util.Optional.empty();
            }

            @Override
            public java.util.Optional<VerifiedTransaction> consumer(LedgerKey key) {
                return NonceKeys.slot(key).nonce() == -1L ? java.util.Optional.of(Transfers.v2(ALICE, 0, BOB, 1))
                        : java.util.Optional.empty();
            }
        };
        byte[] account = new Encoder().u64(-1L).fixed(new byte[32]).toByteArray();
        assertEquals(new BigInteger("18446744073709551615"),
                q.answer(List.of(ALICE.toHex()), k -> Arrays.equals(k, Account.key(ALICE)) ? account : null, all));
    }

    @Test
    void getNonceNamesABadParameter() {
        LedgerQuery q = ledger.queries().get(0);
        Map<List<String>, String> bad = new java.util.LinkedHashMap<>();
        bad.put(List.of(), "params[0]: address is missing");
        bad.put(List.of(ALICE.toHex(), "1"), "getNonce takes at most 1 parameter, got 2");
        bad.put(List.of(ALICE.toHex().substring(2)), "params[0]: address must be 0x-prefixed hex of 20 bytes, got \""
                + ALICE.toHex().substring(2) + "\" (no 0x prefix)");
        bad.put(List.of("0x0102"), "params[0]: address must be 0x-prefixed hex of 20 bytes, got 2 bytes");
        bad.put(List.of("0xzz"), "params[0]: address must be 0x-prefixed hex of 20 bytes: not a hex string: 0xzz");
        for (Map.Entry<List<String>, String> b : bad.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> q.answer(b.getKey(), store::get, Pending.NONE));
            assertEquals(b.getValue(), e.getMessage());
        }
    }

    @Test
    void anEnvelopeOfAnotherLedgerIsNotAnAccountTransfer() {
        byte[] body = AccountBody.encode(2, BOB, BigInteger.ONE, new byte[0]);
        VerifiedTransaction dag = Transfers.committed(
                Envelope.sign(SUITE, CHAIN, Envelope.DAG, body, List.of(Transfers.key(1).privateKey())).encoded());
        assertEquals("transaction is for the dag ledger (code 3), not the account ledger (code 1)",
                rejected(Reason.WRONG_LEDGER, () -> ledger.claims(dag)).getMessage());
    }
}
