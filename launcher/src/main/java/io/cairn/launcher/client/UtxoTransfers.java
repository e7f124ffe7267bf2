package io.cairn.launcher.client;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * UTXO transfers as a client makes them (docs/ledgers.md, UTXO): the coins to spend are picked from the sender's
 * unspent coins, the recipient gets one output and the sender the change. Body: {@code u8 nIn | nIn x (txHash[32] |
 * u32 index) | u8 nOut | nOut x (owner[20] | amount[32])}, signed by the coins' owner.
 */
public final class UtxoTransfers {
    /** The most inputs one transaction spends. */
    public static final int MAX_INPUTS = 255;

    private UtxoTransfers() {}

    /** A coin: the output {@code index} of transaction {@code txHash}. */
    public record Coin(Hash txHash, int index, BigInteger amount) {
        @Override
        public String toString() {
            return txHash.toHex() + ":" + index + " (" + amount + ")";
        }
    }

    /** An output: an amount for an owner. */
    public record Output(Address owner, BigInteger amount) {}

    /**
     * The coins to spend for {@code amount}: the largest first, so that a transfer spends as few as it can.
     *
     * @throws IllegalArgumentException naming the shortfall if the coins do not cover it
     */
    public static List<Coin> select(List<Coin> unspent, BigInteger amount) {
        List<Coin> byAmount = new ArrayList<>(unspent);
        byAmount.sort(Comparator.comparing(Coin::amount).reversed().thenComparing(c -> c.txHash().toHex())
                .thenComparingInt(Coin::index));
        List<Coin> chosen = new ArrayList<>();
        BigInteger sum = BigInteger.ZERO;
        for (Coin c : byAmount) {
            if (sum.compareTo(amount) >= 0 && !chosen.isEmpty()) {
                break;
            }
            if (chosen.size() == MAX_INPUTS) {
                throw new IllegalArgumentException("the " + MAX_INPUTS + " largest coins add up to " + sum
                        + ", less than " + amount + ": send a smaller amount first to merge coins");
            }
            chosen.add(c);
            sum = sum.add(c.amount());
        }
        if (sum.compareTo(amount) < 0) {
            throw new IllegalArgumentException("the unspent coins add up to " + sum + ", less than " + amount);
        }
        return chosen;
    }

    /** The outputs of a transfer spending {@code inputs}: the recipient's, then the change, if any. */
    public static List<Output> outputs(List<Coin> inputs, Address from, Address to, BigInteger amount) {
        BigInteger in = inputs.stream().map(Coin::amount).reduce(BigInteger.ZERO, BigInteger::add);
        List<Output> out = new ArrayList<>(2);
        out.add(new Output(to, amount));
        BigInteger change = in.subtract(amount);
        if (change.signum() > 0) {
            out.add(new Output(from, change));
        }
        return out;
    }

    public static byte[] body(List<Coin> inputs, List<Output> outputs) {
        if (inputs.isEmpty() || inputs.size() > MAX_INPUTS || outputs.isEmpty() || outputs.size() > 255) {
            throw new IllegalArgumentException("a UTXO transaction has 1 to 255 inputs and 1 to 255 outputs, got "
                    + inputs.size() + " and " + outputs.size());
        }
        Encoder e = new Encoder(2 + inputs.size() * 36 + outputs.size() * 52).u8(inputs.size());
        for (Coin c : inputs) {
            e.fixed(c.txHash().toByteArray()).u32(c.index());
        }
        e.u8(outputs.size());
        for (Output o : outputs) {
            e.fixed(o.owner().toByteArray()).fixed(Uint256.toBytes(o.amount()));
        }
        return e.toByteArray();
    }

    /** A transaction spending {@code inputs}, all owned by {@code key}'s address, into {@code outputs}. */
    public static Envelope sign(CryptoSuite suite, long chainId, List<Coin> inputs, List<Output> outputs, byte[] key,
            byte[] publicKey) {
        byte[] payload = Envelope.payload(chainId, Envelope.UTXO, body(inputs, outputs), List.of(publicKey));
        return Envelope.of(payload, List.of(suite.sign(suite.hash(payload), key)));
    }
}
