package io.cairn.launcher.client;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import java.math.BigInteger;
import java.util.List;

/**
 * Account transfers as a client makes them: version 2 envelopes of the account ledger whose body is
 * {@code u64 nonce | to[20] | value[32] | bytes data}, signed by the sender alone (docs/formats.md).
 */
public final class AccountTransfers {
    private AccountTransfers() {}

    /** The account model's body of a transfer. */
    public static byte[] body(long nonce, Address to, BigInteger value, byte[] data) {
        if (data.length > Transaction.MAX_DATA) {
            throw new IllegalArgumentException("data is " + data.length + " bytes, the limit is " + Transaction.MAX_DATA);
        }
        return new Encoder(68 + data.length).u64(nonce).fixed(to.toByteArray()).fixed(Uint256.toBytes(value))
                .bytes(data).toByteArray();
    }

    /** What the sender signs the hash of: the envelope without its signature. */
    public static byte[] payload(long chainId, long nonce, Address to, BigInteger value, byte[] data, byte[] publicKey) {
        return Envelope.payload(chainId, Envelope.ACCOUNT, body(nonce, to, value, data), List.of(publicKey));
    }

    /**
     * A signed transfer.
     *
     * @param key       the sender's private key
     * @param publicKey its public key, computed once by a caller that signs many ({@code suite.publicKey(key)})
     */
    public static Envelope sign(CryptoSuite suite, long chainId, long nonce, Address to, BigInteger value, byte[] data,
            byte[] key, byte[] publicKey) {
        byte[] payload = payload(chainId, nonce, to, value, data, publicKey);
        return Envelope.of(payload, List.of(suite.sign(suite.hash(payload), key)));
    }
}
