package io.cairn.snapshot.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.MalformedDataException;

/**
 * The messages of topic {@value #TOPIC} (docs/protocol.md), in the canonical encoding (big-endian integers,
 * {@code bytes} = u32 length + bytes): {@code u8 version | u8 type | body}.
 *
 * <pre>
 * GET_MANIFEST (1): (empty)
 * MANIFEST     (2): u64 height | bytes manifest.json               (height 0, no bytes: no snapshot here)
 * GET_PIECE    (3): u64 height | u32 chunk | u64 offset | u32 length
 * PIECE        (4): u64 height | u32 chunk | u64 offset | bytes data (no bytes: not held here)
 * </pre>
 */
sealed interface SnapshotMessage permits SnapshotMessage.GetManifest, SnapshotMessage.ManifestOffer,
        SnapshotMessage.GetPiece, SnapshotMessage.Piece {
    String TOPIC = "snapshot";
    int VERSION = 1;
    int GET_MANIFEST = 1;
    int MANIFEST = 2;
    int GET_PIECE = 3;
    int PIECE = 4;
    /** The most a PIECE carries: a request for more is served this much. */
    int MAX_PIECE = 1 << 20;

    byte[] encode();

    record GetManifest() implements SnapshotMessage {
        @Override
        public byte[] encode() {
            return new Encoder(2).u8(VERSION).u8(GET_MANIFEST).toByteArray();
        }
    }

    /** A peer's newest snapshot: its height and its manifest.json as stored; height 0 and no bytes: none. */
    record ManifestOffer(long height, byte[] json) implements SnapshotMessage {
        @Override
        public byte[] encode() {
            return new Encoder(14 + json.length).u8(VERSION).u8(MANIFEST).u64(height).bytes(json).toByteArray();
        }
    }

    record GetPiece(long height, int chunk, long offset, int length) implements SnapshotMessage {
        @Override
        public byte[] encode() {
            return new Encoder(26).u8(VERSION).u8(GET_PIECE).u64(height).u32(chunk).u64(offset).u32(length)
                    .toByteArray();
        }
    }

    /** {@code data} of the chunk's file from {@code offset}; empty: this peer does not hold it. */
    record Piece(long height, int chunk, long offset, byte[] data) implements SnapshotMessage {
        @Override
        public byte[] encode() {
            return new Encoder(26 + data.length).u8(VERSION).u8(PIECE).u64(height).u32(chunk).u64(offset).bytes(data)
                    .toByteArray();
        }
    }

    /**
     * Decodes a message.
     *
     * @param maxManifest the largest manifest accepted
     * @throws MalformedDataException naming what does not decode
     */
    static SnapshotMessage decode(byte[] payload, int maxManifest) {
        Decoder d = new Decoder(payload, "snapshot message");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new MalformedDataException("snapshot: protocol version " + version + " is not supported (this node "
                    + "speaks " + VERSION + ")");
        }
        int type = d.u8("type");
        SnapshotMessage m = switch (type) {
            case GET_MANIFEST -> new GetManifest();
            case MANIFEST -> new ManifestOffer(d.u64("height"), d.bytes(maxManifest, "manifest"));
            case GET_PIECE -> new GetPiece(d.u64("height"), d.u32("chunk"), d.u64("offset"), d.u32("length"));
            case PIECE -> new Piece(d.u64("height"), d.u32("chunk"), d.u64("offset"), d.bytes(MAX_PIECE, "data"));
            default -> throw new MalformedDataException("snapshot: unknown message type " + type);
        };
        d.end();
        return m;
    }
}
