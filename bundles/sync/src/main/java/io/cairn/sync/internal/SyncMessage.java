package io.cairn.sync.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of topic {@code sync}, in the canonical encoding (big-endian integers, {@code bytes} = u32
 * length + bytes): {@code u8 protocolVersion | u8 type | body}.
 *
 * <pre>
 * STATUS     (1): u64 height | headHash[32] | genesisHash[32]
 * GET_BLOCKS (2): u64 from | u32 count
 * BLOCKS     (3): u64 from | u32 n | n x bytes block     (Block.encode, seals included; n = 0: none held)
 * </pre>
 */
sealed interface SyncMessage permits SyncMessage.Status, SyncMessage.GetBlocks, SyncMessage.Blocks {
    String TOPIC = "sync";
    int VERSION = 1;
    int STATUS = 1;
    int GET_BLOCKS = 2;
    int BLOCKS = 3;
    /** More blocks than any sane batch: a count above it is garbage, not a big request. */
    int MAX_BLOCKS = 4096;

    byte[] encode();

    record Status(long height, Hash head, Hash genesis) implements SyncMessage {
        @Override
        public byte[] encode() {
            return new Encoder(74).u8(VERSION).u8(STATUS).u64(height).fixed(head.toByteArray())
                    .fixed(genesis.toByteArray()).toByteArray();
        }
    }

    record GetBlocks(long from, int count) implements SyncMessage {
        @Override
        public byte[] encode() {
            return new Encoder(14).u8(VERSION).u8(GET_BLOCKS).u64(from).u32(count).toByteArray();
        }
    }

    /** Blocks {@code from}, {@code from + 1}, ... still encoded: the receiver decodes them off the network thread. */
    record Blocks(long from, List<byte[]> blocks) implements SyncMessage {
        public Blocks {
            blocks = List.copyOf(blocks);
        }

        @Override
        public byte[] encode() {
            return encode(from, blocks);
        }

        static byte[] encode(long from, List<byte[]> blocks) {
            int size = 14;
            for (byte[] b : blocks) {
                size += 4 + b.length;
            }
            Encoder e = new Encoder(size).u8(VERSION).u8(BLOCKS).u64(from).u32(blocks.size());
            for (byte[] b : blocks) {
                e.bytes(b);
            }
            return e.toByteArray();
        }

        /** The encoded size of a BLOCKS message before its blocks, and what each block adds beyond its bytes. */
        static final int OVERHEAD = 14;
        static final int PER_BLOCK = 4;
    }

    /** A message of a protocol version this engine does not speak: ignored, since the peer may be newer. */
    final class UnsupportedVersionException extends MalformedDataException {
        private static final long serialVersionUID = 1L;

        UnsupportedVersionException(int version) {
            super("sync: protocol version " + version + " is not supported (this engine speaks " + VERSION + ")");
        }
    }

    /**
     * @param maxBlockBytes the largest encoded block accepted
     * @throws UnsupportedVersionException for another protocol version
     * @throws MalformedDataException naming what is wrong, for anything else that is not a valid message
     */
    static SyncMessage decode(byte[] payload, int maxBlockBytes) {
        Decoder d = new Decoder(payload, "sync message");
        int version = d.u8("version");
        if (version != VERSION) {
            throw new UnsupportedVersionException(version);
        }
        int type = d.u8("type");
        SyncMessage m = switch (type) {
            case STATUS -> new Status(nonNegative(d.u64("height"), "height"), Hash.of(d.fixed(32, "headHash")),
                    Hash.of(d.fixed(32, "genesisHash")));
            case GET_BLOCKS -> {
                long from = nonNegative(d.u64("from"), "from");
                int count = d.u32("count");
                if (count < 1 || count > MAX_BLOCKS) {
                    throw new MalformedDataException("sync GET_BLOCKS: count " + Integer.toUnsignedString(count)
                            + " is not between 1 and " + MAX_BLOCKS);
                }
                yield new GetBlocks(from, count);
            }
            case BLOCKS -> {
                long from = nonNegative(d.u64("from"), "from");
                int n = d.u32("block count");
                // Each block needs at least its 4-byte length: a count beyond that is a lie about the size.
                if (n < 0 || n > MAX_BLOCKS || (long) n * 4 > d.remaining()) {
                    throw new MalformedDataException("sync BLOCKS: block count " + Integer.toUnsignedString(n)
                            + " does not fit the message (" + d.remaining() + " bytes left, at most " + MAX_BLOCKS + ")");
                }
                List<byte[]> blocks = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    blocks.add(d.bytes(maxBlockBytes, "block " + i));
                }
                yield new Blocks(from, blocks);
            }
            default -> throw new MalformedDataException("sync message: unknown type " + type);
        };
        d.end();
        return m;
    }

    private static long nonNegative(long v, String field) {
        if (v < 0) {
            throw new MalformedDataException("sync message: " + field + " " + Long.toUnsignedString(v) + " is out of range");
        }
        return v;
    }
}
