package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import static io.cairn.ledger.utxo.internal.Spends.SUITE;
import static io.cairn.ledger.utxo.internal.Spends.addr;
import static io.cairn.ledger.utxo.internal.Spends.genesis;
import static io.cairn.ledger.utxo.internal.Spends.spend;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateTransition;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random histories of spends (single and multi-input, multi-owner, chains of spends inside a block) with double
 * spends and other broken spends slipped in, applied block by block against a plain oracle of the coin set. After
 * every block: the coins and the burnt fees add up to the genesis supply, no coin was ever spent twice (a block
 * holding a double spend is refused and leaves the state as it was), the state holds exactly the oracle's coins
 * and exactly one owner index entry per coin ({@code s o owner txHash u32 index -> amount}, built here
 * independently from the oracle), balances and getUtxos read from them agree, and the incremental state root
 * equals the one recomputed from every entry. Blocks are applied on point reads (apply never scans).
 */
class UtxoPropertyTest {
    private static final int HISTORIES = 250;
    private static final int OWNERS = 8;
    private static final List<Address> ADDRS = new ArrayList<>();

    static {
        for (int i = 1; i <= OWNERS + 1; i++) {
            ADDRS.add(addr(i));
        }
    }

    /** What one history exercised, summed over all of them: the test must not pass by generating nothing. */
    private final Map<String, Integer> seen = new TreeMap<>();

    private void count(String what) {
        seen.merge(what, 1, Integer::sum);
    }

    @Test
    void randomHistoriesConserveValueNeverSpendTwiceAndKeepTheRoot() {
        for (int h = 0; h < HISTORIES; h++) {
            try {
                history(new Random(9_000 + h));
            } catch (AssertionError e) {
                throw new AssertionError("history " + h + " (seed " + (9_000 + h) + "): " + e.getMessage(), e);
            }
        }
        for (String what : List.of("spend", "multi-owner spend", "chained spend", "double spend in block",
                "double spend across blocks", "missing signer", "extra signer", "inputs below outputs",
                "unknown coin", "fee")) {
            assertTrue(seen.getOrDefault(what, 0) >= 20, what + " exercised only " + seen.get(what) + " times: " + seen);
        }
    }

    /** A transaction the oracle made, with what it spends and makes. */
    private record Made(VerifiedTransaction tx, List<CoinId> inputs, BigInteger fee) {}

    private void history(Random r) {
        UtxoLedger model = new UtxoLedger(SUITE);
        Spends.Store store = new Spends.Store();
        int owners = 2 + r.nextInt(OWNERS - 1);
        TreeMap<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < owners; i++) {
            BigInteger v = r.nextInt(5) == 0 ? BigInteger.ZERO
                    : r.nextInt(10) == 0 ? BigInteger.ONE.shiftLeft(240 + r.nextInt(10)).add(BigInteger.valueOf(r.nextInt(99)))
                    : BigInteger.valueOf(1 + r.nextInt(1000));
            alloc.put(ADDRS.get(i), v);
        }
        StateTransition g = store.commit(model.genesis(genesis(alloc)));
        BigInteger supply = alloc.values().stream().reduce(BigInteger.ZERO, BigInteger::add);

        // the oracle: the genesis coins as the docs define them
        TreeMap<CoinId, Coin> utxo = new TreeMap<>();
        int gi = 0;
        for (Map.Entry<Address, BigInteger> a : alloc.entrySet()) {
            if (a.getValue().signum() > 0) {
                utxo.put(new CoinId(Hash.ZERO, gi++), new Coin(a.getKey(), a.getValue()));
            }
        }
        Map<CoinId, Coin> spentEver = new HashMap<>();
        BigInteger fees = BigInteger.ZERO;
        check(model, store, g.stateRoot(), utxo, supply, fees, owners);

        int blocks = 2 + r.nextInt(6);
        for (long b = 1; b <= blocks; b++) {
            TreeMap<CoinId, Coin> live = new TreeMap<>(utxo);
            Map<CoinId, Integer> spentBy = new HashMap<>();
            Map<CoinId, Coin> spentHere = new HashMap<>();
            List<Made> made = new ArrayList<>();
            int n = r.nextInt(7);
            for (int t = 0; t < n && !live.isEmpty(); t++) {
                Made m = randomSpend(r, live, owners, false);
                count("spend");
                if (m.tx.signers().size() > 1) {
                    count("multi-owner spend");
                }
                if (m.fee.signum() > 0) {
                    count("fee");
                }
                if (m.inputs.stream().anyMatch(c -> made.stream().anyMatch(p -> p.tx.hash().equals(c.txHash())))) {
                    count("chained spend");
                }
                for (CoinId c : m.inputs) {
                    spentBy.put(c, t);
                    spentHere.put(c, live.remove(c));
                }
                addOutputs(m.tx, live);
                made.add(m);
            }
            List<VerifiedTransaction> txs = made.stream().map(Made::tx).toList();

            if (r.nextInt(2) == 0) {
                attemptInvalid(r, model, store, txs, live, spentBy, spentHere, spentEver, owners, b);
            }

            StateTransition st = store.commit(model.apply(b, txs, store.pointReads()));
            assertEquals(txs.size(), st.receipts().size());
            for (int i = 0; i < txs.size(); i++) {
                Receipt rc = st.receipts().get(i);
                assertEquals(new Receipt(txs.get(i).hash(), b, i, txs.get(i).sender(), Receipt.Status.SUCCESS, ""), rc);
            }
            for (Made m : made) {
                for (CoinId c : m.inputs) {
                    assertFalse(spentEver.containsKey(c), "coin " + c + " spent twice");
                    spentEver.put(c, spentHere.get(c));
                }
                fees = fees.add(m.fee);
            }
            utxo = live;
            check(model, store, st.stateRoot(), utxo, supply, fees, owners);
        }
    }

    /** A valid spend of coins of {@code live}; with {@code brokenSums} one whose outputs exceed its inputs. */
    private Made randomSpend(Random r, TreeMap<CoinId, Coin> live, int owners, boolean brokenSums) {
        List<CoinId> all = new ArrayList<>(live.keySet());
        Collections.shuffle(all, r);
        int k = 1 + r.nextInt(Math.min(3, all.size()));
        List<CoinId> inputs = all.subList(0, k);
        Set<Address> ownerSet = new LinkedHashSet<>();
        BigInteger total = BigInteger.ZERO;
        for (CoinId c : inputs) {
            ownerSet.add(live.get(c).owner());
            total = total.add(live.get(c).amount());
        }
        List<Address> signers = new ArrayList<>(ownerSet);
        Collections.shuffle(signers, r);
        BigInteger fee = BigInteger.ZERO;
        if (r.nextInt(3) == 0 && total.compareTo(BigInteger.ONE) > 0) {
            fee = BigInteger.valueOf(1 + r.nextInt(5)).min(total.subtract(BigInteger.ONE));
        }
        BigInteger value = total.subtract(fee);
        if (brokenSums) {
            value = total.add(BigInteger.valueOf(1 + r.nextInt(3)));
        }
        int nOut = 1 + r.nextInt(3);
        if (value.compareTo(BigInteger.valueOf(nOut)) < 0) {
            nOut = value.intValueExact();
        }
        List<UtxoBody.Output> outputs = new ArrayList<>();
        BigInteger left = value;
        for (int i = 0; i < nOut; i++) {
            BigInteger amount;
            if (i == nOut - 1) {
                amount = left;
            } else {
                // at least 1, leaving at least 1 for each output after this one
                BigInteger room = left.subtract(BigInteger.valueOf(nOut - 1 - i));
                amount = BigInteger.ONE.add(new BigInteger(room.bitLength(), r).mod(room));
            }
            left = left.subtract(amount);
            outputs.add(new UtxoBody.Output(ADDRS.get(r.nextInt(owners + 1)), amount));
        }
        VerifiedTransaction tx = spend(inputs, outputs, signers.toArray(Address[]::new));
        return new Made(tx, List.copyOf(inputs), fee);
    }

    private static void addOutputs(VerifiedTransaction tx, TreeMap<CoinId, Coin> live) {
        UtxoBody body = UtxoBody.of(tx).body();
        for (int k = 0; k < body.outputs.size(); k++) {
            UtxoBody.Output o = body.outputs.get(k);
            live.put(new CoinId(tx.hash(), k), new Coin(o.owner(), o.amount()));
        }
    }

    /**
     * Slips a transaction that breaks a rule into the block at a position where it is the first one that does;
     * the block must be refused at that index and the store must stay as it was. Then the valid block is applied
     * by the caller, which checks that the refusal left nothing behind: a fresh model gives the same result.
     */
    private void attemptInvalid(Random r, UtxoLedger model, Spends.Store store, List<VerifiedTransaction> txs,
            TreeMap<CoinId, Coin> liveAfter, Map<CoinId, Integer> spentBy, Map<CoinId, Coin> spentHere,
            Map<CoinId, Coin> spentEver, int owners, long b) {
        int kind = r.nextInt(6);
        int at;
        VerifiedTransaction bad;
        String expect;
        String what;
        if (kind == 0 && !spentBy.isEmpty()) {
            // a coin a transaction of this block spends, spent again after it
            List<CoinId> coins = new ArrayList<>(spentBy.keySet());
            Collections.sort(coins);
            CoinId c = coins.get(r.nextInt(coins.size()));
            int j = spentBy.get(c);
            at = j + 1 + r.nextInt(txs.size() - j);
            Coin coin = spentHere.get(c);
            if (r.nextInt(4) == 0) {
                bad = txs.get(j); // the very same transaction again: its first input is the first one spent
                c = UtxoBody.of(bad).body().inputs.get(0);
            } else {
                bad = spend(List.of(c), List.of(new UtxoBody.Output(ADDRS.get(r.nextInt(owners + 1)),
                        coin.amount())), coin.owner());
            }
            expect = "coin " + c + " is already spent by transaction " + j + " of this block";
            what = "double spend in block";
        } else if (kind == 1 && !spentEver.isEmpty()) {
            // a coin an earlier block spent
            List<CoinId> coins = new ArrayList<>(spentEver.keySet());
            Collections.sort(coins);
            CoinId c = coins.get(r.nextInt(coins.size()));
            Coin coin = spentEver.get(c);
            at = r.nextInt(txs.size() + 1);
            bad = spend(List.of(c), List.of(new UtxoBody.Output(ADDRS.get(r.nextInt(owners + 1)), coin.amount())),
                    coin.owner());
            expect = "coin " + c + " does not exist or is already spent";
            what = "double spend across blocks";
        } else if (kind == 2) {
            at = txs.size();
            CoinId c = new CoinId(Hash.of(SUITE.hash(new byte[] {(byte) r.nextInt()})), r.nextInt(3));
            bad = spend(List.of(c), List.of(new UtxoBody.Output(ADDRS.get(0), BigInteger.ONE)), ADDRS.get(0));
            expect = "coin " + c + " does not exist or is already spent";
            what = "unknown coin";
        } else if (liveAfter.isEmpty()) {
            return;
        } else {
            // at the end, spending the coins left after the block, with one rule broken
            at = txs.size();
            Made m = randomSpend(r, liveAfter, owners, kind == 3);
            UtxoBody body = UtxoBody.of(m.tx).body();
            List<Address> signers = new ArrayList<>(m.tx.signers());
            if (kind == 3) {
                bad = m.tx;
                expect = "less than the outputs' total";
                what = "inputs below outputs";
            } else if (kind == 4) {
                Address dropped = signers.remove(r.nextInt(signers.size()));
                if (signers.isEmpty()) {
                    signers.add(stranger(body, liveAfter));
                }
                bad = spend(body.inputs, body.outputs, signers.toArray(Address[]::new));
                expect = "is owned by " + dropped + ", which has not signed";
                what = "missing signer";
            } else {
                Address extra = stranger(body, liveAfter);
                signers.add(r.nextInt(signers.size() + 1), extra);
                bad = spend(body.inputs, body.outputs, signers.toArray(Address[]::new));
                expect = "signer " + extra + " owns none of the coins";
                what = "extra signer";
            }
        }
        List<VerifiedTransaction> block = new ArrayList<>(txs);
        block.add(at, bad);
        Spends.Store before = store.copy();
        Hash root = model.stateRoot(store);
        InvalidBlockException e = assertThrows(InvalidBlockException.class,
                () -> model.apply(b, block, store.pointReads()), what);
        assertEquals(OptionalInt.of(at), e.transaction(), what + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("transaction " + at + " (" + bad.hash() + "): "), e.getMessage());
        assertTrue(e.getMessage().contains(expect), what + ": '" + expect + "' in " + e.getMessage());
        assertTrue(store.sameAs(before), "a refused block changes nothing");
        assertEquals(root, model.stateRoot(store));
        count(what);

        // the refusal left nothing behind in the model: the valid block runs as on a fresh model
        StateTransition fresh = new UtxoLedger(SUITE).apply(b, txs, store.pointReads());
        StateTransition again = model.apply(b, txs, store.pointReads());
        assertEquals(fresh.stateRoot(), again.stateRoot());
        assertEquals(fresh.receipts(), again.receipts());
        assertEquals(fresh.writes().size(), again.writes().size());
        for (int i = 0; i < fresh.writes().size(); i++) {
            assertArrayEquals(fresh.writes().ops().get(i).key(), again.writes().ops().get(i).key());
            assertArrayEquals(fresh.writes().ops().get(i).value(), again.writes().ops().get(i).value());
        }
    }

    /** An address that owns none of the body's inputs. */
    private static Address stranger(UtxoBody body, Map<CoinId, Coin> live) {
        Set<Address> owners = new LinkedHashSet<>();
        for (CoinId c : body.inputs) {
            owners.add(live.get(c).owner());
        }
        for (Address a : ADDRS) {
            if (!owners.contains(a)) {
                return a;
            }
        }
        throw new IllegalStateException("every address owns an input");
    }

    private void check(UtxoLedger model, Spends.Store store, Hash root, TreeMap<CoinId, Coin> utxo, BigInteger supply,
            BigInteger fees, int owners) {
        assertEquals(utxo, store.coins(), "the state holds the oracle's coins");
        BigInteger coins = utxo.values().stream().map(Coin::amount).reduce(BigInteger.ZERO, BigInteger::add);
        assertEquals(supply, coins.add(fees), "coins + burnt fees = supply");
        // the owner index, tracked independently: one entry per unspent coin, s o owner txHash u32 index -> amount
        TreeMap<byte[], byte[]> tracker = new TreeMap<>(Arrays::compareUnsigned);
        Map<Address, List<CoinId>> byOwner = new HashMap<>();
        Map<Address, BigInteger> sums = new HashMap<>();
        for (Map.Entry<CoinId, Coin> e : utxo.entrySet()) {
            Coin c = e.getValue();
            ByteBuffer key = ByteBuffer.allocate(2 + 20 + 32 + 4).put((byte) 's').put((byte) 'o')
                    .put(c.owner().toByteArray()).put(e.getKey().txHash().toByteArray()).putInt(e.getKey().index());
            byte[] amount = c.amount().toByteArray(); // big-endian, perhaps with a sign byte: 32 bytes right-aligned
            byte[] value = new byte[32];
            int n = Math.min(amount.length, 32);
            System.arraycopy(amount, amount.length - n, value, 32 - n, n);
            assertNull(tracker.put(key.array(), value));
            byOwner.computeIfAbsent(c.owner(), a -> new ArrayList<>()).add(e.getKey());
            sums.merge(c.owner(), c.amount(), BigInteger::add);
        }
        List<Map.Entry<byte[], byte[]>> expected = new ArrayList<>(tracker.entrySet());
        List<Map.Entry<byte[], byte[]>> actual = new ArrayList<>(store.ownerIndexEntries().entrySet());
        assertEquals(expected.size(), actual.size(), "one index entry per unspent coin, no other");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).getKey(), actual.get(i).getKey(), "index entry " + i);
            assertArrayEquals(expected.get(i).getValue(), actual.get(i).getValue(), "index entry " + i);
        }
        // balances and getUtxos, read by scanning the index, agree with the tracker
        BigInteger balances = BigInteger.ZERO;
        for (Address a : ADDRS.subList(0, owners + 1)) {
            BigInteger bal = model.balance(store, a);
            assertEquals(sums.getOrDefault(a, BigInteger.ZERO), bal);
            balances = balances.add(bal);
            List<?> answer = (List<?>) model.queries().get(0).answer(List.of(a.toHex()), store, Pending.NONE);
            List<CoinId> listed = answer.stream().map(o -> (Map<?, ?>) o)
                    .map(m -> new CoinId(Hash.fromHex((String) m.get("txHash")), (int) (long) (Long) m.get("index")))
                    .toList();
            assertEquals(byOwner.getOrDefault(a, List.of()), listed, "getUtxos of " + a + " in coin order");
        }
        assertEquals(coins, balances);
        assertEquals(store.fullRoot(model), root, "incremental root = full recomputation");
        assertEquals(root, model.stateRoot(store));
    }
}
