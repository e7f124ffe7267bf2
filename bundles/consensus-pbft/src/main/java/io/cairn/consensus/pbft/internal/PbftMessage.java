package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;

/**
 * A PBFT message on topic {@code pbft}. Encoding (canonical, big-endian):
 *
 * <pre>
 * u8 version(1) | u8 type | u64 chainId | u64 height | u64 view | blockHash[32] | sender[64] | bytes body
 * | signature[64]
 * </pre>
 *
 * The signature is the sender's node-key signature over the suite hash of everything before it, so a
 * vote cannot be replayed as another type, height, view, block or chain.
 */
record PbftMessage(int type, long chainId, long height, long view, Hash blockHash, byte[] sender, byte[] body,
        byte[] signature) {

    static final int VERSION = 1;
    /** body: the proposed block, {@link io.cairn.api.chain.Block} encoding with no seals. */
    static final int PRE_PREPARE = 1;
    /** body: empty. */
    static final int PREPARE = 2;
    /** body: the seal signature[64] over the block hash. */
    static final int COMMIT = 3;
    /** view: the view asked for; blockHash: the prepared certificate's block or zero; body: {@link PreparedCert}. */
    static final int VIEW_CHANGE = 4;
    /** view: the new view; blockHash: the block it must re-propose or zero; body: u32 k | k x bytes VIEW-CHANGE. */
    static final int NEW_VIEW = 5;
    /** A committed block answering FETCH: height = its number; body: the Block encoding with its seals. */
    static final int DECIDED = 6;
    /** Asks a peer for committed block {@code height}; body empty. */
    static final int FETCH = 7;

    static final int MAX_BODY = 64 << 20;

    static String typeName(int type) {
        return switch (type) {
            case PRE_PREPARE -> "PRE-PREPARE";
            case PREPARE -> "PREPARE";
            case COMMIT -> "COMMIT";
            case VIEW_CHANGE -> "VIEW-CHANGE";
            case NEW_VIEW -> "NEW-VIEW";
            case DECIDED -> "DECIDED";
            case FETCH -> "FETCH";
            default -> "type " + type;
        };
    }

    static byte[] unsigned(int type, long chainId, long height, long view, Hash blockHash, byte[] sender, byte[] body) {
        return new Encoder(150 + body.length).u8(VERSION).u8(type).u64(chainId).u64(height).u64(view)
                .fixed(blockHash.toByteArray()).fixed(sender).bytes(body).toByteArray();
    }

    static PbftMessage sign(NodeIdentity id, int type, long chainId, long height, long view, Hash blockHash,
            byte[] body) {
        byte[] sender = id.publicKey();
        byte[] digest = id.suite().hash(unsigned(type, chainId, height, view, blockHash, sender, body));
        return new PbftMessage(type, chainId, height, view, blockHash, sender, body, id.sign(digest));
    }

    byte[] encode() {
        return new Encoder(220 + body.length).fixed(unsigned(type, chainId, height, view, blockHash, sender, body))
                .fixed(signature).toByteArray();
    }

    static PbftMessage decode(byte[] payload) {
        Decoder d = new Decoder(payload, "pbft message");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new MalformedDataException("pbft message: unsupported version " + version + " (expected " + VERSION + ")");
        }
        int type = d.u8("type");
        if (type < PRE_PREPARE || type > FETCH) {
            throw new MalformedDataException("pbft message: unknown type " + type);
        }
        long chainId = d.u64("chainId");
        long height = d.u64("height");
        long view = d.u64("view");
        if (height < 0 || view < 0) {
            throw new MalformedDataException("pbft message: height and view must not be negative");
        }
        Hash hash = Hash.of(d.fixed(32, "blockHash"));
        byte[] sender = d.fixed(64, "sender");
        byte[] body = d.bytes(MAX_BODY, "body");
        byte[] signature = d.fixed(64, "signature");
        d.end();
        return new PbftMessage(type, chainId, height, view, hash, sender, body, signature);
    }

    /** Whether the signature is the sender's over this message. */
    boolean verify(CryptoSuite suite) {
        return verify(suite, type, chainId, height, view, blockHash, sender, body, signature);
    }

    static boolean verify(CryptoSuite suite, int type, long chainId, long height, long view, Hash blockHash,
            byte[] sender, byte[] body, byte[] signature) {
        return suite.verify(suite.hash(unsigned(type, chainId, height, view, blockHash, sender, body)), signature, sender);
    }

    String senderHex() {
        return Bytes.toHex(sender);
    }

    @Override
    public String toString() {
        return typeName(type) + "(h=" + height + ", v=" + view + ", " + blockHash.toHex().substring(0, 10) + " from "
                + senderHex().substring(0, 10) + ")";
    }
}
