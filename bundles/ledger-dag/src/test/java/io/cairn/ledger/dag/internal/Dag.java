package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite.KeyPair;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed DAG transactions as clients make them, on a suite that signs (named as the chain's), taken through the
 * node's {@link TransactionVerifier}: account {@code i} is the address of the key of seed {@code "account i"}.
 * And a store: the committed state as storage would hold it.
 */
final class Dag {
    static final long CHAIN = 7;
    static final KeyedSuite SUITE = new KeyedSuite("secp256k1");
    static final TransactionVerifier VERIFIER = new TransactionVerifier(
            new ChainSpec(CHAIN, "secp256k1", "dag", 0, List.of()), SUITE);

    private static final Map<Address, KeyPair> KEYS = new ConcurrentHashMap<>();
    private static final Map<Integer, Address> ADDRESSES = new ConcurrentHashMap<>();

    private Dag() {}

    static KeyPair key(int i) {
        KeyPair k = SUITE.key("account " + i);
        KEYS.putIfAbsent(SUITE.address(k.publicKey()), k);
        return k;
    }

    static Address addr(int i) {
        return ADDRESSES.computeIfAbsent(i, n -> SUITE.address(key(n).publicKey()));
    }

    private static KeyPair keyOf(Address a) {
        KeyPair k = KEYS.get(a);
        if (k == null) {
            throw new IllegalArgumentException("no test key for " + a);
        }
        return k;
    }

    static Genesis genesis(Map<Address, BigInteger> alloc) {
        return new Genesis(CHAIN, "secp256k1", "dag", 0, List.of(), new TreeMap<>(alloc));
    }

    static VerifiedTransaction send(Address from, Hash previous, Address to, long amount) {
        return send(from, CHAIN, previous, to, amount);
    }

    static VerifiedTransaction send(Address from, long chainId, Hash previous, Address to, long amount) {
        return signed(chainId, DagBody.send(previous, to, BigInteger.valueOf(amount)), keyOf(from));
    }

    static VerifiedTransaction receive(Address to, Hash previous, Hash source) {
        return signed(CHAIN, DagBody.receive(previous, source), keyOf(to));
    }

    /** A DAG envelope with any body, signed by {@code signers} in order, hashed as a committed block's. */
    static VerifiedTransaction signed(long chainId, byte[] body, KeyPair... signers) {
        return committed(envelope(chainId, Envelope.DAG, body, signers));
    }

    static Envelope envelope(long chainId, int ledger, byte[] body, KeyPair... signers) {
        return Envelope.sign(SUITE, chainId, ledger, body, Arrays.stream(signers).map(KeyPair::privateKey).toList());
    }

    static VerifiedTransaction committed(Envelope e) {
        return VERIFIER.committed(e.encoded());
    }

    /** Verified through the node's rules: chain, ledger, signatures. */
    static VerifiedTransaction verified(Envelope e) {
        try {
            return VERIFIER.verify(e.encoded());
        } catch (TxRejectedException x) {
            throw new AssertionError(x.reason() + ": " + x.getMessage(), x);
        }
    }

    /** The committed state: sorted as storage scans it. */
    static final class Store {
        final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);

        byte[] get(byte[] key) {
            return entries.get(key);
        }

        Store commit(WriteBatch batch) {
            for (WriteBatch.Op op : batch.ops()) {
                if (op.isDelete()) {
                    if (entries.remove(op.key()) == null) {
                        throw new AssertionError("deletes an entry that is not there: " + Arrays.toString(op.key()));
                    }
                } else {
                    entries.put(op.key(), op.value());
                }
            }
            return this;
        }

        Store commit(StateTransition t) {
            return commit(t.writes());
        }

        Store copy() {
            Store s = new Store();
            s.entries.putAll(entries);
            return s;
        }

        Iterator<ReadView.Entry> scan() {
            return entries.entrySet().stream().map(e -> new ReadView.Entry(e.getKey(), e.getValue())).iterator();
        }
    }

    /** A pool's pending view: which pending transaction consumes and produces which key. */
    static final class FakePending extends io.cairn.api.testing.MemoryPending {
        FakePending add(DagLedger model, VerifiedTransaction tx) {
            super.add(model, tx);
            return this;
        }
    }
}
