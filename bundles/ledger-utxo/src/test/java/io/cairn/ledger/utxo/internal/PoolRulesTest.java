package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import static io.cairn.ledger.utxo.internal.Spends.SUITE;
import static io.cairn.ledger.utxo.internal.Spends.addr;
import static io.cairn.ledger.utxo.internal.Spends.coin;
import static io.cairn.ledger.utxo.internal.Spends.genesis;
import static io.cairn.ledger.utxo.internal.Spends.genesisCoin;
import static io.cairn.ledger.utxo.internal.Spends.out;
import static io.cairn.ledger.utxo.internal.Spends.spend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool's contract: available, conflict and admit, with the codes and messages of docs/ledgers.md. */
class PoolRulesTest {
    private static final Address ALICE = addr(1); // genesis coin 0 of 100 (addresses sort: see order())
    private static final Address BOB = addr(2);
    private static final Address CAROL = addr(3);

    private final UtxoLedger model = new UtxoLedger(SUITE);
    private final Spends.Store store = new Spends.Store();
    private CoinId aliceCoin;
    private CoinId bobCoin;

    @BeforeEach
    void init() {
        store.commit(model.genesis(genesis(Map.of(ALICE, BigInteger.valueOf(100), BOB, BigInteger.valueOf(50)))));
        boolean aliceFirst = ALICE.compareTo(BOB) < 0;
        aliceCoin = genesisCoin(aliceFirst ? 0 : 1);
        bobCoin = genesisCoin(aliceFirst ? 1 : 0);
    }

    private TxRejectedException admitRefused(VerifiedTransaction tx, Pending pending, Reason reason) {
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> model.admit(tx, store, pending));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    @Test
    void aCoinInStateIsAvailableAnyOtherNeverIs() throws TxRejectedException {
        assertTrue(model.available(store, aliceCoin.poolKey(), Pending.NONE, 0));
        CoinId missing = genesisCoin(7);
        TxRejectedException e = assertThrows(TxRejectedException.class,
                () -> model.available(store, missing.poolKey(), Pending.NONE, 1000));
        assertEquals(Reason.UNKNOWN_INPUT, e.reason());
        assertEquals(-32023, e.reason().code);
        assertEquals("coin " + Hash.ZERO + ":7 does not exist or is already spent", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> model.available(store, LedgerKey.of(new byte[] {'n', 1}), Pending.NONE, 0));
    }

    @Test
    void aSpentCoinIsUnknown() throws TxRejectedException {
        store.commit(model.apply(1, List.of(spend(List.of(aliceCoin), List.of(out(CAROL, 100)), ALICE)), store));
        TxRejectedException e = assertThrows(TxRejectedException.class,
                () -> model.available(store, aliceCoin.poolKey(), Pending.NONE, 0));
        assertEquals(Reason.UNKNOWN_INPUT, e.reason());
        assertEquals("coin " + aliceCoin + " does not exist or is already spent", e.getMessage());
        admitRefused(spend(List.of(aliceCoin), List.of(out(BOB, 1)), ALICE), Pending.NONE, Reason.UNKNOWN_INPUT);
    }

    @Test
    void aCoinTakenByAPendingSpendIsADoubleSpend() {
        VerifiedTransaction first = spend(List.of(aliceCoin), List.of(out(BOB, 100)), ALICE);
        VerifiedTransaction second = spend(List.of(aliceCoin), List.of(out(CAROL, 100)), ALICE);
        TxRejectedException e = model.conflict(second, aliceCoin.poolKey(), first.hash());
        assertEquals(Reason.DOUBLE_SPEND, e.reason());
        assertEquals(-32024, e.reason().code);
        assertEquals("coin " + aliceCoin + " is already spent by pending transaction " + first.hash(), e.getMessage());
    }

    @Test
    void admitsASpendSignedByItsOwner() throws TxRejectedException {
        model.admit(spend(List.of(aliceCoin), List.of(out(BOB, 60), out(ALICE, 40)), ALICE), store, Pending.NONE);
        model.admit(spend(List.of(aliceCoin), List.of(out(BOB, 90)), ALICE), store, Pending.NONE); // fee 10
    }

    @Test
    void twoOwnersSignOneSpendInAnyOrder() throws TxRejectedException {
        List<CoinId> both = List.of(aliceCoin, bobCoin);
        model.admit(spend(both, List.of(out(CAROL, 150)), ALICE, BOB), store, Pending.NONE);
        model.admit(spend(both, List.of(out(CAROL, 150)), BOB, ALICE), store, Pending.NONE);
        TxRejectedException e = admitRefused(spend(both, List.of(out(CAROL, 150)), ALICE), Pending.NONE,
                Reason.MISSING_SIGNER);
        assertEquals("coin " + bobCoin + " is owned by " + BOB + ", which has not signed the transaction",
                e.getMessage());
    }

    @Test
    void aMissingOwnerIsAMissingSigner() {
        TxRejectedException e = admitRefused(spend(List.of(aliceCoin), List.of(out(BOB, 1)), BOB), Pending.NONE,
                Reason.MISSING_SIGNER);
        assertEquals(-32022, e.reason().code);
        assertTrue(e.getMessage().contains(aliceCoin.toString()) && e.getMessage().contains(ALICE.toString()),
                e.getMessage());
    }

    @Test
    void aSignerOwningNoInputIsAnExtraSigner() {
        TxRejectedException e = admitRefused(spend(List.of(aliceCoin), List.of(out(BOB, 1)), ALICE, CAROL),
                Pending.NONE, Reason.EXTRA_SIGNER);
        assertEquals(-32021, e.reason().code);
        assertEquals("signer " + CAROL + " owns none of the coins the transaction spends", e.getMessage());
    }

    @Test
    void inputsBelowOutputsAreRefused() {
        TxRejectedException e = admitRefused(spend(List.of(aliceCoin), List.of(out(BOB, 60), out(ALICE, 41)), ALICE),
                Pending.NONE, Reason.INPUTS_BELOW_OUTPUTS);
        assertEquals(-32025, e.reason().code);
        assertEquals("the inputs total 100, less than the outputs' total 101", e.getMessage());
    }

    @Test
    void aSpendOfAPendingOutputReadsTheProducer() throws TxRejectedException {
        VerifiedTransaction pay = spend(List.of(aliceCoin), List.of(out(BOB, 70), out(ALICE, 30)), ALICE);
        Spends.FakePending pending = new Spends.FakePending().add(model, pay);
        // Bob spends the unconfirmed coin (pay, 0) with his own coin
        model.admit(spend(List.of(coin(pay.hash(), 0), bobCoin), List.of(out(CAROL, 120)), BOB), store, pending);
        // Alice cannot spend Bob's unconfirmed coin; (pay, 1) is hers
        admitRefused(spend(List.of(coin(pay.hash(), 0)), List.of(out(CAROL, 1)), ALICE), pending,
                Reason.MISSING_SIGNER);
        admitRefused(spend(List.of(coin(pay.hash(), 1)), List.of(out(CAROL, 31)), ALICE), pending,
                Reason.INPUTS_BELOW_OUTPUTS);
        // a pending transaction's outputs are 0..nOut-1 only; without the pending view it is unknown
        admitRefused(spend(List.of(coin(pay.hash(), 2)), List.of(out(CAROL, 1)), ALICE), pending,
                Reason.UNKNOWN_INPUT);
        admitRefused(spend(List.of(coin(pay.hash(), 1)), List.of(out(CAROL, 1)), ALICE), Pending.NONE,
                Reason.UNKNOWN_INPUT);
    }

    @Test
    void noGenesisStateIsNotReady() {
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> model.admit(
                spend(List.of(aliceCoin), List.of(out(BOB, 1)), ALICE), new Spends.Store(), Pending.NONE));
        assertEquals(Reason.NOT_READY, e.reason());
    }

    @Test
    void anotherChainsSpendIsRefused() {
        VerifiedTransaction other = Spends.signed(Spends.CHAIN + 1,
                UtxoBody.encode(List.of(aliceCoin), List.of(out(BOB, 1))), List.of(ALICE));
        admitRefused(other, Pending.NONE, Reason.WRONG_CHAIN);
    }

    @Test
    void theRulesAreCheckedInOrder() {
        // unknown coin before signers, signers before sums
        admitRefused(spend(List.of(genesisCoin(9)), List.of(out(BOB, 1000)), CAROL), Pending.NONE,
                Reason.UNKNOWN_INPUT);
        admitRefused(spend(List.of(aliceCoin), List.of(out(BOB, 1000)), CAROL), Pending.NONE, Reason.MISSING_SIGNER);
        admitRefused(spend(List.of(aliceCoin), List.of(out(BOB, 1000)), ALICE, CAROL), Pending.NONE,
                Reason.EXTRA_SIGNER);
    }
}
