package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
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
import io.cairn.api.node.StateView;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.MemoryPending;
import io.cairn.api.testing.MemoryState;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Signed UTXO transactions as clients make them, on a suite that signs (named as the chain's) and taken through the
 * node's {@link TransactionVerifier}: owner {@code i} is the address of the key of seed {@code "owner i"}; and a
 * store that holds committed state as storage would.
 */
final class Spends {
    static final long CHAIN = 7;
    static final KeyedSuite SUITE = new KeyedSuite("secp256k1");
    static final TransactionVerifier VERIFIER = new TransactionVerifier(
            new ChainSpec(CHAIN, "secp256k1", "utxo", 0, List.of()), SUITE);

    private static final Map<Address, KeyPair> KEYS = new HashMap<>();

    private Spends() {}

    static synchronized KeyPair key(int i) {
        KeyPair k = SUITE.key("owner " + i);
        KEYS.put(SUITE.address(k.publicKey()), k);
        return k;
    }

    static Address addr(int i) {
        return SUITE.address(key(i).publicKey());
    }

    static synchronized KeyPair keyOf(Address a) {
        KeyPair k = KEYS.get(a);
        if (k == null) {
            throw new IllegalArgumentException("no test key for " + a);
        }
        return k;
    }

    static Genesis genesis(Map<Address, BigInteger> alloc) {
        return new Genesis(CHAIN, "secp256k1", "utxo", 0, List.of(), new TreeMap<>(alloc));
    }

    static CoinId coin(Hash tx, int index) {
        return new CoinId(tx, index);
    }

    static CoinId genesisCoin(int i) {
        return new CoinId(Hash.ZERO, i);
    }

    static UtxoBody.Output out(Address owner, long amount) {
        return new UtxoBody.Output(owner, BigInteger.valueOf(amount));
    }

    /** A UTXO envelope of {@code body} signed by {@code signers} in that order, verified as the pool verifies. */
    static VerifiedTransaction signed(long chainId, byte[] body, List<Address> signers) {
        List<byte[]> keys = signers.stream().map(a -> keyOf(a).privateKey()).toList();
        return VERIFIER.committed(Envelope.sign(SUITE, chainId, Envelope.UTXO, body, keys).encoded());
    }

    static VerifiedTransaction spend(List<CoinId> inputs, List<UtxoBody.Output> outputs, Address... signers) {
        return signed(CHAIN, UtxoBody.encode(inputs, outputs), List.of(signers));
    }

    /** Verified through the node's rules: chain, ledger, signatures. */
    static VerifiedTransaction verified(Envelope e) {
        try {
            return VERIFIER.verify(e.encoded());
        } catch (TxRejectedException x) {
            throw new AssertionError(x.reason() + ": " + x.getMessage(), x);
        }
    }

    /** Committed state, as storage holds it. */
    static final class Store extends MemoryState {
        Hash fullRoot(UtxoLedger model) {
            return model.stateRootOf(map.entrySet().stream().map(e -> new ReadView.Entry(e.getKey(), e.getValue()))
                    .iterator());
        }

        /** Every unspent coin in state, by coin. */
        SortedMap<CoinId, Coin> coins() {
            SortedMap<CoinId, Coin> out = new TreeMap<>();
            for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
                byte[] k = e.getKey();
                if (k.length == 2 + CoinId.BYTES && k[0] == 's' && k[1] == CoinId.STATE_TAG) {
                    CoinId id = CoinId.read(k, 2);
                    out.put(id, Coin.decode(e.getValue(), id));
                }
            }
            return out;
        }

        /** Every owner index entry in state ({@code 's' 'o' ...}), raw, in key order. */
        SortedMap<byte[], byte[]> ownerIndexEntries() {
            SortedMap<byte[], byte[]> out = new TreeMap<>(Arrays::compareUnsigned);
            for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
                byte[] k = e.getKey();
                if (k.length >= 2 && k[0] == 's' && k[1] == 'o') {
                    out.put(k, e.getValue());
                }
            }
            return out;
        }

        Store copy() {
            Store s = new Store();
            s.map.putAll(map);
            return s;
        }
    }

    /** A pool's pending view: which pending transaction consumes and produces which key. */
    static final class FakePending extends MemoryPending {
        FakePending add(UtxoLedger model, VerifiedTransaction tx) {
            super.add(model, tx);
            return this;
        }
    }
}
