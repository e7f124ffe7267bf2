package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ChainReplayTest {
    static final FakeSuite SUITE = new FakeSuite("fake");
    static final Genesis GENESIS = new Genesis(7, "fake", "counter", 1000, List.of(), new TreeMap<>());

    @Test
    void anUntamperedChainMatchesEveryBlock() {
        FakeChain chain = FakeChain.make(5, 3, h -> h);
        ChainReplay.Result r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, chain.height());
        assertTrue(r.matches(), r.text());
        assertEquals(15, r.transactions());
        assertEquals("verified blocks 0..5: every state root matches", r.text().substring(0, r.text().indexOf(" (")));
    }

    @Test
    void aTamperedStateRootIsFoundAtItsBlock() {
        FakeChain chain = FakeChain.make(5, 3, h -> h.number() == 3 ? withStateRoot(h, Hash.of(new byte[32])) : h);
        ChainReplay.Result r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, chain.height());
        assertFalse(r.matches());
        assertEquals(3, r.mismatch().block());
        assertEquals("state root", r.mismatch().what());
        assertEquals(2, r.lastChecked());
        assertTrue(r.text().startsWith("MISMATCH at block 3: state root differs: the header has 0x0000"), r.text());
    }

    @Test
    void aModelThatComputesOtherStateIsFound() {
        FakeChain chain = FakeChain.make(4, 2, h -> h);
        CounterModel other = new CounterModel() {
            @Override
            public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) {
                StateTransition t = super.apply(n, txs, parent);
                // a rule change from block 2 on: the sender's counter moves by two
                return n >= 2 ? super.apply(n, txs, key -> bump(parent, key)) : t;
            }
        };
        ChainReplay.Result r = new ChainReplay(chain, other, SUITE, NodeThreads.DIRECT).run(0, chain.height());
        assertEquals(2, r.mismatch().block());
        assertEquals("state root", r.mismatch().what());
    }

    @Test
    void aTamperedReceiptRootAndABadSignatureAreFound() {
        FakeChain receipts = FakeChain.make(3, 2, h -> h.number() == 2 ? new BlockHeader(h.version(), h.chainId(),
                h.number(), h.parentHash(), h.timestamp(), h.txRoot(), Hash.of(new byte[32]), h.stateRoot(), h.txCount(),
                h.sealer(), h.extra()) : h);
        assertEquals("receipt root", new ChainReplay(receipts, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 3).mismatch().what());

        FakeChain forged = FakeChain.make(3, 2, h -> h);
        Block b = forged.blocks.get(2);
        Transaction t = b.transactions().get(1);
        Transaction bad = new Transaction(t.chainId(), t.nonce(), t.to(), t.value(), t.data(), t.publicKey(), new byte[64]);
        forged.blocks.set(2, new Block(b.header(), List.of(b.transactions().get(0), bad), b.seals()));
        ChainReplay.Result r = new ChainReplay(forged, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 3);
        assertEquals(2, r.mismatch().block());
        assertEquals("transactions", r.mismatch().what());
        assertTrue(r.mismatch().got().startsWith("transaction 1 of block 2: "), r.text());
        assertTrue(r.mismatch().got().endsWith("the signature does not verify for its public key"), r.text());
        // before `from` signatures are not checked (the blocks are only replayed to rebuild the state)...
        assertNull(new ChainReplay(forged, new CounterModel(), SUITE, NodeThreads.DIRECT).run(3, 3).mismatch());
    }

    @Test
    void aRangeOutsideTheChainIsRefused() {
        FakeChain chain = FakeChain.make(2, 1, h -> h);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 9));
        assertEquals("blocks 0..9 are not a range of the chain 0..2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(2, 1));
    }

    static byte[] bump(StateView parent, byte[] key) {
        byte[] v = parent.get(key);
        if (v == null || key[1] == '#') {
            return v;
        }
        return ByteBuffer.allocate(8).putLong(ByteBuffer.wrap(v).getLong() + 1).array();
    }

    static BlockHeader withStateRoot(BlockHeader h, Hash root) {
        return new BlockHeader(h.version(), h.chainId(), h.number(), h.parentHash(), h.timestamp(), h.txRoot(),
                h.receiptRoot(), root, h.txCount(), h.sealer(), h.extra());
    }

    /**
     * A ledger model in miniature: a per-sender counter and an accumulator folding in every transaction; the state
     * root is the accumulator.
     */
    static class CounterModel implements LedgerModel {
        static final byte[] ACC = Keys.of(Keys.STATE, "#acc");

        @Override public Health health() { return Health.ready("fake"); }
        @Override public String model() { return "counter"; }

        @Override
        public StateTransition genesis(Genesis genesis) {
            byte[] acc = SUITE.hash(ByteBuffer.allocate(8).putLong(genesis.chainId()).array());
            return new StateTransition(List.of(), new WriteBatch().put(ACC, acc), Hash.of(acc));
        }

        @Override
        public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) {
            byte[] acc = parent.get(ACC);
            Map<ByteBuffer, Long> counts = new HashMap<>();
            List<Receipt> receipts = new ArrayList<>();
            WriteBatch w = new WriteBatch();
            for (int i = 0; i < txs.size(); i++) {
                VerifiedTransaction t = txs.get(i);
                byte[] key = Keys.of(Keys.STATE, t.sender().toByteArray());
                long c = counts.computeIfAbsent(ByteBuffer.wrap(key), k -> {
                    byte[] v = parent.get(key);
                    return v == null ? 0L : ByteBuffer.wrap(v).getLong();
                }) + 1;
                counts.put(ByteBuffer.wrap(key), c);
                w.put(key, ByteBuffer.allocate(8).putLong(c).array());
                acc = FakeSuite.sha256(acc, t.hash().toByteArray(), ByteBuffer.allocate(8).putLong(c).array());
                receipts.add(new Receipt(t.hash(), n, i, t.sender(), Receipt.Status.SUCCESS, ""));
            }
            w.put(ACC, acc);
            return new StateTransition(receipts, w, Hash.of(acc));
        }

        @Override public void admit(VerifiedTransaction tx, StateView state, long expectedNonce) {}
        @Override public long nonce(StateView state, Address account) { return 0; }
        @Override public BigInteger balance(StateView state, Address account) { return BigInteger.ZERO; }
        @Override public Hash stateRoot(StateView state) { return Hash.of(state.get(ACC)); }
    }

    /** Blocks made as the executor makes them, with the headers passed through {@code tamper}. */
    static final class FakeChain implements BlockStore {
        final List<Block> blocks = new ArrayList<>();

        static FakeChain make(int height, int txsPerBlock, UnaryOperator<BlockHeader> tamper) {
            FakeChain c = new FakeChain();
            CounterModel model = new CounterModel();
            Map<ByteBuffer, byte[]> state = new HashMap<>();
            StateTransition g = model.genesis(GENESIS);
            apply(state, g.writes());
            BlockHeader h = new BlockHeader(1, 7, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, g.stateRoot(), 0, new byte[0],
                    GENESIS.encode());
            c.blocks.add(new Block(tamper.apply(h), List.of(), List.of()));
            long nonce = 0;
            for (int n = 1; n <= height; n++) {
                List<Transaction> txs = new ArrayList<>();
                List<VerifiedTransaction> vtxs = new ArrayList<>();
                for (int i = 0; i < txsPerBlock; i++) {
                    byte[] key = new byte[32];
                    key[0] = (byte) (i + 1);
                    byte[] pub = SUITE.publicKey(key);
                    Address to = Address.of(new byte[20]);
                    byte[] payload = Transaction.signingPayload(7, nonce, pub, to, BigInteger.ONE, new byte[0]);
                    byte[] hash = SUITE.hash(payload);
                    Transaction tx = new Transaction(7, nonce, to, BigInteger.ONE, new byte[0], pub, SUITE.sign(hash, key));
                    txs.add(tx);
                    vtxs.add(new VerifiedTransaction(tx, Hash.of(hash), SUITE.address(pub), tx.encode()));
                }
                nonce++;
                StateTransition t = model.apply(n, vtxs, k -> state.get(ByteBuffer.wrap(k)));
                apply(state, t.writes());
                List<Hash> leaves = new ArrayList<>();
                for (Receipt r : t.receipts()) {
                    leaves.add(SUITE.digest(r.encode()));
                }
                Hash parent = SUITE.digest(c.blocks.get(n - 1).header().encode());
                h = new BlockHeader(1, 7, n, parent, 1000 + n, MerkleRoot.of(vtxs.stream().map(VerifiedTransaction::hash)
                        .toList(), SUITE::hash), MerkleRoot.of(leaves, SUITE::hash), t.stateRoot(), txs.size(), new byte[0],
                        new byte[0]);
                c.blocks.add(new Block(tamper.apply(h), txs, List.of()));
            }
            return c;
        }

        private static void apply(Map<ByteBuffer, byte[]> state, WriteBatch w) {
            for (WriteBatch.Op op : w.ops()) {
                state.put(ByteBuffer.wrap(op.key()), op.value());
            }
        }

        @Override public Health health() { return Health.ready("fake"); }
        @Override public long height() { return blocks.size() - 1; }
        @Override public Optional<BlockHeader> header(long n) { return block(n).map(Block::header); }
        @Override public Optional<Hash> hash(long n) { throw new UnsupportedOperationException(); }

        @Override
        public Optional<Block> block(long n) {
            return n >= 0 && n < blocks.size() ? Optional.of(blocks.get((int) n)) : Optional.empty();
        }

        @Override public Optional<Block> block(Hash hash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Long> number(Hash blockHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Located> transaction(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Receipt> receipt(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public long totalTransactionCount() { throw new UnsupportedOperationException(); }
        @Override public Optional<Genesis> genesis() { return Optional.of(GENESIS); }
        @Override public StateSnapshot state() { throw new UnsupportedOperationException("replay must not read node state"); }
        @Override public Block commit(ExecutedBlock block, List<byte[]> seals) { throw new UnsupportedOperationException(); }
    }
}
