package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.confidential.Bulletproofs;
import io.cairn.confidential.Group;
import io.cairn.confidential.Kernel;
import io.cairn.confidential.Opening;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.SealedOpening;
import io.cairn.crypto.Suites;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Private transactions as a wallet makes them, on the real secp256k1 suite: owner {@code i}'s key is the hash of
 * {@code "owner i"}; coins are held with their openings. {@link Draft} builds a transaction output by output, so the
 * soundness tests can make what an honest wallet never would (a value of 2^64, a negative amount, one unit too
 * many) with a dishonest prover's best proof.
 */
final class Wallets {
    static final long CHAIN = 7;
    static final CryptoSuite SUITE = Suites.byName("secp256k1", false);
    static final Group GROUP = Group.secp256k1();
    static final TransactionVerifier VERIFIER = new TransactionVerifier(
            new ChainSpec(CHAIN, "secp256k1", "private", 0, List.of()), SUITE);
    static final SecureRandom RANDOM = new SecureRandom();
    static final int AUDITOR = 999;

    private Wallets() {}

    static byte[] key(int i) {
        return new BigInteger(1, KeyedSuite.sha256(("owner " + i).getBytes())).mod(GROUP.order()).toByteArray();
    }

    static byte[] privateKey(int i) {
        byte[] k = key(i);
        byte[] out = new byte[32];
        System.arraycopy(k, Math.max(0, k.length - 32), out, Math.max(0, 32 - k.length), Math.min(32, k.length));
        return out;
    }

    static byte[] pub(int i) {
        return SUITE.publicKey(privateKey(i));
    }

    static Address addr(int i) {
        return SUITE.address(pub(i));
    }

    static ECPoint point(int i) {
        byte[] p = new byte[65];
        p[0] = 4;
        System.arraycopy(pub(i), 0, p, 1, 64);
        return GROUP.curve().decodePoint(p);
    }

    static BigInteger scalar(int i) {
        return new BigInteger(1, privateKey(i));
    }

    /** A coin and its opening, owned by owner {@code owner}. */
    record Held(CoinId id, Opening opening, int owner) {}

    /** The chain of owners {@code alloc} (owner -> amount), with owner {@link #AUDITOR} as auditor if asked. */
    static Genesis genesis(Map<Integer, Long> alloc, boolean audited) {
        TreeMap<Address, BigInteger> a = new TreeMap<>();
        alloc.forEach((o, v) -> a.put(addr(o), BigInteger.valueOf(v)));
        return new Genesis(CHAIN, "secp256k1", "private", 0, List.of(), a,
                audited ? io.cairn.api.chain.Bytes.toHex(pub(AUDITOR)) : null);
    }

    /** Owner {@code owner}'s genesis coin in {@code genesis}: the allocations' order is by address. */
    static Held genesisCoin(Genesis genesis, int owner) {
        int i = 0;
        for (Map.Entry<Address, BigInteger> e : genesis.alloc().entrySet()) {
            if (e.getKey().equals(addr(owner))) {
                return new Held(new CoinId(Hash.ZERO, i), new Opening(e.getValue().longValueExact(), BigInteger.ZERO),
                        owner);
            }
            if (e.getValue().signum() != 0) {
                i++;
            }
        }
        throw new IllegalArgumentException("owner " + owner + " has no allocation");
    }

    /** A transfer as an honest wallet makes it: {@code payees} owner -> amount, the inputs' owners signing. */
    static Made transfer(List<Held> inputs, long fee, boolean audited, long[]... payees) {
        Draft d = new Draft(inputs, fee, audited);
        for (long[] p : payees) {
            d.output((int) p[0], BigInteger.valueOf(p[1]));
        }
        return d.make();
    }

    /** A made transaction and the coins it makes, with their openings. */
    record Made(VerifiedTransaction tx, List<Held> outputs, byte[] body) {
        Held out(int k) {
            return outputs.get(k);
        }
    }

    /** A transaction in the making: outputs with any value, proven as well as a prover can. */
    static final class Draft {
        final List<Held> inputs;
        final long fee;
        final boolean audited;
        final List<Integer> owners = new ArrayList<>();
        final List<BigInteger> values = new ArrayList<>();
        final List<BigInteger> blindings = new ArrayList<>();
        Draft(List<Held> inputs, long fee, boolean audited) {
            this.inputs = inputs;
            this.fee = fee;
            this.audited = audited;
        }

        Draft output(int owner, BigInteger value) {
            owners.add(owner);
            values.add(value);
            blindings.add(GROUP.randomScalar(RANDOM));
            return this;
        }

        /** The transaction, its outputs' proof made by the prover whatever their values. */
        Made make() {
            return make(Bulletproofs.proveAnyValues(GROUP, values.toArray(BigInteger[]::new),
                    blindings.toArray(BigInteger[]::new), RANDOM).encode(GROUP));
        }

        Made make(byte[] proof) {
            List<PrivateBody.Output> outputs = new ArrayList<>();
            List<Held> made = new ArrayList<>();
            BigInteger k = BigInteger.ZERO;
            for (Held h : inputs) {
                k = k.add(h.opening().blinding());
            }
            for (int j = 0; j < values.size(); j++) {
                ECPoint c = Pedersen.commit(GROUP, values.get(j).mod(GROUP.order()), blindings.get(j));
                Opening o = new Opening(values.get(j).longValue(), blindings.get(j));
                outputs.add(new PrivateBody.Output(addr(owners.get(j)), c, GROUP.encode(c),
                        SealedOpening.seal(GROUP, point(owners.get(j)), o, RANDOM),
                        audited ? SealedOpening.seal(GROUP, point(AUDITOR), o, RANDOM) : null));
                k = k.subtract(blindings.get(j));
            }
            List<CoinId> ids = inputs.stream().map(Held::id).toList();
            byte[] unsigned = PrivateBody.encodeUnsigned(ids, outputs, fee, proof);
            byte[] kernel = Kernel.sign(GROUP, k.mod(GROUP.order()), PrivateBody.kernelMessage(CHAIN, unsigned,
                    unsigned.length), RANDOM);
            byte[] body = PrivateBody.withKernel(unsigned, kernel);
            VerifiedTransaction tx = signed(body, inputs);
            for (int j = 0; j < values.size(); j++) {
                made.add(new Held(new CoinId(tx.hash(), j), new Opening(values.get(j).longValue(), blindings.get(j)),
                        owners.get(j)));
            }
            return new Made(tx, made, body);
        }
    }

    /** {@code body} signed by the distinct owners of {@code inputs}, verified as the pool verifies. */
    static VerifiedTransaction signed(byte[] body, List<Held> inputs) {
        Set<Integer> owners = new LinkedHashSet<>();
        inputs.forEach(h -> owners.add(h.owner()));
        List<byte[]> keys = owners.stream().map(Wallets::privateKey).toList();
        try {
            return VERIFIER.verify(Envelope.sign(SUITE, CHAIN, Envelope.PRIVATE, body, keys).encoded());
        } catch (TxRejectedException e) {
            throw new AssertionError(e.reason() + ": " + e.getMessage(), e);
        }
    }
}
