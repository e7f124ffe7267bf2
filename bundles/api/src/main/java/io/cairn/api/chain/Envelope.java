package io.cairn.api.chain;

import io.cairn.api.crypto.CryptoSuite;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A transaction of any ledger model: who signs, for which chain and model, and a body only the model reads
 * (docs/formats.md, "Transaction envelope"). Version 2:
 *
 * <pre>
 * payload  = u8 2 | u64 chainId | u8 ledger | bytes body | u8 n | n x publicKey[64]
 * encoding = payload | n x signature[64]
 * </pre>
 *
 * The transaction hash is the chain suite's hash of the payload, so it names every signer; each signature signs
 * that hash. Version 1, the account transfer of the first format ({@link Transaction}), stays decodable forever
 * so old blocks replay: it is an envelope of ledger {@link #ACCOUNT} whose body is everything between its chain
 * id and its signature ({@code u64 nonce | publicKey[64] | to[20] | value[32] | bytes data}), with that public
 * key as its one signer. In both versions the payload is the encoding without its trailing signatures.
 *
 * <p>Immutable; {@link #encoded()} and {@link #body()} return the envelope's own arrays for speed: never
 * modify them.
 */
public final class Envelope {
    public static final int VERSION = 2;
    public static final int MAX_BODY = 64 * 1024;
    public static final int MAX_SIGNERS = 16;
    public static final int KEY_BYTES = 64;
    public static final int SIGNATURE_BYTES = 64;
    public static final int MAX_ENCODED = 1 + 8 + 1 + 4 + MAX_BODY + 1 + MAX_SIGNERS * (KEY_BYTES + SIGNATURE_BYTES);

    /** Ledger codes: the byte an envelope carries to name its model. Registered here, never reused. */
    public static final int ACCOUNT = 1;
    public static final int UTXO = 2;
    public static final int DAG = 3;
    /** The private ledger: coins whose amounts are commitments (docs/privacy.md). */
    public static final int PRIVATE = 4;
    /**
     * Not a ledger model: the chain's governance (upgrade plans and votes, {@link Governance}), taken on a chain of
     * any model.
     */
    public static final int GOVERNANCE = 255;
    public static final String GOVERNANCE_NAME = "governance";
    private static final List<String> LEDGERS = List.of("", "account", "utxo", "dag", "private");

    private final int version;
    private final long chainId;
    private final int ledger;
    private final byte[] body;
    private final List<byte[]> publicKeys;
    private final List<byte[]> signatures;
    private final byte[] encoded;

    private Envelope(int version, long chainId, int ledger, byte[] body, List<byte[]> publicKeys,
            List<byte[]> signatures, byte[] encoded) {
        this.version = version;
        this.chainId = chainId;
        this.ledger = ledger;
        this.body = body;
        this.publicKeys = publicKeys;
        this.signatures = signatures;
        this.encoded = encoded;
    }

    /** The code of a ledger model's name, or -1 if none is registered for it. */
    public static int ledgerCode(String name) {
        if (GOVERNANCE_NAME.equals(name)) {
            return GOVERNANCE;
        }
        int i = name == null || name.isEmpty() ? -1 : LEDGERS.indexOf(name);
        return i <= 0 ? -1 : i;
    }

    /** The name of a ledger code: {@code account}, {@code utxo}, {@code dag}, {@code governance}, or {@code ledger <code>}. */
    public static String ledgerName(int code) {
        if (code == GOVERNANCE) {
            return GOVERNANCE_NAME;
        }
        return code > 0 && code < LEDGERS.size() ? LEDGERS.get(code) : "ledger " + code;
    }

    /** The version 2 payload: what is hashed, the hash being what every signer signs. */
    public static byte[] payload(long chainId, int ledger, byte[] body, List<byte[]> publicKeys) {
        checkHeader(ledger, body.length, publicKeys.size());
        Encoder e = new Encoder(16 + body.length + publicKeys.size() * KEY_BYTES).u8(VERSION).u64(chainId).u8(ledger)
                .bytes(body).u8(publicKeys.size());
        for (byte[] k : publicKeys) {
            if (k.length != KEY_BYTES) {
                throw new MalformedDataException("envelope: a public key is 64 bytes, got " + k.length);
            }
            e.fixed(k);
        }
        return e.toByteArray();
    }

    /** A version 2 envelope: {@code payload} (from {@link #payload}) followed by one signature per signer. */
    public static Envelope of(byte[] payload, List<byte[]> signatures) {
        byte[] out = Arrays.copyOf(payload, payload.length + signatures.size() * SIGNATURE_BYTES);
        int at = payload.length;
        for (byte[] s : signatures) {
            if (s.length != SIGNATURE_BYTES) {
                throw new MalformedDataException("envelope: a signature is 64 bytes, got " + s.length);
            }
            System.arraycopy(s, 0, out, at, SIGNATURE_BYTES);
            at += SIGNATURE_BYTES;
        }
        return decode(out);
    }

    /** Signs a body with every key of {@code privateKeys}, in that order, as a client does. */
    public static Envelope sign(CryptoSuite suite, long chainId, int ledger, byte[] body, List<byte[]> privateKeys) {
        List<byte[]> keys = new ArrayList<>(privateKeys.size());
        for (byte[] k : privateKeys) {
            keys.add(suite.publicKey(k));
        }
        byte[] payload = payload(chainId, ledger, body, keys);
        byte[] hash = suite.hash(payload);
        List<byte[]> sigs = new ArrayList<>(privateKeys.size());
        for (byte[] k : privateKeys) {
            sigs.add(suite.sign(hash, k));
        }
        return of(payload, sigs);
    }

    /** Decodes either version, strictly: the encoding is canonical. */
    public static Envelope decode(byte[] encoded) {
        if (encoded.length > MAX_ENCODED) {
            throw new MalformedDataException("transaction is " + encoded.length + " bytes, the limit is " + MAX_ENCODED);
        }
        if (encoded.length == 0) {
            throw new MalformedDataException("transaction is empty");
        }
        int version = encoded[0] & 0xff;
        if (version == Transaction.VERSION) {
            return legacy(encoded);
        }
        if (version != VERSION) {
            throw new MalformedDataException("transaction: unsupported version " + version + " (expected " + VERSION
                    + ", or " + Transaction.VERSION + " for an account transfer of the first format)");
        }
        Decoder d = new Decoder(encoded, "transaction");
        d.u8("version");
        long chainId = d.u64("chainId");
        int ledger = d.u8("ledger");
        byte[] body = d.bytes(MAX_BODY, "body");
        int n = d.u8("signer count");
        checkHeader(ledger, body.length, n);
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(d.fixed(KEY_BYTES, "publicKey " + i));
        }
        List<byte[]> sigs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sigs.add(d.fixed(SIGNATURE_BYTES, "signature " + i));
        }
        d.end();
        return new Envelope(VERSION, chainId, ledger, body, List.copyOf(keys), List.copyOf(sigs), encoded);
    }

    private static Envelope legacy(byte[] encoded) {
        Transaction tx = Transaction.decode(encoded); // strict and bounded
        byte[] body = Arrays.copyOfRange(encoded, 9, encoded.length - SIGNATURE_BYTES);
        return new Envelope(Transaction.VERSION, tx.chainId(), ACCOUNT, body, List.of(tx.publicKey()),
                List.of(tx.signature()), encoded);
    }

    private static void checkHeader(int ledger, int bodyLength, int signers) {
        if (ledger <= 0 || ledger > 255) {
            throw new MalformedDataException("transaction: ledger code " + ledger + " is not 1..255");
        }
        if (bodyLength > MAX_BODY) {
            throw new MalformedDataException("transaction: body is " + bodyLength + " bytes, the limit is " + MAX_BODY);
        }
        if (signers < 1 || signers > MAX_SIGNERS) {
            throw new MalformedDataException("transaction: " + signers + " signers, a transaction has 1 to "
                    + MAX_SIGNERS);
        }
    }

    public int version() {
        return version;
    }

    public long chainId() {
        return chainId;
    }

    /** The ledger code ({@link #ACCOUNT}, {@link #UTXO}, {@link #DAG}, ...). */
    public int ledger() {
        return ledger;
    }

    /** The model-defined body; the envelope's own array: do not modify. */
    public byte[] body() {
        return body;
    }

    /** The signers' public keys, in envelope order. */
    public List<byte[]> publicKeys() {
        return publicKeys;
    }

    /** One signature per public key, same order. */
    public List<byte[]> signatures() {
        return signatures;
    }

    /** The encoding; the envelope's own array: do not modify. */
    public byte[] encoded() {
        return encoded;
    }

    /** What is hashed: the encoding without its signatures. */
    public byte[] payload() {
        return Arrays.copyOf(encoded, encoded.length - signatures.size() * SIGNATURE_BYTES);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && Arrays.equals(encoded, e.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "transaction v" + version + " (" + ledgerName(ledger) + ", " + encoded.length + " bytes)";
    }
}
