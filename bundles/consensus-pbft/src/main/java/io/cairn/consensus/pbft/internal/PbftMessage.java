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
record PbftMessage(MessageKind kind, long chainId, long height, long view, Hash blockHash, byte[] sender, byte[] body,
        byte[] signature) {

    static final int VERSION = 1;
    static final int MAX_BODY = 64 << 20;

    static byte[] unsigned(MessageKind kind, long chainId, long height, long view, Hash blockHash, byte[] sender,
            byte[] body) {
        return new Encoder(150 + body.length).u8(VERSION).u8(kind.code).u64(chainId).u64(height).u64(view)
                .fixed(blockHash.toByteArray()).fixed(sender).bytes(body).toByteArray();
    }

    static PbftMessage sign(NodeIdentity id, MessageKind kind, long chainId, long height, long view, Hash blockHash,
            byte[] body) {
        byte[] sender = id.publicKey();
        byte[] digest = id.suite().hash(unsigned(kind, chainId, height, view, blockHash, sender, body));
        return new PbftMessage(kind, chainId, height, view, blockHash, sender, body, id.sign(digest));
    }

    byte[] encode() {
        return new Encoder(220 + body.length).fixed(unsigned(kind, chainId, height, view, blockHash, sender, body))
                .fixed(signature).toByteArray();
    }

    static PbftMessage decode(byte[] payload) {
        Decoder d = new Decoder(payload, "pbft message");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new MalformedDataException("pbft message: unsupported version " + version + " (expected " + VERSION + ")");
        }
        MessageKind kind = MessageKind.of(d.u8("type"));
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
        return new PbftMessage(kind, chainId, height, view, hash, sender, body, signature);
    }

    /** Whether the signature is the sender's over this message. */
    boolean verify(CryptoSuite suite) {
        return verify(suite, kind, chainId, height, view, blockHash, sender, body, signature);
    }

    static boolean verify(CryptoSuite suite, MessageKind kind, long chainId, long height, long view, Hash blockHash,
            byte[] sender, byte[] body, byte[] signature) {
        return suite.verify(suite.hash(unsigned(kind, chainId, height, view, blockHash, sender, body)), signature, sender);
    }

    String senderHex() {
        return Bytes.toHex(sender);
    }

    @Override
    public String toString() {
        return kind + "(h=" + height + ", v=" + view + ", " + blockHash.toHex().substring(0, 10) + " from "
                + senderHex().substring(0, 10) + ")";
    }
}
