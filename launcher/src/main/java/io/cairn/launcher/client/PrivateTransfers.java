package io.cairn.launcher.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.confidential.ConfidentialTransfer;
import io.cairn.confidential.Group;
import io.cairn.confidential.Opening;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.SealedOpening;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Private transfers as a wallet makes them (docs/privacy.md, "The private ledger"): the holder's coins are found with
 * {@code getPrivateCoins} and opened with its key (a genesis coin's opening is its allocation with blinding 0), the
 * largest picked first; the recipient and the change get fresh commitments, their openings sealed to each (and to
 * the chain's auditor), one range proof over both, and the kernel signed with the excess blinding over the chain id
 * and the body; then the owner signs the envelope. Amounts never leave the client but inside sealed openings.
 */
public final class PrivateTransfers {
    public static final int MAX_INPUTS = 255;
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private PrivateTransfers() {}

    /** A coin its holder opened: the output {@code index} of transaction {@code txHash}, its amount and blinding. */
    public record Coin(Hash txHash, int index, Opening opening, boolean pending) {
        public long amount() {
            return opening.amount();
        }

        @Override
        public String toString() {
            return txHash.toHex() + ":" + index + " (" + Long.toUnsignedString(opening.amount()) + ")";
        }
    }

    /** The chain's genesis, from block 0's extra data: the allocations and the auditor key. */
    public static Genesis genesis(RpcClient rpc) throws IOException, RpcException {
        return genesis(rpc.call("getBlockByNumber", 0, false));
    }

    /** The genesis in block 0 as getBlockByNumber gives it. */
    public static Genesis genesis(JsonNode block0) {
        return Genesis.decode(Bytes.fromHex(block0.path("extra").asText()));
    }

    /** The point of a 64-byte public key ({@code x | y}) on the group's curve. */
    public static ECPoint point(Group group, byte[] publicKey) {
        if (publicKey.length != 64) {
            throw new IllegalArgumentException("a public key is 64 bytes (x | y), got " + publicKey.length);
        }
        byte[] p = new byte[65];
        p[0] = 4;
        System.arraycopy(publicKey, 0, p, 1, 64);
        try {
            return group.curve().decodePoint(p).normalize();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the public key is not a point of " + group.name());
        }
    }

    /**
     * The coins of {@code owner} that its key opens, from {@code getPrivateCoins}: each opening checked against its
     * commitment (a coin that does not open is not counted: it was sealed to another key, or made wrongly).
     */
    public static List<Coin> open(RpcClient rpc, Group group, Genesis genesis, Address owner, BigInteger key)
            throws IOException, RpcException {
        return open(rpc.call("getPrivateCoins", owner.toHex()), group, genesis, owner, key);
    }

    /** As {@link #open(RpcClient, Group, Genesis, Address, BigInteger)}, from the answer of getPrivateCoins. */
    public static List<Coin> open(JsonNode coins, Group group, Genesis genesis, Address owner, BigInteger key) {
        List<Coin> out = new ArrayList<>();
        for (JsonNode c : coins) {
            Hash tx = Hash.fromHex(c.path("txHash").asText());
            ECPoint commitment = group.decode(Bytes.fromHex(c.path("commitment").asText()), "coin commitment");
            Opening o;
            if (tx.equals(Hash.ZERO)) {
                BigInteger alloc = genesis.alloc().getOrDefault(owner, BigInteger.ZERO);
                o = new Opening(alloc.longValue(), BigInteger.ZERO);
            } else {
                o = SealedOpening.open(group, key, Bytes.fromHex(c.path("sealedToOwner").asText()));
            }
            if (o != null && o.opens(group, commitment)) {
                out.add(new Coin(tx, c.path("index").asInt(), o, !c.path("spentBy").isNull()));
            }
        }
        return out;
    }

    /** What {@code coins} hold together. */
    public static BigInteger total(List<Coin> coins) {
        BigInteger t = BigInteger.ZERO;
        for (Coin c : coins) {
            t = t.add(Pedersen.amount(c.amount()));
        }
        return t;
    }

    /**
     * The unspent coins (no pending spend) to spend for {@code amount}: the largest first.
     *
     * @throws IllegalArgumentException naming the shortfall
     */
    public static List<Coin> select(List<Coin> coins, BigInteger amount) {
        List<Coin> free = new ArrayList<>(coins.stream().filter(c -> !c.pending()).toList());
        free.sort(Comparator.comparing((Coin c) -> Pedersen.amount(c.amount())).reversed());
        List<Coin> chosen = new ArrayList<>();
        BigInteger sum = BigInteger.ZERO;
        for (Coin c : free) {
            if (sum.compareTo(amount) >= 0 && !chosen.isEmpty()) {
                break;
            }
            if (chosen.size() == MAX_INPUTS) {
                throw new IllegalArgumentException("the " + MAX_INPUTS + " largest coins hold " + sum + ", less than "
                        + amount);
            }
            chosen.add(c);
            sum = sum.add(Pedersen.amount(c.amount()));
        }
        if (sum.compareTo(amount) < 0) {
            throw new IllegalArgumentException("the coins this key opens hold " + sum + " unspent, less than " + amount);
        }
        return chosen;
    }

    /**
     * Starts, on a daemon thread, what a transfer will need and a cold command would otherwise do while making it:
     * libsecp256k1 loaded, the vector generators of a two-output proof derived, the suite's signer run once (its
     * classes loaded, its tables for the base point built). The caller goes on with its requests to the node
     * meanwhile; it need not wait for the thread returned.
     */
    public static Thread prepare(CryptoSuite suite, Group group) {
        Thread t = new Thread(() -> {
            NativeMultiExp.forGroup(group);
            group.deriveGenerators(2);
            suite.sign(new byte[32], suite.generateKeyPair().privateKey());
        }, "prepare-transfer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A made transfer: the envelope, the outputs' owners and amounts (for the client to show its user) and their
     * openings (the change's is what the sender spends next: output 1 when there is change).
     */
    public record Made(Envelope tx, List<Map.Entry<Address, Long>> outputs, List<Opening> openings) {}

    /**
     * The transfer of {@code amount} to {@code to} (its public key) spending {@code inputs} of the key's holder, the
     * change back to it, {@code fee} burnt.
     */
    public static Made transfer(CryptoSuite suite, Group group, long chainId, List<Coin> inputs, byte[] toPublicKey,
            long amount, long fee, byte[] key, byte[] publicKey, byte[] auditorKey, SecureRandom random) {
        BigInteger in = total(inputs);
        BigInteger change = in.subtract(Pedersen.amount(amount)).subtract(Pedersen.amount(fee));
        if (change.signum() < 0) {
            throw new IllegalArgumentException("the inputs hold " + in + ", less than " + amount + " and the fee " + fee);
        }
        if (change.compareTo(TWO_64) >= 0) {
            throw new IllegalArgumentException("the change, " + change + ", is 2^64 or more: spend fewer coins");
        }
        List<ConfidentialTransfer.Payee> payees = new ArrayList<>();
        List<Address> owners = new ArrayList<>();
        List<Map.Entry<Address, Long>> shown = new ArrayList<>();
        payees.add(new ConfidentialTransfer.Payee(point(group, toPublicKey), amount));
        owners.add(suite.address(toPublicKey));
        if (change.signum() > 0) {
            payees.add(new ConfidentialTransfer.Payee(point(group, publicKey), change.longValue()));
            owners.add(suite.address(publicKey));
        }
        for (int k = 0; k < payees.size(); k++) {
            shown.add(Map.entry(owners.get(k), payees.get(k).amount()));
        }
        ConfidentialTransfer.Made made = ConfidentialTransfer.make(group, inputs.stream().map(Coin::opening).toList(),
                payees, fee, auditorKey == null ? null : point(group, auditorKey), random,
                NativeMultiExp.forGroup(group));
        List<Output> outputs = new ArrayList<>();
        for (int k = 0; k < payees.size(); k++) {
            ConfidentialTransfer.Output o = made.outputs().get(k);
            outputs.add(new Output(owners.get(k), o.commitment(), o.sealedToOwner(), o.sealedToAuditor()));
        }
        Envelope tx = sign(suite, group, chainId, inputs, outputs, fee, made.proof().encode(group),
                made.excessBlinding(), key, publicKey, random);
        return new Made(tx, shown, made.openings());
    }

    /** An output as the body carries it: owner, commitment, opening sealed to the owner and to the auditor or null. */
    public record Output(Address owner, ECPoint commitment, byte[] sealedToOwner, byte[] sealedToAuditor) {}

    /**
     * The envelope of a private transaction: its body ({@code inputs}, {@code outputs}, {@code fee}, the range
     * {@code proof} over the outputs' commitments) with the kernel signed by the excess blinding over {@code u64
     * chainId | the body before the kernel}, the whole signed by the inputs' owner.
     */
    public static Envelope sign(CryptoSuite suite, Group group, long chainId, List<Coin> inputs, List<Output> outputs,
            long fee, byte[] proof, BigInteger excessBlinding, byte[] key, byte[] publicKey, SecureRandom random) {
        Encoder e = new Encoder(1024).u8(inputs.size());
        for (Coin c : inputs) {
            e.fixed(c.txHash().toByteArray()).u32(c.index());
        }
        e.u8(outputs.size());
        for (Output o : outputs) {
            e.fixed(o.owner().toByteArray()).fixed(group.encode(o.commitment())).fixed(o.sealedToOwner());
            e.u8(o.sealedToAuditor() == null ? 0 : 1);
            if (o.sealedToAuditor() != null) {
                e.fixed(o.sealedToAuditor());
            }
        }
        byte[] unsigned = e.u64(fee).fixed(proof).toByteArray();
        byte[] message = new Encoder(8 + unsigned.length).u64(chainId).fixed(unsigned).toByteArray();
        byte[] body = new Encoder(unsigned.length + 65).fixed(unsigned)
                .fixed(io.cairn.confidential.Kernel.sign(group, excessBlinding.mod(group.order()), message, random))
                .toByteArray();
        byte[] payload = Envelope.payload(chainId, Envelope.PRIVATE, body, List.of(publicKey));
        return Envelope.of(payload, List.of(suite.sign(suite.hash(payload), key)));
    }
}
