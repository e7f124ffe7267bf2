package io.cairn.launcher.client;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import java.math.BigInteger;
import java.util.List;

/**
 * DAG transactions as a client makes them (docs/ledgers.md, DAG): each account's transactions form a chain, each
 * naming the one before ({@code previous}, 32 zero bytes for the first); a SEND takes an amount from the account,
 * and the recipient takes it with a RECEIVE naming that send. Body: {@code u8 kind | previous[32] |} then
 * {@code to[20] | amount[32]} (SEND, kind 1) or {@code source[32]} (RECEIVE, kind 2); signed by the account alone.
 */
public final class DagTransfers {
    public static final int SEND = 1;
    public static final int RECEIVE = 2;

    private DagTransfers() {}

    public static byte[] sendBody(Hash previous, Address to, BigInteger amount) {
        return new Encoder(85).u8(SEND).fixed(previous.toByteArray()).fixed(to.toByteArray())
                .fixed(Uint256.toBytes(amount)).toByteArray();
    }

    public static byte[] receiveBody(Hash previous, Hash source) {
        return new Encoder(65).u8(RECEIVE).fixed(previous.toByteArray()).fixed(source.toByteArray()).toByteArray();
    }

    /** A SEND of {@code amount} to {@code to} following {@code previous} on the signer's chain. */
    public static Envelope send(CryptoSuite suite, long chainId, Hash previous, Address to, BigInteger amount, byte[] key,
            byte[] publicKey) {
        return sign(suite, chainId, sendBody(previous, to, amount), key, publicKey);
    }

    /** A RECEIVE of the send {@code source} following {@code previous} on the signer's chain. */
    public static Envelope receive(CryptoSuite suite, long chainId, Hash previous, Hash source, byte[] key,
            byte[] publicKey) {
        return sign(suite, chainId, receiveBody(previous, source), key, publicKey);
    }

    private static Envelope sign(CryptoSuite suite, long chainId, byte[] body, byte[] key, byte[] publicKey) {
        byte[] payload = Envelope.payload(chainId, Envelope.DAG, body, List.of(publicKey));
        return Envelope.of(payload, List.of(suite.sign(suite.hash(payload), key)));
    }

    /** The transaction's hash: what the next transaction of its chain names, and what a receive names. */
    public static Hash hash(CryptoSuite suite, Envelope tx) {
        return Hash.of(suite.hash(tx.payload()));
    }
}
