package io.cairn.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.EngineInfo;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CairnCommandsTest {
    static final class Suite implements CryptoSuite {
        @Override public String name() { return "fake"; }
        @Override public byte[] hash(byte[] data) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(data);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        @Override public byte[] sign(byte[] h, byte[] k) { return new byte[64]; }
        @Override public boolean verify(byte[] h, byte[] s, byte[] k) { return true; }
        @Override public KeyPair generateKeyPair() { return null; }
        @Override public byte[] publicKey(byte[] k) { return new byte[64]; }
    }

    static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    static Transaction tx(int sender, long nonce) {
        return new Transaction(7, nonce, Address.of(filled(20, 0x22)), BigInteger.valueOf(20), new byte[] {1, 2},
                filled(64, sender), filled(64, 0x55));
    }

    /** A version 2 account transfer with a made-up key and signature (the test suite verifies anything). */
    static Envelope tx2(int sender, long nonce) {
        byte[] body = new Encoder().u64(nonce).fixed(filled(20, 0x33)).fixed(Uint256.toBytes(BigInteger.valueOf(5)))
                .bytes(new byte[0]).toByteArray();
        return Envelope.of(Envelope.payload(7, Envelope.ACCOUNT, body, List.of(filled(64, sender))),
                List.of(filled(64, 0x66)));
    }

    /**
     * A stand-in for the account model (the real one is not this module's): the fields of an account transfer of
     * either body version, as the model describes them.
     */
    /** A chain that never upgrades: rules 1 throughout, no plans. */
    static class Model implements io.cairn.api.testing.NeverUpgrades {
        @Override public String model() { return "account"; }
        @Override public StateTransition genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) { throw new UnsupportedOperationException(); }
        @Override public Claims claims(VerifiedTransaction tx) { throw new UnsupportedOperationException(); }
        @Override public boolean available(StateView s, LedgerKey k, Pending p, int holdLimit) { throw new UnsupportedOperationException(); }
        @Override public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey k, Hash holder) { throw new UnsupportedOperationException(); }
        @Override public void admit(VerifiedTransaction tx, StateView state, Pending pending) {}
        @Override public BigInteger balance(StateView state, Address account) { return BigInteger.ZERO; }
        @Override public List<LedgerQuery> queries() { return List.of(); }
        @Override public Hash stateRoot(StateView state) { return Hash.ZERO; }
        @Override public Health health() { return Health.ready("account rules"); }

        @Override public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
            Envelope env = tx.envelope();
            Decoder d = new Decoder(env.body(), "account transfer");
            Map<String, Object> m = new LinkedHashMap<>();
            try {
                m.put("nonce", new BigInteger(Long.toUnsignedString(d.u64("nonce"))));
                if (env.version() == 1) {
                    d.fixed(64, "publicKey");
                }
                m.put("from", tx.sender().toHex());
                m.put("to", Address.of(d.fixed(20, "to")).toHex());
                m.put("value", Uint256.fromBytes(d.fixed(32, "value")).toString());
                m.put("data", Bytes.toHex(d.bytes(Transaction.MAX_DATA, "data")));
                d.end();
            } catch (MalformedDataException e) {
                throw new TxRejectedException(TxRejectedException.Reason.MALFORMED, e.getMessage());
            }
            return m;
        }
    }

    final Suite suite = new Suite();
    final Transaction committed = tx(1, 0);
    final Hash committedHash = suite.digest(committed.signingPayload());
    final Block genesis = new Block(new BlockHeader(1, 7, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0,
            new byte[0], new byte[0]), List.of(), List.of());
    final Hash genesisHash = suite.digest(genesis.header().encode());
    final Block block1 = new Block(new BlockHeader(1, 7, 1, genesisHash, 1_700_000_000_000L, Hash.of(filled(32, 1)),
            Hash.of(filled(32, 2)), Hash.of(filled(32, 3)), 1, filled(64, 9), new byte[0]), List.of(Envelope.decode(committed.encode())),
            List.of(filled(128, 7)));
    final Hash block1Hash = suite.digest(block1.header().encode());
    final Map<Hash, VerifiedTransaction> pending = new HashMap<>();

    final BlockStore store = new BlockStore() {
        final List<Block> blocks = List.of(genesis, block1);
        final List<Hash> hashes = List.of(genesisHash, block1Hash);
        @Override public long height() { return 1; }
        @Override public Optional<BlockHeader> header(long n) { return block(n).map(Block::header); }
        @Override public Optional<Hash> hash(long n) { return n < 2 ? Optional.of(hashes.get((int) n)) : Optional.empty(); }
        @Override public Optional<Block> block(long n) { return n < 2 ? Optional.of(blocks.get((int) n)) : Optional.empty(); }
        @Override public Optional<Block> block(Hash h) { int i = hashes.indexOf(h); return i < 0 ? Optional.empty() : Optional.of(blocks.get(i)); }
        @Override public Optional<Long> number(Hash h) { return Optional.empty(); }
        @Override public Optional<Located> transaction(Hash h) {
            return h.equals(committedHash) ? Optional.of(new Located(Envelope.decode(committed.encode()), h, 1, 0))
                    : Optional.empty();
        }
        @Override public Optional<Receipt> receipt(Hash h) {
            return h.equals(committedHash) ? Optional.of(new Receipt(h, 1, 0, suite.address(committed.publicKey()),
                    Receipt.Status.BAD_NONCE, "nonce 0 expected 1")) : Optional.empty();
        }
        @Override public long totalTransactionCount() { return 1; }
        @Override public Optional<Genesis> genesis() { return Optional.empty(); }
        @Override public StateSnapshot state() { throw new UnsupportedOperationException(); }
        @Override public Block commit(ExecutedBlock b, List<byte[]> s) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("ok"); }
    };

    final TxPool pool = new TxPool() {
        @Override public Optional<VerifiedTransaction> producer(LedgerKey key) { return Optional.empty(); }
        @Override public Optional<VerifiedTransaction> consumer(LedgerKey key) { return Optional.empty(); }
        @Override public VerifiedTransaction submit(byte[] e) { throw new UnsupportedOperationException(); }
        @Override public List<VerifiedTransaction> pending(int max) { return new ArrayList<>(pending.values()); }
        @Override public Optional<VerifiedTransaction> get(Hash h) { return Optional.ofNullable(pending.get(h)); }
        @Override public int size() { return pending.size(); }
        @Override public int capacity() { return 200000; }
        @Override public io.cairn.api.node.PoolStatus status() { return new io.cairn.api.node.PoolStatus(size(), 200000, 2500, 0); }
        @Override public Health health() { return Health.ready("ok"); }
    };

    final Consensus solo = new Consensus() {
        @Override public String engine() { return "solo"; }
        @Override public io.cairn.api.node.ConsensusStatus status() {
            return new io.cairn.api.node.ConsensusStatus("solo", 2, null, 0, 1, 0, 2000, 500, false, null);
        }
        @Override public Health health() { return Health.ready("sealing every 500 ms"); }
    };

    final NodeIdentity identity = new NodeIdentity() {
        @Override public byte[] publicKey() { return filled(64, 9); }
        @Override public Address address() { return suite.address(publicKey()); }
        @Override public byte[] sign(byte[] h) { return new byte[64]; }
        @Override public CryptoSuite suite() { return suite; }
    };

    final List<EngineInfo> engines = List.of(
            new EngineInfo("storage", "rocksdb", "cairn-storage-rocksdb", "1.0.0.SNAPSHOT", 14, true, "open data/chain"),
            new EngineInfo("rpc", null, null, null, -1, false, "no engine provides it"));

    CairnCommands commands() {
        CairnCommands c = new CairnCommands(() -> engines);
        c.blockStore = store;
        c.txPool = pool;
        c.consensus = solo;
        c.identity = identity;
        c.ledgerModel = new Model();
        return c;
    }

    @Test
    void statusShowsHeightHeadPoolAndConsensus() {
        VerifiedTransaction p = verified(tx(3, 0));
        pending.put(p.hash(), p);
        String s = commands().status();
        assertTrue(s.contains("height        1\n"), s);
        assertTrue(s.contains("head          " + block1Hash.toHex()), s);
        assertTrue(s.contains("pool          1 / 200000"), s);
        assertTrue(s.contains("consensus     solo (ready: sealing every 500 ms)"), s);
        assertTrue(s.contains("ledger        account (ready: account rules)"), s);
        assertFalse(s.endsWith("\n"));
    }

    @Test
    void statusSaysWhatIsMissing() {
        CairnCommands c = new CairnCommands(() -> engines);
        String s = c.status();
        assertTrue(s.contains("no ledger engine"), s);
        assertTrue(s.contains("no txpool engine"), s);
        assertTrue(s.contains("no consensus engine"), s);
        assertTrue(s.contains("ledger        none (no ledger model engine)"), s);
    }

    @Test
    void blockDefaultsToTheLatest() {
        String s = commands().block();
        assertTrue(s.startsWith("block         1\n"), s);
        assertTrue(s.contains("hash          " + block1Hash.toHex()), s);
        assertTrue(s.contains("parentHash    " + genesisHash.toHex()), s);
        assertTrue(s.contains("timestamp     1700000000000 (2023-11-14T22:13:20Z)"), s);
        assertTrue(s.contains("stateRoot     0x" + "03".repeat(32)), s);
        assertTrue(s.contains("seals         1"), s);
        assertTrue(s.contains("transactions  1\n  0  " + committedHash.toHex()), s);
        assertEquals(s, commands().block("latest"));
    }

    @Test
    void blockByNumberAndByHash() {
        assertEquals(commands().block(), commands().block("1"));
        assertEquals(commands().block(), commands().block(1L));
        assertEquals(commands().block(), commands().block(block1Hash.toHex()));
        assertTrue(commands().block("0").startsWith("block         0\n"));
        assertEquals("no block 5 (height is 1)", commands().block("5"));
        assertEquals("unknown block 0x" + "ab".repeat(32), commands().block("0x" + "ab".repeat(32)));
    }

    @Test
    void blockWithoutTheSuiteSaysWhyHashesAreMissing() {
        CairnCommands c = commands();
        c.identity = null;
        assertTrue(c.block().contains("(hashes not shown: no crypto engine"), c.block());
    }

    @Test
    void badBlockArgumentsAreNamed() {
        assertEquals("not a block number or hash: x", assertThrows(IllegalArgumentException.class,
                () -> commands().block("x")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> commands().block("0x1234")).getMessage()
                .startsWith("not a block number or hash: 0x1234"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> commands().block("-3")).getMessage()
                .startsWith("not a block number or hash: -3"));
    }

    @Test
    void blockWithoutTheLedgerIsAClearError() {
        CairnCommands c = new CairnCommands(() -> engines);
        assertTrue(assertThrows(IllegalStateException.class, c::block).getMessage().contains("no ledger engine"));
    }

    @Test
    void committedTransactionWithItsLocationAndReceipt() {
        String s = commands().tx(committedHash.toHex());
        assertTrue(s.startsWith("transaction   " + committedHash.toHex()), s);
        assertTrue(s.contains("location      block 1 (" + block1Hash.toHex() + "), index 0"), s);
        assertTrue(s.contains("version       1\nchainId       7\nledger        account\nnonce         0\n"), s);
        assertTrue(s.contains("from          " + suite.address(committed.publicKey()).toHex()), s);
        assertTrue(s.contains("to            0x" + "22".repeat(20)), s);
        assertTrue(s.contains("value         20"), s);
        assertTrue(s.contains("data          0x0102\nsigner        " + suite.address(committed.publicKey()).toHex()), s);
        assertTrue(s.contains("status        BAD_NONCE (2)"), s);
        assertTrue(s.contains("message       nonce 0 expected 1"), s);
    }

    @Test
    void withoutTheSuiteTheReceiptNamesTheSender() {
        CairnCommands c = commands();
        c.identity = null;
        String s = c.tx(committedHash.toHex());
        assertTrue(s.contains("from          " + suite.address(committed.publicKey()).toHex()), s);
        assertTrue(s.contains("signer        " + suite.address(committed.publicKey()).toHex()), s);
    }

    @Test
    void withoutTheModelTheEnvelopeAndTheBodyAreShown() {
        CairnCommands c = commands();
        c.ledgerModel = null;
        String s = c.tx(committedHash.toHex());
        Envelope env = Envelope.decode(committed.encode());
        assertTrue(s.contains("ledger        account\nbody          " + Bytes.toHex(env.body())
                + "\n  (fields not shown: no ledger model engine to read the body)"), s);
        assertTrue(s.contains("signer        " + suite.address(committed.publicKey()).toHex()), s);
        assertTrue(s.contains("status        BAD_NONCE (2)"), s);
        assertFalse(s.contains("from  "), s);
    }

    @Test
    void aPendingVersion2EnvelopeIsDescribedByTheModel() {
        VerifiedTransaction p = verified(tx2(4, 11));
        pending.put(p.hash(), p);
        String s = commands().tx(p.hash().toHex());
        assertTrue(s.contains("location      pending in pool\nversion       2\nchainId       7\nledger        account\n"
                + "nonce         11\nfrom          " + suite.address(filled(64, 4)).toHex() + "\nto            0x"
                + "33".repeat(20) + "\nvalue         5\ndata          0x\nsigner        " + suite.address(filled(64, 4)).toHex()), s);
    }

    @Test
    void aTransactionOfSeveralSignersListsEachAndAModelsNestedValues() {
        Envelope env = Envelope.of(Envelope.payload(7, Envelope.UTXO, new byte[] {1},
                List.of(filled(64, 1), filled(64, 2))), List.of(filled(64, 0x66), filled(64, 0x67)));
        VerifiedTransaction p = verified(env);
        pending.put(p.hash(), p);
        CairnCommands c = commands();
        c.ledgerModel = new Model() {
            @Override public String model() { return "utxo"; }
            @Override public Map<String, Object> describe(VerifiedTransaction tx) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("inputs", List.of(Map.of("coin", "0x01"), Map.of("coin", "0x02")));
                return m;
            }
        };
        String s = c.tx(p.hash().toHex());
        assertTrue(s.contains("ledger        utxo\ninputs        [{coin: 0x01}, {coin: 0x02}]\n"), s);
        assertTrue(s.contains("signer 0      " + suite.address(filled(64, 1)).toHex() + "\nsigner 1      "
                + suite.address(filled(64, 2)).toHex()), s);
        c.ledgerModel = new Model();
        assertTrue(c.tx(p.hash().toHex()).contains("(fields not shown: the ledger model engine reads account transactions, not utxo)"));
    }

    @Test
    void pendingTransaction() {
        VerifiedTransaction p = verified(tx(3, 4));
        pending.put(p.hash(), p);
        String s = commands().tx(p.hash().toHex());
        assertTrue(s.contains("location      pending in pool"), s);
        assertTrue(s.contains("nonce         4"), s);
        assertFalse(s.contains("status"), s);
    }

    @Test
    void unknownTransaction() {
        assertEquals("unknown transaction 0x" + "cd".repeat(32), commands().tx("0x" + "cd".repeat(32)));
    }

    @Test
    void badTransactionHashIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> commands().tx("0xzz")).getMessage()
                .startsWith("not a transaction hash (32 bytes of 0x hex): 0xzz"));
    }

    @Test
    void componentsTable() {
        String s = commands().components();
        String[] lines = s.split("\n");
        assertEquals(3, lines.length, s);
        assertEquals("COMPONENT  ENGINE   BUNDLE                 VERSION         ID  READY  DETAIL", lines[0]);
        assertEquals("storage    rocksdb  cairn-storage-rocksdb  1.0.0.SNAPSHOT  14  yes    open data/chain", lines[1]);
        assertEquals("rpc        -        -                      -               -   no     no engine provides it", lines[2]);
    }

    private VerifiedTransaction verified(Transaction t) {
        return verified(Envelope.decode(t.encode()));
    }

    private VerifiedTransaction verified(Envelope env) {
        List<Address> signers = new ArrayList<>();
        for (byte[] k : env.publicKeys()) {
            signers.add(suite.address(k));
        }
        return new VerifiedTransaction(env, suite.digest(env.payload()), signers);
    }
}
