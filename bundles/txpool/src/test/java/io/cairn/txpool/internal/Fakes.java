package io.cairn.txpool.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Nonces;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.Keys;
import io.cairn.api.testing.BlockStoreStub;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Fakes of the pool's collaborators that the api test fixtures do not cover: the chain and its model. */
final class Fakes {
    static final long CHAIN = 7;
    private static final KeyedSuite KEYS = new KeyedSuite();

    private Fakes() {}

    /** The keyed test suite, counting signature checks: the pool promises to verify each transaction once. */
    static final class Suite implements CryptoSuite {
        final AtomicInteger verifies = new AtomicInteger();
        private final KeyedSuite keys;

        Suite() {
            this(KEYS);
        }

        Suite(KeyedSuite keys) {
            this.keys = keys;
        }

        @Override public String name() { return keys.name(); }
        @Override public byte[] hash(byte[] data) { return keys.hash(data); }
        @Override public byte[] sign(byte[] hash32, byte[] privateKey) { return keys.sign(hash32, privateKey); }
        @Override public KeyPair generateKeyPair() { return keys.generateKeyPair(); }
        @Override public byte[] publicKey(byte[] privateKey) { return keys.publicKey(privateKey); }

        @Override
        public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
            verifies.incrementAndGet();
            return keys.verify(hash32, signature, publicKey);
        }
    }

    /** A sender: its key pair and address. */
    record Account(CryptoSuite.KeyPair key, Address address) {
        static Account of(CryptoSuite suite, int n) {
            CryptoSuite.KeyPair k = KEYS.key("account-" + n);
            return new Account(k, suite.address(k.publicKey()));
        }

        byte[] publicKey() {
            return key.publicKey();
        }

        byte[] tx(CryptoSuite suite, long chainId, long nonce, long value) {
            // The transaction hash covers only the signing payload (not the key): a per-sender recipient
            // keeps different senders' transactions distinct.
            Address to = Address.of(java.util.Arrays.copyOf(publicKey(), 20));
            byte[] payload = Transaction.signingPayload(chainId, nonce, publicKey(), to, BigInteger.valueOf(value), new byte[0]);
            byte[] sig = suite.sign(suite.hash(payload), key.privateKey());
            return new Transaction(chainId, nonce, to, BigInteger.valueOf(value), new byte[0], publicKey(), sig).encode();
        }

        byte[] tx(CryptoSuite suite, long nonce) {
            return tx(suite, CHAIN, nonce, 1);
        }
    }

    static byte[] accountKey(Address a) {
        byte[] k = new byte[21];
        k[0] = 'a';
        System.arraycopy(a.toByteArray(), 0, k, 1, 20);
        return Keys.of(Keys.STATE, k);
    }

    static byte[] account(long nonce, long balance) {
        return ByteBuffer.allocate(16).putLong(nonce).putLong(balance).array();
    }

    /** Accounts as {@code nonce | balance} (two u64s); admission as the account model does it (nonces unsigned). */
    static final class Model implements LedgerModel {
        @Override public String model() { return "account"; }
        @Override public StateTransition genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) { throw new UnsupportedOperationException(); }
        @Override public io.cairn.api.chain.Hash stateRoot(StateView state) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }

        @Override
        public void admit(VerifiedTransaction tx, StateView state, long expectedNonce) throws TxRejectedException {
            long n = nonce(state, tx.sender());
            if (Nonces.below(tx.nonce(), n)) {
                throw new TxRejectedException(TxRejectedException.Reason.NONCE_REPLAYED, "model: nonce below " + n);
            }
            if (Nonces.above(tx.nonce(), expectedNonce)) {
                throw new TxRejectedException(TxRejectedException.Reason.NONCE_TOO_HIGH, "model: expected " + expectedNonce);
            }
            BigInteger balance = balance(state, tx.sender());
            if (balance.compareTo(tx.tx().value()) < 0) {
                throw new TxRejectedException(TxRejectedException.Reason.INSUFFICIENT_BALANCE,
                        "balance " + balance + " of " + tx.sender() + " cannot pay " + tx.tx().value());
            }
        }

        @Override
        public long nonce(StateView state, Address account) {
            byte[] v = state.get(accountKey(account));
            return v == null ? 0 : ByteBuffer.wrap(v).getLong(0);
        }

        @Override
        public BigInteger balance(StateView state, Address account) {
            byte[] v = state.get(accountKey(account));
            return v == null ? BigInteger.ZERO : BigInteger.valueOf(ByteBuffer.wrap(v).getLong(8));
        }
    }

    /** A chain in memory: state is a map; commit() applies nonces and tells the listener. */
    static final class Chain extends BlockStoreStub {
        final Map<ByteBuffer, byte[]> state = new ConcurrentHashMap<>();
        final Map<Hash, Located> committed = new ConcurrentHashMap<>();
        final AtomicInteger snapshotsOpened = new AtomicInteger();
        volatile long height = -1;
        /** False: committed transactions fail on their nonce (BAD_NONCE) and leave the account as it was. */
        volatile boolean consumeNonces = true;
        /** The suite the genesis block names. */
        volatile String suite = KEYS.name();
        final long defaultBalance;

        Chain(long defaultBalance) {
            this.defaultBalance = defaultBalance;
        }

        Chain withGenesis() {
            height = 0;
            return this;
        }

        void setAccount(Address a, long nonce, long balance) {
            state.put(ByteBuffer.wrap(accountKey(a)), account(nonce, balance));
        }

        /** Commits the transactions: nonces move past them. */
        void commit(BlockListener pool, List<VerifiedTransaction> txs) {
            long number = height + 1;
            for (int i = 0; i < txs.size(); i++) {
                VerifiedTransaction t = txs.get(i);
                ByteBuffer k = ByteBuffer.wrap(accountKey(t.sender()));
                byte[] v = state.get(k);
                long balance = v == null ? defaultBalance : ByteBuffer.wrap(v).getLong(8);
                if (consumeNonces) {
                    state.put(k, account(t.nonce() + 1, balance - t.tx().value().longValueExact()));
                }
                committed.put(t.hash(), new Located(t.tx(), t.hash(), number, i));
            }
            height = number;
            Block block = new Block(headerAt(number), txs.stream().map(VerifiedTransaction::tx).toList(), List.of());
            pool.blockCommitted(block, Hash.ZERO, txs.stream().map(VerifiedTransaction::hash).toList());
        }

        static BlockHeader headerAt(long number) {
            return new BlockHeader(1, CHAIN, number, Hash.ZERO, 0, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0, new byte[0], new byte[0]);
        }

        @Override public long height() { return height; }

        @Override
        public Optional<Genesis> genesis() {
            return height < 0 ? Optional.empty()
                    : Optional.of(new Genesis(CHAIN, suite, "account", 0, List.of(), new TreeMap<>()));
        }

        @Override
        public StateSnapshot state() {
            snapshotsOpened.incrementAndGet();
            long h = height;
            Map<ByteBuffer, byte[]> copy = Map.copyOf(state);
            return new StateSnapshot() {
                @Override public BlockHeader header() { return Chain.headerAt(h); }
                @Override public void close() {}

                @Override
                public byte[] get(byte[] key) {
                    byte[] v = copy.get(ByteBuffer.wrap(key));
                    return v == null && defaultBalance > 0 ? account(0, defaultBalance) : v;
                }
            };
        }

        @Override public Optional<Located> transaction(Hash txHash) { return Optional.ofNullable(committed.get(txHash)); }
        @Override public long totalTransactionCount() { return committed.size(); }
    }
}
