package io.cairn.ledger.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A block without its header, as stored under {@code c b <number>}: the tail of the {@link Block}
 * encoding, {@code u32 n | n x bytes tx | u32 m | m x bytes seal}. The header is stored once, on its own. Each
 * transaction is its envelope's encoding exactly as it was sent: a version 1 transfer of the first format is
 * stored, and read back, as the bytes it always was, so stores written before envelopes read unchanged.
 */
final class BlockBody {
    private BlockBody() {}

    record Contents(List<Envelope> transactions, List<byte[]> seals) {}

    static byte[] encode(List<VerifiedTransaction> txs, List<byte[]> seals) {
        List<byte[]> encoded = new ArrayList<>(txs.size());
        int size = 8;
        for (VerifiedTransaction vt : txs) {
            // The pool kept the bytes it decoded (canonical: decode rejects trailing bytes), so no re-encoding.
            byte[] e = vt.encoded();
            encoded.add(e);
            size += 4 + e.length;
        }
        for (byte[] s : seals) {
            size += 4 + s.length;
        }
        Encoder out = new Encoder(size).u32(encoded.size());
        for (byte[] e : encoded) {
            out.bytes(e);
        }
        out.u32(seals.size());
        for (byte[] s : seals) {
            out.bytes(s);
        }
        return out.toByteArray();
    }

    static Contents decode(byte[] body, long number) {
        Decoder d = new Decoder(body, "block " + number + " body");
        int n = d.u32("transaction count");
        if (n < 0 || n > Block.MAX_TRANSACTIONS) {
            throw new MalformedDataException("block " + number + " body: transaction count " + n + " out of range");
        }
        List<Envelope> txs = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            txs.add(envelope(d.bytes(Envelope.MAX_ENCODED, "transaction " + i), i, number));
        }
        int m = d.u32("seal count");
        if (m < 0 || m > 1024) {
            throw new MalformedDataException("block " + number + " body: seal count " + m + " out of range");
        }
        List<byte[]> seals = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            seals.add(d.bytes(256, "seal " + i));
        }
        d.end();
        return new Contents(txs, seals);
    }

    /** One transaction of a body, skipping over the others without decoding them. */
    static Envelope transactionAt(byte[] body, int index, long number) {
        int count = u32(body, 0, number);
        if (index < 0 || index >= count) {
            throw new MalformedDataException("block " + number + " has " + count + " transactions, no index " + index);
        }
        int pos = 4;
        for (int i = 0; i < index; i++) {
            pos = skip(body, pos, number);
        }
        int len = u32(body, pos, number);
        int end = skip(body, pos, number);
        return envelope(Arrays.copyOfRange(body, end - len, end), index, number);
    }

    private static Envelope envelope(byte[] encoded, int index, long number) {
        try {
            return Envelope.decode(encoded);
        } catch (MalformedDataException e) {
            throw new MalformedDataException("block " + number + " body: transaction " + index + ": " + e.getMessage());
        }
    }

    private static int skip(byte[] body, int pos, long number) {
        long next = (long) pos + 4 + Integer.toUnsignedLong(u32(body, pos, number));
        if (next > body.length) {
            throw new MalformedDataException("block " + number + " body is truncated at offset " + pos);
        }
        return (int) next;
    }

    private static int u32(byte[] b, int pos, long number) {
        if (pos + 4 > b.length) {
            throw new MalformedDataException("block " + number + " body is truncated at offset " + pos);
        }
        return ((b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
    }
}
