package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.TestPools.hashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.storage.Keys;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pool with a model of another shape than accounts: coins that a transaction spends (consumes) and creates
 * (produces), several per transaction, never waited for. The pool knows neither model; these are the rules it
 * applies to any: first seen wins a key, chains of unconfirmed spends, what a block spent drops out with what
 * depended on it.
 */
class CoinPoolTest {
    private final Fakes.Suite suite = new Fakes.Suite();
    private final Fakes.Chain chain = new Fakes.Chain(0).withGenesis();
    private final Coins model = new Coins();
    private final TransactionVerifier verifier;
    private final PendingTransactions pending = new PendingTransactions((n, limit) -> {}, 10);
    private final Fakes.Account owner = Fakes.Account.of(suite, 1);

    CoinPoolTest() {
        chain.ledger = "utxo";
        verifier = new TransactionVerifier(chain.spec().orElseThrow(), suite);
        for (long coin : new long[] {1, 10, 20}) {
            chain.state.put(ByteBuffer.wrap(coinStateKey(coin)), new byte[] {1});
        }
    }

    /** Body: {@code u8 n | n x u64 spent | u8 m | m x u64 created}; coins are numbers, a coin's key {@code 'c' | u64}. */
    private byte[] spend(long[] spent, long... created) {
        ByteBuffer b = ByteBuffer.allocate(2 + 8 * (spent.length + created.length)).put((byte) spent.length);
        for (long c : spent) {
            b.putLong(c);
        }
        b.put((byte) created.length);
        for (long c : created) {
            b.putLong(c);
        }
        return Envelope.sign(suite, Fakes.CHAIN, Envelope.UTXO, b.array(), List.of(owner.key().privateKey())).encoded();
    }

    private static long[] coins(long... c) {
        return c;
    }

    static LedgerKey coinKey(long coin) {
        return LedgerKey.of(ByteBuffer.allocate(9).put((byte) 'c').putLong(coin).array());
    }

    static byte[] coinStateKey(long coin) {
        return Keys.of(Keys.STATE, coinKey(coin).bytes());
    }

    private VerifiedTransaction submit(byte[] encoded) throws TxRejectedException {
        VerifiedTransaction v = verifier.verify(encoded);
        pending.admit(v, chain, model, 1000);
        return v;
    }

    private TxRejectedException rejected(byte[] tx) {
        return assertThrows(TxRejectedException.class, () -> submit(tx));
    }

    /** A block: the transactions' coins move in state, then the pool is told. */
    private void commit(VerifiedTransaction... txs) {
        List<Envelope> envelopes = new ArrayList<>();
        List<Hash> hashes = new ArrayList<>();
        for (VerifiedTransaction t : txs) {
            Claims c = model.claims(t);
            c.consumes().forEach(k -> chain.state.remove(ByteBuffer.wrap(Keys.of(Keys.STATE, k.bytes()))));
            c.produces().forEach(k -> chain.state.put(ByteBuffer.wrap(Keys.of(Keys.STATE, k.bytes())), new byte[] {1}));
            envelopes.add(t.envelope());
            hashes.add(t.hash());
        }
        chain.height++;
        pending.committed(new Block(Fakes.Chain.headerAt(chain.height), envelopes, List.of()), hashes, verifier, chain,
                model);
    }

    @Test
    void aChainOfUnconfirmedSpendsRunsParentFirst() throws Exception {
        VerifiedTransaction parent = submit(spend(coins(1), 2, 3));
        VerifiedTransaction child = submit(spend(coins(2, 10), 4));
        VerifiedTransaction grandchild = submit(spend(coins(4, 3), 5));
        assertEquals(hashes(List.of(parent, child, grandchild)), hashes(pending.pending(10)));
        assertEquals(parent.hash(), pending.producer(coinKey(2)).orElseThrow().hash());
        assertEquals(child.hash(), pending.consumer(coinKey(10)).orElseThrow().hash());
        commit(parent);
        assertEquals(hashes(List.of(child, grandchild)), hashes(pending.pending(10)));
        assertEquals(hashes(List.of(child)), hashes(pending.pending(1)));
    }

    @Test
    void aCoinSpentTwiceIsRefusedFirstSeenWins() throws Exception {
        VerifiedTransaction first = submit(spend(coins(1), 2));
        TxRejectedException e = rejected(spend(coins(20, 1), 3));
        assertEquals(Reason.DUPLICATE, e.reason());
        assertEquals("coin 1 is already spent by pending transaction " + first.hash(), e.getMessage());
        assertEquals("coin 7 does not exist or is spent", rejected(spend(coins(7), 8)).getMessage());
        assertEquals("coin 2 is already created by pending transaction " + first.hash(),
                rejected(spend(coins(20), 2)).getMessage(), "two pending transactions cannot create one key");
        assertEquals(1, pending.size());
        assertTrue(pending.consumer(coinKey(20)).isEmpty(), "a refused transaction leaves nothing behind");
    }

    @Test
    void whatABlockSpentDropsThePendingSpendAndWhatDependedOnIt() throws Exception {
        VerifiedTransaction parent = submit(spend(coins(1), 2));
        VerifiedTransaction child = submit(spend(coins(2), 3));
        VerifiedTransaction other = submit(spend(coins(10), 11));
        // Coin 1 is spent by a transaction this pool never held (another node's): first seen there won.
        byte[] elsewhere = spend(coins(1, 20), 30);
        commit(verifier.verify(elsewhere));
        assertEquals(hashes(List.of(other)), hashes(pending.pending(10)));
        assertTrue(pending.get(parent.hash()).isEmpty());
        assertTrue(pending.get(child.hash()).isEmpty(), "its coin will never exist");
        assertTrue(pending.producer(coinKey(2)).isEmpty());
        assertEquals(1, pending.size());
        submit(spend(coins(30), 31)); // what the block created can be spent
    }

    /** Coins: a transaction spends coins in state or created by a pending transaction; nothing waits. */
    static final class Coins implements LedgerModel {
        @Override public String model() { return "utxo"; }
        @Override public StateTransition genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) { throw new UnsupportedOperationException(); }
        @Override public Hash stateRoot(StateView state) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
        @Override public Map<String, Object> describe(VerifiedTransaction tx) { return Map.of(); }
        @Override public List<LedgerQuery> queries() { return List.of(); }
        @Override public BigInteger balance(StateView state, Address account) { return BigInteger.ZERO; }
        @Override public void admit(VerifiedTransaction tx, StateView state, Pending pending) {}

        @Override
        public Claims claims(VerifiedTransaction tx) {
            ByteBuffer b = ByteBuffer.wrap(tx.envelope().body());
            List<LedgerKey> spent = new ArrayList<>();
            for (int i = b.get(); i > 0; i--) {
                spent.add(coinKey(b.getLong()));
            }
            List<LedgerKey> created = new ArrayList<>();
            for (int i = b.get(); i > 0; i--) {
                created.add(coinKey(b.getLong()));
            }
            return new Claims(spent, created);
        }

        @Override
        public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
                throws TxRejectedException {
            if (state.get(Keys.of(Keys.STATE, key.bytes())) == null) {
                throw new TxRejectedException(Reason.MALFORMED, "coin " + coin(key) + " does not exist or is spent");
            }
            return true;
        }

        @Override
        public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
            boolean spends = claims(tx).consumes().contains(key);
            return new TxRejectedException(Reason.DUPLICATE, "coin " + coin(key) + " is already "
                    + (spends ? "spent" : "created") + " by pending transaction " + holder);
        }

        private static long coin(LedgerKey key) {
            return ByteBuffer.wrap(key.bytes()).getLong(1);
        }
    }
}
