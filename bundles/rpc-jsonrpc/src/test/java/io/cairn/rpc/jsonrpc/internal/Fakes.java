package io.cairn.rpc.jsonrpc.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.network.PeerReputation;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.EngineInfo;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.PoolStatus;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Plain-object stand-ins for the node's components: a two-block chain, a pool and a consensus. */
final class Fakes {
    private Fakes() {}

    static final long CHAIN_ID = 7;

    /**
     * The api test-jar's keyed suite under the name the fake genesis gives: SHA-256 hashing, and signatures that
     * verify only for their key, so that a test can check a signature as a client would.
     */
    static final class Suite implements CryptoSuite {
        private final KeyedSuite keyed = new KeyedSuite("fake");
        @Override public String name() { return keyed.name(); }
        @Override public byte[] hash(byte[] data) { return keyed.hash(data); }
        @Override public byte[] sign(byte[] hash32, byte[] privateKey) { return keyed.sign(hash32, privateKey); }
        @Override public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
            return keyed.verify(hash32, signature, publicKey);
        }
        @Override public KeyPair generateKeyPair() { return keyed.generateKeyPair(); }
        @Override public byte[] publicKey(byte[] privateKey) { return keyed.publicKey(privateKey); }
        KeyPair key(String seed) { return keyed.key(seed); }
    }

    private static final Suite SIGNER = new Suite();

    /** A 64-byte node id (not a signing key). */
    static byte[] key(int seed) {
        byte[] k = new byte[64];
        Arrays.fill(k, (byte) seed);
        return k;
    }

    /** The signing key of sender {@code n}. */
    static CryptoSuite.KeyPair sender(int n) {
        return SIGNER.key("sender-" + n);
    }

    /** A transfer signed by sender {@code sender}, as a client makes it. */
    static Transaction tx(int sender, long nonce, int value) {
        CryptoSuite.KeyPair k = sender(sender);
        Address to = Address.of(filled(20, 0x22));
        byte[] payload = Transaction.signingPayload(CHAIN_ID, nonce, k.publicKey(), to, BigInteger.valueOf(value),
                new byte[] {1, 2});
        byte[] signature = SIGNER.sign(SIGNER.hash(payload), k.privateKey());
        return new Transaction(CHAIN_ID, nonce, to, BigInteger.valueOf(value), new byte[] {1, 2}, k.publicKey(),
                signature);
    }

    /** A version 2 account transfer ({@code u64 nonce | to[20] | value[32] | bytes data}) signed by sender {@code sender}. */
    static Envelope tx2(int sender, long nonce, int value) {
        byte[] body = new Encoder().u64(nonce).fixed(filled(20, 0x33)).fixed(Uint256.toBytes(BigInteger.valueOf(value)))
                .bytes(new byte[] {3, 4, 5}).toByteArray();
        return Envelope.sign(SIGNER, CHAIN_ID, Envelope.ACCOUNT, body, List.of(sender(sender).privateKey()));
    }

    /** The v1 transfer as the envelope it is. */
    static Envelope env(Transaction tx) {
        return Envelope.decode(tx.encode());
    }

    /** The nonce of an account transfer of either version: the body starts with it. */
    static long nonce(VerifiedTransaction vt) {
        return new Decoder(vt.envelope().body(), "body").u64("nonce");
    }

    static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    static VerifiedTransaction verified(Suite suite, Envelope env) {
        List<Address> signers = new ArrayList<>();
        for (byte[] k : env.publicKeys()) {
            signers.add(suite.address(k));
        }
        return new VerifiedTransaction(env, suite.digest(env.payload()), signers);
    }

    static VerifiedTransaction verified(Suite suite, Transaction tx) {
        return verified(suite, env(tx));
    }

    /** A pool that admits whatever decodes; as {@link io.cairn.api.ledger.Pending} it names each transfer's nonce key. */
    static class Pool implements TxPool {
        final Suite suite;
        final Map<Hash, VerifiedTransaction> pending = Collections.synchronizedMap(new LinkedHashMap<>());
        final List<VerifiedTransaction> submitted = Collections.synchronizedList(new ArrayList<>());
        final Map<LedgerKey, VerifiedTransaction> consumers = new ConcurrentHashMap<>();
        volatile TxRejectedException reject;

        Pool(Suite suite) {
            this.suite = suite;
        }

        @Override public VerifiedTransaction submit(byte[] encoded) throws TxRejectedException {
            if (reject != null) {
                throw reject;
            }
            VerifiedTransaction vt = verified(suite, Envelope.decode(encoded));
            submitted.add(vt);
            pending.put(vt.hash(), vt);
            consumers.put(Model.key(vt.sender(), nonce(vt)), vt);
            return vt;
        }
        @Override public Optional<VerifiedTransaction> producer(LedgerKey key) { return Optional.empty(); }
        @Override public Optional<VerifiedTransaction> consumer(LedgerKey key) { return Optional.ofNullable(consumers.get(key)); }
        @Override public List<VerifiedTransaction> pending(int max) { return List.copyOf(pending.values()); }
        @Override public Optional<VerifiedTransaction> get(Hash txHash) { return Optional.ofNullable(pending.get(txHash)); }
        @Override public int size() { return pending.size(); }
        @Override public int capacity() { return 200000; }
        @Override public PoolStatus status() { return new PoolStatus(pending.size(), 200000, 150000, 1234.5); }
        @Override public Health health() { return Health.ready("ok"); }
    }

    /** Genesis (block 0, empty) and block 1 holding two transactions, the second of which failed. */
    static final class Store implements BlockStore {
        final Suite suite;
        final List<Block> blocks = new ArrayList<>();
        final List<Hash> hashes = new ArrayList<>();
        final Map<Hash, Located> located = new TreeMap<>();
        final Map<Hash, Receipt> receipts = new TreeMap<>();
        /** Replaceable, so that a test can name sealers. */
        volatile Genesis genesis;

        Store(Suite suite) {
            this.suite = suite;
            genesis = new Genesis(CHAIN_ID, "fake", "account", 1000, List.of(), new TreeMap<>());
            BlockHeader h0 = new BlockHeader(1, CHAIN_ID, 0, Hash.ZERO, 1000, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0,
                    new byte[0], genesis.encode());
            add(new Block(h0, List.of(), List.of()));
            Transaction a = tx(1, 0, 10);
            Transaction b = tx(2, 0, 20);
            Hash ha = suite.digest(a.signingPayload());
            Hash hb = suite.digest(b.signingPayload());
            BlockHeader h1 = new BlockHeader(1, CHAIN_ID, 1, hashes.get(0), 2000, MerkleRoot.of(List.of(ha, hb), suite::hash),
                    Hash.of(filled(32, 2)), Hash.of(filled(32, 3)), 2, key(9), new byte[0]);
            add(new Block(h1, List.of(env(a), env(b)), List.of(filled(128, 0x77))));
            located.put(ha, new Located(env(a), ha, 1, 0));
            located.put(hb, new Located(env(b), hb, 1, 1));
            receipts.put(ha, new Receipt(ha, 1, 0, suite.address(a.publicKey()), Receipt.Status.SUCCESS, ""));
            receipts.put(hb, new Receipt(hb, 1, 1, suite.address(b.publicKey()), Receipt.Status.INSUFFICIENT_BALANCE,
                    "balance 0 < 20"));
        }

        private void add(Block b) {
            blocks.add(b);
            hashes.add(suite.digest(b.header().encode()));
        }

        /** Commits a block of {@code txs} on top, each with a SUCCESS receipt naming its first signer. */
        void commit(Envelope... txs) {
            long n = blocks.size();
            List<Hash> txHashes = new ArrayList<>();
            for (Envelope e : txs) {
                txHashes.add(suite.digest(e.payload()));
            }
            BlockHeader h = new BlockHeader(1, CHAIN_ID, n, hashes.get((int) n - 1), 3000,
                    MerkleRoot.of(txHashes, suite::hash), Hash.of(filled(32, 2)), Hash.of(filled(32, 3)), txs.length,
                    key(9), new byte[0]);
            add(new Block(h, List.of(txs), List.of(filled(128, 0x77))));
            for (int i = 0; i < txs.length; i++) {
                located.put(txHashes.get(i), new Located(txs[i], txHashes.get(i), n, i));
                receipts.put(txHashes.get(i), new Receipt(txHashes.get(i), n, i,
                        suite.address(txs[i].publicKeys().get(0)), Receipt.Status.SUCCESS, ""));
            }
        }

        Hash txHash(int block, int index) {
            return suite.digest(blocks.get(block).transactions().get(index).payload());
        }

        @Override public long height() { return blocks.size() - 1; }
        @Override public Optional<BlockHeader> header(long n) { return block(n).map(Block::header); }
        @Override public Optional<Hash> hash(long n) { return n < hashes.size() ? Optional.of(hashes.get((int) n)) : Optional.empty(); }
        /** A store that joined the chain at this block from a snapshot (it holds no block 1..joined), or -1. */
        volatile long joined = -1;
        @Override public java.util.OptionalLong joinedAt() { return joined < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(joined); }
        /** A message: every block and receipt is archived in a file that cannot be read, as the ledger then says. */
        volatile String archivedAway;
        @Override public Optional<Block> block(long n) {
            if (archivedAway != null) {
                throw new io.cairn.api.node.BlockArchivedException(archivedAway, "/gone", 1, 1);
            }
            return n > 0 && n <= joined ? Optional.empty() : n < blocks.size() ? Optional.of(blocks.get((int) n)) : Optional.empty();
        }
        @Override public Optional<Block> block(Hash h) { int i = hashes.indexOf(h); return i < 0 ? Optional.empty() : Optional.of(blocks.get(i)); }
        @Override public Optional<Long> number(Hash h) { int i = hashes.indexOf(h); return i < 0 ? Optional.empty() : Optional.of((long) i); }
        @Override public Optional<Located> transaction(Hash h) { return Optional.ofNullable(located.get(h)); }
        @Override public Optional<Receipt> receipt(Hash h) {
            if (archivedAway != null) {
                throw new io.cairn.api.node.BlockArchivedException(archivedAway, "/gone", 1, 1);
            }
            return Optional.ofNullable(receipts.get(h));
        }
        @Override public long totalTransactionCount() { return 2; }
        @Override public Optional<Genesis> genesis() { return Optional.of(genesis); }
        @Override public StateSnapshot state() {
            return new StateSnapshot() {
                @Override public BlockHeader header() { return blocks.get(blocks.size() - 1).header(); }
                @Override public byte[] get(byte[] key) { return null; }
                @Override public void close() { closedSnapshots++; }
            };
        }
        int closedSnapshots;
        @Override public Block commit(ExecutedBlock block, List<byte[]> seals) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("ok"); }
    }

    /**
     * A stand-in for the account model (the real one is not this module's): it describes account transfers of
     * both body versions with the fields and JSON forms the RPC printed before the envelope, and offers getNonce:
     * the state's nonce ({@link #stateNonce}) advanced past the pool's consecutive transfers.
     */
    static class Model implements LedgerModel {
        volatile long stateNonce = 3;
        /** States the getNonce query was answered on. */
        final List<StateView> states = new CopyOnWriteArrayList<>();

        static LedgerKey key(Address sender, long nonce) {
            return LedgerKey.of(new Encoder().u8('n').fixed(sender.toByteArray()).u64(nonce).toByteArray());
        }

        @Override public String model() { return "account"; }
        @Override public StateTransition genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) { throw new UnsupportedOperationException(); }
        @Override public Claims claims(VerifiedTransaction tx) { throw new UnsupportedOperationException(); }
        @Override public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) { throw new UnsupportedOperationException(); }
        @Override public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) { throw new UnsupportedOperationException(); }
        @Override public void admit(VerifiedTransaction tx, StateView state, Pending pending) {}
        @Override public BigInteger balance(StateView state, Address account) {
            return new BigInteger("123456789012345678901234567890");
        }
        @Override public Hash stateRoot(StateView state) { return Hash.ZERO; }
        @Override public Health health() { return Health.ready("ok"); }

        @Override public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
            Envelope env = tx.envelope();
            Decoder d = new Decoder(env.body(), "account transfer");
            Map<String, Object> m = new LinkedHashMap<>();
            try {
                long nonce = d.u64("nonce");
                if (env.version() == 1) {
                    d.fixed(64, "publicKey");
                }
                m.put("nonce", new BigInteger(Long.toUnsignedString(nonce)));
                m.put("from", tx.sender().toHex());
                m.put("to", Address.of(d.fixed(20, "to")).toHex());
                m.put("value", Uint256.fromBytes(d.fixed(32, "value")).toString());
                m.put("data", Bytes.toHex(d.bytes(Transaction.MAX_DATA, "data")));
                d.end();
            } catch (MalformedDataException e) {
                throw new TxRejectedException(TxRejectedException.Reason.MALFORMED, e.getMessage());
            }
            m.put("publicKey", Bytes.toHex(env.publicKeys().get(0)));
            m.put("signature", Bytes.toHex(env.signatures().get(0)));
            return m;
        }

        @Override public List<LedgerQuery> queries() {
            return List.of(new LedgerQuery() {
                @Override public String method() { return "getNonce"; }
                @Override public String params() { return "address"; }
                @Override public Object answer(List<String> params, StateView state, Pending pending) {
                    if (params.size() > 1) {
                        throw new IllegalArgumentException("getNonce takes at most 1 parameter, got " + params.size());
                    }
                    String a = params.isEmpty() ? null : params.get(0);
                    if (a == null) {
                        throw new IllegalArgumentException("params[0]: address is missing");
                    }
                    if (!a.startsWith("0x")) {
                        throw new IllegalArgumentException("params[0]: address must be 0x-prefixed hex of 20 bytes, got \""
                                + a + "\" (no 0x prefix)");
                    }
                    byte[] b = Bytes.fromHex(a);
                    if (b.length != Address.SIZE) {
                        throw new IllegalArgumentException("params[0]: address must be 0x-prefixed hex of 20 bytes, got "
                                + b.length + " bytes");
                    }
                    states.add(state);
                    long n = stateNonce;
                    while (pending.consumer(key(Address.of(b), n)).isPresent()) {
                        n++;
                    }
                    return new BigInteger(Long.toUnsignedString(n));
                }
            });
        }
    }

    /** A consensus engine reporting whatever status a test gives it; solo's by default. */
    static final class Engine implements Consensus {
        final String engine;
        volatile ConsensusStatus status;

        Engine(String engine, ConsensusStatus status) {
            this.engine = engine;
            this.status = status;
        }

        static Engine solo() {
            return new Engine("solo", new ConsensusStatus("solo", 2, Hash.of(filled(32, 0x0b)), 2, 7, 1, 1000, 500,
                    false, null));
        }

        @Override public String engine() { return engine; }
        @Override public ConsensusStatus status() { return status; }
        @Override public Health health() { return Health.ready("ok"); }
    }

    static final class Identity implements NodeIdentity {
        final Suite suite;
        Identity(Suite suite) { this.suite = suite; }
        @Override public byte[] publicKey() { return key(9); }
        @Override public Address address() { return suite.address(key(9)); }
        @Override public byte[] sign(byte[] hash32) { return new byte[64]; }
        @Override public CryptoSuite suite() { return suite; }
    }

    /** Every component present; set a field to null to take one away. */
    static final class Node implements NodeServices {
        final Suite suiteImpl = new Suite();
        volatile TxPool pool = new Pool(suiteImpl);
        volatile Store store = new Store(suiteImpl);
        volatile LedgerModel model = new Model();
        volatile Consensus consensus = Engine.solo();
        volatile NodeIdentity identity = new Identity(suiteImpl);
        volatile CryptoSuite suite = suiteImpl;
        /** Absent unless a test puts one: a solo node has neither. */
        volatile io.cairn.api.network.Network network;
        volatile io.cairn.api.sync.BlockSync sync;
        volatile Map<String, Object> join;
        volatile PeerReputation reputation;
        /** What the node kept of recent commits: block hash to its transactions' hashes. */
        volatile Map<io.cairn.api.chain.Hash, java.util.List<io.cairn.api.chain.Hash>> recent = Map.of();

        Pool pool() { return (Pool) pool; }

        @Override public java.util.List<io.cairn.api.chain.Hash> recentTxHashes(io.cairn.api.chain.Hash block) {
            return recent.get(block);
        }

        @Override public TxPool txPool() { return pool; }
        @Override public BlockStore blockStore() { return store; }
        @Override public LedgerModel ledgerModel() { return model; }
        @Override public Consensus consensus() { return consensus; }
        @Override public NodeIdentity identity() { return identity; }
        @Override public CryptoSuite suite() { return suite; }
        @Override public PeerReputation reputation() { return reputation; }
        @Override public ChainSpec spec() {
            Store s = store;
            return s == null ? null : ChainSpec.of(s.genesis);
        }
        @Override public io.cairn.api.network.Network network() { return network; }
        @Override public io.cairn.api.sync.BlockSync sync() { return sync; }
        @Override public Map<String, Object> join() { return join; }
        @Override public List<EngineInfo> engines() {
            return List.of(new EngineInfo("rpc", "jsonrpc", "cairn-rpc-jsonrpc", "1.0.0", 12, true, "listening"),
                    new EngineInfo("storage", null, null, null, -1, false, "no engine provides it"));
        }
        @Override public String endpoint() { return "http://127.0.0.1:20200"; }
    }
}
