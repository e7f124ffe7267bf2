package io.cairn.network.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The wire format between nodes, inside mutual TLS 1.3:
 *
 * <pre>
 * frame   = u32 length (big-endian, of what follows, at most maxFrameBytes)
 *           u8 topicLength | topic (topicLength bytes of printable ASCII 0x21..0x7e) | payload
 * hello   = the first frame each way, topicLength 0 (the empty topic is reserved for it), payload:
 *           u32 magic 0x4341524e ("CARN") | u64 chainId | u16 minVersion | u16 maxVersion
 *           (longer payloads are accepted and the rest ignored, for later versions)
 * </pre>
 *
 * After the hello, a frame with topicLength 0 and no payload is a keepalive (sent after keepaliveMs
 * without other traffic; a peer silent for three keepalive periods is disconnected); every other frame
 * must carry a non-empty topic. The negotiated protocol version is
 * min(max_a, max_b) when that is at least max(min_a, min_b); otherwise the connection closes.
 */
final class Wire {
    static final int MAGIC = 0x4341524e;
    static final int HELLO_BYTES = 4 + 8 + 2 + 2;
    static final int MAX_TOPIC = 255;
    static final int LENGTH_BYTES = 4;

    private Wire() {}

    /** A frame's header: length, topic length and topic. */
    static int headerBytes(byte[] topic) {
        return LENGTH_BYTES + 1 + topic.length;
    }

    /**
     * The topic as wire bytes.
     *
     * @throws IllegalArgumentException if it is empty, longer than 255 or not printable ASCII
     */
    static byte[] topic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("network: a message needs a topic");
        }
        if (topic.length() > MAX_TOPIC) {
            throw new IllegalArgumentException("network: topic longer than 255 characters: " + topic.substring(0, 40) + "...");
        }
        byte[] b = topic.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < b.length; i++) {
            if (!printable(topic.charAt(i))) {
                throw new IllegalArgumentException("network: topic must be printable ASCII without spaces: '" + topic + "'");
            }
        }
        return b;
    }

    static boolean printable(int c) {
        return c >= 0x21 && c <= 0x7e;
    }

    static ByteBuf frame(ByteBufAllocator alloc, byte[] topic, byte[] payload) {
        ByteBuf b = alloc.buffer(headerBytes(topic) + payload.length);
        b.writeInt(1 + topic.length + payload.length).writeByte(topic.length).writeBytes(topic).writeBytes(payload);
        return b;
    }

    static ByteBuf hello(ByteBufAllocator alloc, long chainId, int minVersion, int maxVersion) {
        ByteBuf b = alloc.buffer(LENGTH_BYTES + 1 + HELLO_BYTES);
        b.writeInt(1 + HELLO_BYTES).writeByte(0).writeInt(MAGIC).writeLong(chainId).writeShort(minVersion).writeShort(maxVersion);
        return b;
    }

    static ByteBuf keepalive(ByteBufAllocator alloc) {
        return alloc.buffer(LENGTH_BYTES + 1).writeInt(1).writeByte(0);
    }

    record Hello(long chainId, int minVersion, int maxVersion) {
        /** The version both speak, or -1 when the ranges do not meet. */
        int negotiate(int ourMin, int ourMax) {
            int v = Math.min(ourMax, maxVersion);
            return v >= Math.max(ourMin, minVersion) ? v : -1;
        }
    }

    /**
     * Reads a hello from a frame body positioned after its (zero) topic length.
     *
     * @throws MalformedFrameException naming what is wrong
     */
    static Hello readHello(ByteBuf body) {
        if (body.readableBytes() < HELLO_BYTES) {
            throw new MalformedFrameException("hello too short: " + body.readableBytes() + " bytes");
        }
        int magic = body.readInt();
        if (magic != MAGIC) {
            throw new MalformedFrameException("unknown hello (magic 0x" + Integer.toHexString(magic) + ")");
        }
        long chainId = body.readLong();
        int min = body.readUnsignedShort();
        int max = body.readUnsignedShort();
        if (min > max) {
            throw new MalformedFrameException("hello version range is empty: " + min + ".." + max);
        }
        return new Hello(chainId, min, max);
    }

    /**
     * Reads the topic of a frame body (after the length); leaves the payload readable.
     *
     * @return the topic, or "" for a hello
     * @throws MalformedFrameException when the topic runs past the frame or is not printable ASCII
     */
    static String readTopic(ByteBuf body) {
        if (!body.isReadable()) {
            throw new MalformedFrameException("empty frame");
        }
        int n = body.readUnsignedByte();
        if (n > body.readableBytes()) {
            throw new MalformedFrameException("topic length " + n + " runs past the frame (" + body.readableBytes() + " bytes left)");
        }
        int at = body.readerIndex();
        for (int i = 0; i < n; i++) {
            if (!printable(body.getByte(at + i))) {
                throw new MalformedFrameException("topic is not printable ASCII");
            }
        }
        String topic = body.toString(at, n, StandardCharsets.US_ASCII);
        body.skipBytes(n);
        return topic;
    }

    /** A frame from a peer that breaks the wire format. */
    static final class MalformedFrameException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedFrameException(String message) {
            super(message, null, false, false);
        }
    }

    /** A declared protocol range, {@code MIN-MAX} or one version; {@code {min, max}} when none is declared. */
    static int[] range(String h, int min0, int max0, String header) {
        if (h == null || h.isBlank()) {
            return new int[] {min0, max0};
        }
        String[] parts = h.strip().split("-", -1);
        try {
            int min = Integer.parseInt(parts[0].strip());
            int max = parts.length == 1 ? min : Integer.parseInt(parts[1].strip());
            if (parts.length <= 2 && min >= 1 && min <= max && max <= 0xffff) {
                return new int[] {min, max};
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("network: the bundle declares " + header + " '" + h
                + "': a protocol version range is MIN-MAX (or one version), 1 <= MIN <= MAX <= 65535");
    }
}
