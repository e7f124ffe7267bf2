package io.cairn.txpool.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.Storage;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain fakes of the pool's collaborators. */
final class Fakes {
    static final long CHAIN = 7;

    private Fakes() {}

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 hashing; a "signature" is a keyed digest of hash and public key; counts verify calls. */
    static final class Suite implements CryptoSuite {
        final AtomicInteger verifies = new AtomicInteger();

        @Override public String name() { return "fake"; }
        @Override public byte[] hash(byte[] data) { return sha256(data); }

        @Override
        public byte[] sign(byte[] hash32, byte[] publicKey) {
            byte[] sig = new byte[64];
            System.arraycopy(sha256(hash32, publicKey), 0, sig, 0, 32);
            System.arraycopy(sha256(publicKey, hash32), 0, sig, 32, 32);
            return sig;
        }

        @Override
        public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
            verifies.incrementAndGet();
            return java.util.Arrays.equals(signature, sign(hash32, publicKey));
        }

        @Override public KeyPair generateKeyPair() { throw new UnsupportedOperationException(); }
        @Override public byte[] publicKey(byte[] privateKey) { throw new UnsupportedOperationException(); }
    }

    /** A sender: its public key and address. */
    record Account(byte[] publicKey, Address address) {
        static Account of(Suite suite, int n) {
            byte[] pub = sha256(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n}, "k".getBytes());
            pub = java.util.Arrays.copyOf(pub, 64);
            pub[63] = 1;
            return new Account(pub, suite.address(pub));
        }

        byte[] tx(Suite suite, long chainId, long nonce, long value) {
            // The transaction hash covers only the signing payload (not the key): a per-sender recipient
            // keeps different senders' transactions distinct.
            Address to = Address.of(java.util.Arrays.copyOf(publicKey, 20));
            byte[] payload = Transaction.signingPayload(chainId, nonce, publicKey, to, BigInteger.valueOf(value), new byte[0]);
            byte[] sig = suite.sign(suite.hash(payload), publicKey);
            return new Transaction(chainId, nonce, to, BigInteger.valueOf(value), new byte[0], publicKey, sig).encode();
        }

        byte[] tx(Suite suite, long nonce) {
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

    /** Accounts as {@code nonce | balance} (two u64s); admission as the account model does it. */
    static final class Model implements LedgerModel {
        @Override public String model() { return "account"; }
        @Override public StateTransition genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) { throw new UnsupportedOperationException(); }
        @Override public io.cairn.api.chain.Hash stateRoot(StateView state) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }

        @Override
        public void admit(VerifiedTransaction tx, StateView state, long expectedNonce) throws TxRejectedException {
            long n = nonce(state, tx.sender());
            if (tx.nonce() < n) {
                throw new TxRejectedException(TxRejectedException.Reason.NONCE_REPLAYED, "model: nonce below " + n);
            }
            if (tx.nonce() > expectedNonce) {
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
    static final class Chain implements BlockStore {
        final Map<ByteBuffer, byte[]> state = new ConcurrentHashMap<>();
        final Map<Hash, Located> committed = new ConcurrentHashMap<>();
        final AtomicInteger snapshotsOpened = new AtomicInteger();
        volatile long height = -1;
        /** False: committed transactions fail on their nonce (BAD_NONCE) and leave the account as it was. */
        volatile boolean consumeNonces = true;
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
        void commit(TransactionPool pool, List<VerifiedTransaction> txs) {
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
                    : Optional.of(new Genesis(CHAIN, "fake", "account", 0, List.of(), new TreeMap<>()));
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
        @Override public Optional<BlockHeader> header(long number) { throw new UnsupportedOperationException(); }
        @Override public Optional<Hash> hash(long number) { throw new UnsupportedOperationException(); }
        @Override public Optional<Block> block(long number) { throw new UnsupportedOperationException(); }
        @Override public Optional<Block> block(Hash hash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Long> number(Hash blockHash) { throw new UnsupportedOperationException(); }
        @Override public Optional<Receipt> receipt(Hash txHash) { throw new UnsupportedOperationException(); }
        @Override public long totalTransactionCount() { return committed.size(); }
        @Override public Block commit(ExecutedBlock block, List<byte[]> seals) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
    }

    /** A key-value map. */
    static final class MemoryStorage implements Storage {
        final Map<ByteBuffer, byte[]> data = new ConcurrentHashMap<>();

        @Override public byte[] get(byte[] key) { return data.get(ByteBuffer.wrap(key)); }

        @Override
        public void write(WriteBatch batch) {
            for (WriteBatch.Op op : batch.ops()) {
                if (op.isDelete()) {
                    data.remove(ByteBuffer.wrap(op.key()));
                } else {
                    data.put(ByteBuffer.wrap(op.key().clone()), op.value().clone());
                }
            }
        }

        @Override public ReadView view() { throw new UnsupportedOperationException(); }
        @Override public String engine() { return "memory"; }
        @Override public Health health() { return Health.ready("fake"); }
    }

    static List<VerifiedTransaction> list(Iterator<VerifiedTransaction> it) {
        List<VerifiedTransaction> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
