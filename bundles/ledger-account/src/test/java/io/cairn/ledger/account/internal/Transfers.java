package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite.KeyPair;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signed account transfers of both envelope versions, as clients make them, on a suite that signs (named as the
 * chain's) and taken through the node's {@link TransactionVerifier}: account {@code i} is the address of the key
 * of seed {@code "account i"}.
 */
final class Transfers {
    static final long CHAIN = 7;
    static final KeyedSuite SUITE = new KeyedSuite("secp256k1");
    static final TransactionVerifier VERIFIER = new TransactionVerifier(
            new ChainSpec(CHAIN, "secp256k1", "account", 0, List.of()), SUITE);

    private static final Map<Address, KeyPair> KEYS = new HashMap<>();

    private Transfers() {}

    static synchronized KeyPair key(int i) {
        KeyPair k = SUITE.key("account " + i);
        KEYS.put(SUITE.address(k.publicKey()), k);
        return k;
    }

    static Address addr(int i) {
        return SUITE.address(key(i).publicKey());
    }

    private static synchronized KeyPair keyOf(Address a) {
        KeyPair k = KEYS.get(a);
        if (k == null) {
            throw new IllegalArgumentException("no test key for " + a);
        }
        return k;
    }

    /** A version 1 transfer (the first format), signed by {@code from}'s key. */
    static VerifiedTransaction v1(Address from, long chainId, long nonce, Address to, long value, byte[] data) {
        KeyPair k = keyOf(from);
        BigInteger v = BigInteger.valueOf(value);
        byte[] payload = Transaction.signingPayload(chainId, nonce, k.publicKey(), to, v, data);
        byte[] sig = SUITE.sign(SUITE.hash(payload), k.privateKey());
        return committed(new Transaction(chainId, nonce, to, v, data, k.publicKey(), sig).encode());
    }

    /** A version 2 transfer of the same content. */
    static VerifiedTransaction v2(Address from, long chainId, long nonce, Address to, long value, byte[] data) {
        return committed(envelope(chainId, AccountBody.encode(nonce, to, BigInteger.valueOf(value), data), keyOf(from))
                .encoded());
    }

    static VerifiedTransaction v1(Address from, long nonce, Address to, long value) {
        return v1(from, CHAIN, nonce, to, value, new byte[0]);
    }

    static VerifiedTransaction v2(Address from, long nonce, Address to, long value) {
        return v2(from, CHAIN, nonce, to, value, new byte[0]);
    }

    /** A version 2 envelope of the account ledger with any body, signed by {@code signers} in order. */
    static Envelope envelope(long chainId, byte[] body, KeyPair... signers) {
        return Envelope.sign(SUITE, chainId, Envelope.ACCOUNT, body,
                java.util.Arrays.stream(signers).map(KeyPair::privateKey).toList());
    }

    /** Verified through the node's rules: chain, ledger, signatures. */
    static VerifiedTransaction verified(Envelope e) {
        try {
            return VERIFIER.verify(e.encoded());
        } catch (TxRejectedException x) {
            throw new AssertionError(x.reason() + ": " + x.getMessage(), x);
        }
    }

    /** Hashed and its signers named, as a committed block's transaction: no check (another chain's too). */
    static VerifiedTransaction committed(byte[] encoded) {
        return VERIFIER.committed(encoded);
    }

    /** A pool's pending view: which pending transaction consumes which key. */
    static final class FakePending extends io.cairn.api.testing.MemoryPending {
        FakePending add(AccountLedger model, VerifiedTransaction tx) {
            super.add(model, tx);
            return this;
        }
    }
}
