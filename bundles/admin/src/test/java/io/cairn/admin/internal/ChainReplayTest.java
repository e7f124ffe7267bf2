package io.cairn.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
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
    /** The counter model runs on envelopes of the DAG ledger code: replay knows no model. */
    static final Genesis GENESIS = new Genesis(7, "fake", "dag", 1000, List.of(), new TreeMap<>());
    /** The same chain with version 1 account transfers (the first format) as its transactions. */
    static final Genesis LEGACY = new Genesis(7, "fake", "account", 1000, List.of(), new TreeMap<>());

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
        Envelope t = b.transactions().get(1);
        Envelope bad = Envelope.of(t.payload(), List.of(new byte[64], new byte[64]));
        forged.blocks.set(2, new Block(b.header(), List.of(b.transactions().get(0), bad), b.seals()));
        ChainReplay.Result r = new ChainReplay(forged, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 3);
        assertEquals(2, r.mismatch().block());
        assertEquals("transactions", r.mismatch().what());
        assertTrue(r.mismatch().got().startsWith("transaction 1 of block 2: "), r.text());
        assertTrue(r.mismatch().got().endsWith(": signature 0 does not verify for public key "
                + Bytes.toHex(t.publicKeys().get(0))), r.text());
        // before `from` signatures are not checked (the blocks are only replayed to rebuild the state)...
        assertNull(new ChainReplay(forged, new CounterModel(), SUITE, NodeThreads.DIRECT).run(3, 3).mismatch());
    }

    /** A model whose chain switches, from block 2, to a block format that {@code change} makes of the plain one. */
    static CounterModel formatFrom2(UnaryOperator<BlockHeader> change) {
        io.cairn.api.node.BlockFormat other = new io.cairn.api.node.BlockFormat() {
            @Override
            public Health health() {
                return Health.ready("other");
            }

            @Override
            public BlockHeader next(io.cairn.api.crypto.CryptoSuite suite, BlockHeader parent, long timestamp,
                    byte[] sealer, Hash txRoot, int txCount, List<Receipt> receipts, Hash stateRoot) {
                return change.apply(io.cairn.api.testing.PlainBlockFormat.INSTANCE.next(suite, parent, timestamp,
                        sealer, txRoot, txCount, receipts, stateRoot));
            }
        };
        return new CounterModel() {
            @Override
            public io.cairn.api.node.BlockFormat blockFormat(long n, StateView parent) {
                return n >= 2 ? other : super.blockFormat(n, parent);
            }
        };
    }

    @Test
    void eachBlockIsCheckedAgainstTheHeaderItsOwnBlockFormatMakes() {
        FakeChain chain = FakeChain.make(4, 2, h -> h);
        ChainReplay.Result r = new ChainReplay(chain, formatFrom2(h -> new BlockHeader(h.version(), h.chainId(),
                h.number(), h.parentHash(), h.timestamp(), h.txRoot(), Hash.of(new byte[32]), h.stateRoot(),
                h.txCount(), h.sealer(), h.extra())), SUITE, NodeThreads.DIRECT).run(0, 4);
        assertEquals(2, r.mismatch().block(), "blocks 0 and 1 keep the plain format: " + r.text());
        assertEquals("receipt root", r.mismatch().what());

        // a field outside the roots (here the extra data) is compared too, through the whole header
        r = new ChainReplay(chain, formatFrom2(h -> new BlockHeader(h.version(), h.chainId(), h.number(),
                h.parentHash(), h.timestamp(), h.txRoot(), h.receiptRoot(), h.stateRoot(), h.txCount(), h.sealer(),
                new byte[] {2})), SUITE, NodeThreads.DIRECT).run(0, 4);
        assertEquals(2, r.mismatch().block());
        assertEquals("header", r.mismatch().what());
        assertEquals(Bytes.toHex(chain.blocks.get(2).header().encode()), r.mismatch().expected());
    }

    @Test
    void aChainOfVersion1TransfersReplaysAsBefore() {
        FakeChain chain = FakeChain.make(LEGACY, 4, 3, h -> h);
        assertEquals(1, chain.blocks.get(1).transactions().get(0).version());
        ChainReplay.Result r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 4);
        assertTrue(r.matches(), r.text());
        assertEquals(12, r.transactions());

        Block b = chain.blocks.get(3);
        byte[] raw = b.transactions().get(2).encoded().clone();
        raw[raw.length - 1] ^= 1; // its one signature
        chain.blocks.set(3, new Block(b.header(), List.of(b.transactions().get(0), b.transactions().get(1),
                Envelope.decode(raw)), b.seals()));
        r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 4);
        assertEquals(3, r.mismatch().block());
        assertEquals("transactions", r.mismatch().what());
        assertTrue(r.mismatch().got().startsWith("transaction 2 of block 3: "), r.text());
        assertTrue(r.mismatch().got().endsWith("the signature does not verify for its public key"), r.text());
    }

    @Test
    void everySignerOfAnEnvelopeIsVerified() {
        FakeChain chain = FakeChain.make(3, 2, h -> h);
        ChainReplay.Result r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 3);
        assertTrue(r.matches(), r.text());
        Envelope two = chain.blocks.get(2).transactions().get(1);
        assertEquals(2, two.publicKeys().size(), "the second transaction of a block has two signers");
        Block b = chain.blocks.get(2);
        Envelope forged = Envelope.of(two.payload(), List.of(two.signatures().get(0), two.signatures().get(0)));
        chain.blocks.set(2, new Block(b.header(), List.of(b.transactions().get(0), forged), b.seals()));
        r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 3);
        assertEquals(2, r.mismatch().block());
        assertEquals("transaction 1 of block 2: transaction " + Hash.of(SUITE.hash(two.payload()))
                + ": signature 1 does not verify for public key " + Bytes.toHex(two.publicKeys().get(1)),
                r.mismatch().got());
    }

    @Test
    void anotherLedgersTransactionIsFoundEvenBeforeTheRange() {
        FakeChain chain = FakeChain.make(3, 2, h -> h);
        Block b = chain.blocks.get(1);
        Envelope account = Envelope.sign(SUITE, 7, Envelope.ACCOUNT, new byte[] {1}, List.of(key(9)));
        chain.blocks.set(1, new Block(b.header(), List.of(b.transactions().get(0), account), b.seals()));
        for (long from : new long[] {0, 3}) {
            ChainReplay.Result r = new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(from, 3);
            assertEquals(1, r.mismatch().block(), "from " + from);
            assertEquals("transactions", r.mismatch().what());
            assertEquals("transaction 1 of block 1: transaction is for the account ledger (code 1), this chain runs "
                    + "the dag ledger (code 3)", r.mismatch().got());
        }
    }

    @Test
    void aBlockTheModelRefusesIsAMismatchNamingTheTransaction() {
        FakeChain chain = FakeChain.make(4, 2, h -> h);
        CounterModel strict = new CounterModel() {
            @Override
            public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) {
                if (n == 3) {
                    throw new InvalidBlockException("transaction 1 (" + txs.get(1).hash() + "): spent twice", 1);
                }
                return super.apply(n, txs, parent);
            }
        };
        for (long from : new long[] {0, 4}) {
            ChainReplay.Result r = new ChainReplay(chain, strict, SUITE, NodeThreads.DIRECT).run(from, 4);
            assertEquals(3, r.mismatch().block());
            assertEquals("transactions", r.mismatch().what());
            assertEquals("transactions the ledger model accepts", r.mismatch().expected());
            assertTrue(r.mismatch().got().endsWith("): spent twice"), r.text());
        }
    }

    @Test
    void aRangeOutsideTheChainIsRefused() {
        FakeChain chain = FakeChain.make(2, 1, h -> h);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(0, 9));
        assertEquals("blocks 0..9 are not a range of the chain 0..2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ChainReplay(chain, new CounterModel(), SUITE, NodeThreads.DIRECT).run(2, 1));
    }

    /** The private key of seed {@code i}. */
    static byte[] key(int i) {
        byte[] key = new byte[32];
        key[0] = (byte) i;
        return key;
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
    static class CounterModel implements io.cairn.api.testing.NeverUpgrades {
        static final byte[] ACC = Keys.of(Keys.STATE, "#acc");

        @Override public Health health() { return Health.ready("fake"); }
        @Override public String model() { return "dag"; }

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

        @Override public Claims claims(VerifiedTransaction tx) { return new Claims(List.of(), List.of()); }
        @Override public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) { return true; }
        @Override public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
            return new TxRejectedException(TxRejectedException.Reason.DUPLICATE, "taken by " + holder);
        }
        @Override public void admit(VerifiedTransaction tx, StateView state, Pending pending) {}
        @Override public Map<String, Object> describe(VerifiedTransaction tx) { return Map.of(); }
        @Override public List<LedgerQuery> queries() { return List.of(); }
        @Override public BigInteger balance(StateView state, Address account) { return BigInteger.ZERO; }
        @Override public Hash stateRoot(StateView state) { return Hash.of(state.get(ACC)); }
    }

    /** Blocks made as the executor makes them, with the headers passed through {@code tamper}. */
    static final class FakeChain implements BlockStore {
        final List<Block> blocks = new ArrayList<>();

        final Genesis genesis;

        FakeChain(Genesis genesis) {
            this.genesis = genesis;
        }

        static FakeChain make(int height, int txsPerBlock, UnaryOperator<BlockHeader> tamper) {
            return make(GENESIS, height, txsPerBlock, tamper);
        }

        /**
         * On a {@code dag} genesis, version 2 envelopes, the second of each block signed by two keys; on an
         * {@code account} genesis, version 1 transfers.
         */
        static FakeChain make(Genesis genesis, int height, int txsPerBlock, UnaryOperator<BlockHeader> tamper) {
            FakeChain c = new FakeChain(genesis);
            CounterModel model = new CounterModel();
            Map<ByteBuffer, byte[]> state = new HashMap<>();
            StateTransition g = model.genesis(genesis);
            apply(state, g.writes());
            BlockHeader h = new BlockHeader(1, 7, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, g.stateRoot(), 0, new byte[0],
                    genesis.encode());
            c.blocks.add(new Block(tamper.apply(h), List.of(), List.of()));
            long nonce = 0;
            boolean legacy = genesis.ledger().equals("account");
            for (int n = 1; n <= height; n++) {
                List<Envelope> txs = new ArrayList<>();
                List<VerifiedTransaction> vtxs = new ArrayList<>();
                for (int i = 0; i < txsPerBlock; i++) {
                    Envelope e;
                    if (legacy) {
                        byte[] pub = SUITE.publicKey(key(i + 1));
                        Address to = Address.of(new byte[20]);
                        byte[] payload = Transaction.signingPayload(7, nonce, pub, to, BigInteger.ONE, new byte[0]);
                        e = Envelope.decode(new Transaction(7, nonce, to, BigInteger.ONE, new byte[0], pub,
                                SUITE.sign(SUITE.hash(payload), key(i + 1))).encode());
                    } else {
                        byte[] body = ByteBuffer.allocate(12).putLong(nonce).putInt(i).array();
                        e = Envelope.sign(SUITE, 7, Envelope.DAG, body,
                                i == 1 ? List.of(key(i + 1), key(i + 2)) : List.of(key(i + 1)));
                    }
                    txs.add(e);
                    List<Address> signers = e.publicKeys().stream().map(SUITE::address).toList();
                    vtxs.add(new VerifiedTransaction(e, Hash.of(SUITE.hash(e.payload())), signers));
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
        @Override public Optional<Genesis> genesis() { return Optional.of(genesis); }
        @Override public StateSnapshot state() { throw new UnsupportedOperationException("replay must not read node state"); }
        @Override public Block commit(ExecutedBlock block, List<byte[]> seals) { throw new UnsupportedOperationException(); }
    }
}
