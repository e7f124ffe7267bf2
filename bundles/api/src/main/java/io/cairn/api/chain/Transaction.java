package io.cairn.api.chain;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * A signed transfer. Encoding (docs/formats.md): the signing payload
 * {@code u8 version | u64 chainId | u64 nonce | publicKey[64] | to[20] | value[32] | bytes data}
 * followed by {@code signature[64]}. The transaction hash is the suite hash of the payload, so it
 * names the sender too (two senders' otherwise equal transfers differ); the signature is over that
 * hash; the sender is the address of the public key.
 */
public final class Transaction {
    public static final int VERSION = 1;
    public static final int MAX_DATA = 32 * 1024;
    public static final int MAX_ENCODED = 1 + 8 + 8 + 20 + 32 + 4 + MAX_DATA + 64 + 64;
    public static final BigInteger MAX_VALUE = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    private final long chainId;
    private final long nonce;
    private final Address to;
    private final BigInteger value;
    private final byte[] data;
    private final byte[] publicKey;
    private final byte[] signature;

    public Transaction(long chainId, long nonce, Address to, BigInteger value, byte[] data, byte[] publicKey,
            byte[] signature) {
        if (value.signum() < 0 || value.compareTo(MAX_VALUE) > 0) {
            throw new MalformedDataException("value must be between 0 and 2^256-1, got " + value);
        }
        if (data.length > MAX_DATA) {
            throw new MalformedDataException("data is " + data.length + " bytes, the limit is " + MAX_DATA);
        }
        if (publicKey.length != 64 || signature.length != 64) {
            throw new MalformedDataException("public key and signature are 64 bytes each");
        }
        this.chainId = chainId;
        this.nonce = nonce;
        this.to = Objects.requireNonNull(to, "to");
        this.value = value;
        this.data = data.clone();
        this.publicKey = publicKey.clone();
        this.signature = signature.clone();
    }

    /** The bytes that are hashed and signed. */
    public static byte[] signingPayload(long chainId, long nonce, byte[] publicKey, Address to, BigInteger value,
            byte[] data) {
        if (publicKey.length != 64) {
            throw new MalformedDataException("a public key is 64 bytes, got " + publicKey.length);
        }
        return encodePayload(new Encoder(160 + data.length), chainId, nonce, publicKey, to, value, data).toByteArray();
    }

    private static Encoder encodePayload(Encoder e, long chainId, long nonce, byte[] publicKey, Address to,
            BigInteger value, byte[] data) {
        return e.u8(VERSION).u64(chainId).u64(nonce).fixed(publicKey).fixed(to.toByteArray())
                .fixed(Uint256.toBytes(value)).bytes(data);
    }

    public byte[] signingPayload() {
        return signingPayload(chainId, nonce, publicKey, to, value, data);
    }

    public byte[] encode() {
        return encodePayload(new Encoder(240 + data.length), chainId, nonce, publicKey, to, value, data)
                .fixed(signature).toByteArray();
    }

    public static Transaction decode(byte[] encoded) {
        if (encoded.length > MAX_ENCODED) {
            throw new MalformedDataException("transaction is " + encoded.length + " bytes, the limit is " + MAX_ENCODED);
        }
        Decoder d = new Decoder(encoded, "transaction");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new MalformedDataException("transaction: unsupported version " + version + " (expected " + VERSION + ")");
        }
        long chainId = d.u64("chainId");
        long nonce = d.u64("nonce");
        byte[] pub = d.fixed(64, "publicKey");
        Address to = Address.of(d.fixed(Address.SIZE, "to"));
        BigInteger value = Uint256.fromBytes(d.fixed(32, "value"));
        byte[] data = d.bytes(MAX_DATA, "data");
        byte[] sig = d.fixed(64, "signature");
        d.end();
        return new Transaction(chainId, nonce, to, value, data, pub, sig);
    }

    public long chainId() { return chainId; }
    public long nonce() { return nonce; }
    public Address to() { return to; }
    public BigInteger value() { return value; }
    public byte[] data() { return data.clone(); }
    public byte[] publicKey() { return publicKey.clone(); }
    public byte[] signature() { return signature.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transaction t && Arrays.equals(encode(), t.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }
}
