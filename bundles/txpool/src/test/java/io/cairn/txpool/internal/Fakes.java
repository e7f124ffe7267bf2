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
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
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

    /** The fake model's key of an account's nonce slot: {@code 'n' | address | u64 nonce}. */
    static LedgerKey nonceKey(Address a, long nonce) {
        return LedgerKey.of(ByteBuffer.allocate(29).put((byte) 'n').put(a.toByteArray()).putLong(nonce).array());
    }

    /** The transfer a (version 1) transaction carries. */
    static Transaction transfer(VerifiedTransaction tx) {
        return Transaction.decode(tx.encoded());
    }

    /**
     * Accounts as {@code nonce | balance} (two u64s), with the account model's pool rules: a transfer consumes its
     * sender's nonce slot and produces the next; nonces compare unsigned; messages as the account model's.
     */
    static class Model implements io.cairn.api.testing.NeverUpgrades {

        @Override public String model() { return "account"; }
        @Override public StateTransition genesis(Genesis genesis) { throw new UnsupportedOperationException(); }
        @Override public StateTransition apply(long n, List<VerifiedTransaction> txs, StateView parent) { throw new UnsupportedOperationException(); }
        @Override public io.cairn.api.chain.Hash stateRoot(StateView state) { throw new UnsupportedOperationException(); }
        @Override public Health health() { return Health.ready("fake"); }
        @Override public Map<String, Object> describe(VerifiedTransaction tx) { return Map.of(); }
        @Override public List<LedgerQuery> queries() { return List.of(); }

        @Override
        public Claims claims(VerifiedTransaction tx) {
            long nonce = transfer(tx).nonce();
            return new Claims(List.of(nonceKey(tx.sender(), nonce)),
                    nonce == -1L ? List.of() : List.of(nonceKey(tx.sender(), nonce + 1)));
        }

        @Override
        public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
                throws TxRejectedException {
            ByteBuffer b = ByteBuffer.wrap(key.bytes());
            b.get();
            byte[] a = new byte[20];
            b.get(a);
            Address sender = Address.of(a);
            long nonce = b.getLong();
            long base = nonce(state, sender);
            if (Nonces.below(nonce, base)) {
                throw new TxRejectedException(TxRejectedException.Reason.NONCE_REPLAYED, "nonce " + Nonces.text(nonce)
                        + " of " + sender + " is already used: the account's nonce is " + Nonces.text(base));
            }
            if (nonce == base) {
                return true;
            }
            long expected = next(sender, base, pending);
            if (Nonces.beyond(nonce, expected, holdLimit)) {
                throw new TxRejectedException(TxRejectedException.Reason.NONCE_TOO_HIGH, "nonce " + Nonces.text(nonce)
                        + " of " + sender + " is too far ahead: its next nonce is " + Nonces.text(expected)
                        + " and the pool holds at most " + holdLimit + " beyond it");
            }
            return false;
        }

        @Override
        public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
            return new TxRejectedException(TxRejectedException.Reason.NONCE_REPLAYED, "nonce "
                    + Nonces.text(transfer(tx).nonce()) + " of " + tx.sender()
                    + " is already taken by pending transaction " + holder);
        }

        @Override
        public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
            BigInteger balance = balance(state, tx.sender());
            BigInteger value = transfer(tx).value();
            if (balance.compareTo(value) < 0) {
                throw new TxRejectedException(TxRejectedException.Reason.INSUFFICIENT_BALANCE,
                        "balance " + balance + " of " + tx.sender() + " cannot pay " + value);
            }
        }

        /** The account's nonce in state advanced past its consecutive pending transactions. */
        static long next(Address sender, long base, Pending pending) {
            long n = base;
            while (pending.consumer(nonceKey(sender, n)).isPresent()) {
                n++;
            }
            return n;
        }

        long nonce(StateView state, Address account) {
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
        /** The suite and the ledger model the genesis block names. */
        volatile String suite = KEYS.name();
        volatile String ledger = "account";
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
            io.cairn.api.storage.WriteBatch writes = new io.cairn.api.storage.WriteBatch();
            for (int i = 0; i < txs.size(); i++) {
                VerifiedTransaction t = txs.get(i);
                ByteBuffer k = ByteBuffer.wrap(accountKey(t.sender()));
                byte[] v = state.get(k);
                long balance = v == null ? defaultBalance : ByteBuffer.wrap(v).getLong(8);
                Transaction tx = transfer(t);
                if (consumeNonces) {
                    byte[] now = account(tx.nonce() + 1, balance - tx.value().longValueExact());
                    state.put(k, now);
                    writes.put(accountKey(t.sender()), now);
                }
                committed.put(t.hash(), new Located(t.envelope(), t.hash(), number, i));
            }
            height = number;
            Block block = new Block(headerAt(number), txs.stream().map(VerifiedTransaction::envelope).toList(), List.of());
            // as the block store tells it: with the block's state writes (the pool's state cache carries over them)
            pool.blockCommitted(block, Hash.ZERO, txs.stream().map(VerifiedTransaction::hash).toList(), writes);
        }

        static BlockHeader headerAt(long number) {
            return new BlockHeader(1, CHAIN, number, Hash.ZERO, 0, Hash.ZERO, Hash.ZERO, Hash.ZERO, 0, new byte[0], new byte[0]);
        }

        @Override public long height() { return height; }

        @Override
        public Optional<Genesis> genesis() {
            return height < 0 ? Optional.empty()
                    : Optional.of(new Genesis(CHAIN, suite, ledger, 0, List.of(), new TreeMap<>()));
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
