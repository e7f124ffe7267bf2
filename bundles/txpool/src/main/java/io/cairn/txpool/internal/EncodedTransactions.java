package io.cairn.txpool.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of encoded transactions, {@code u32 count | count x bytes transaction}: the shape of both the
 * pool's hand-over in storage and a gossip batch on the wire.
 */
final class EncodedTransactions {
    private EncodedTransactions() {}

    static byte[] encode(List<byte[]> txs) {
        int size = 4;
        for (byte[] t : txs) {
            size += 4 + t.length;
        }
        Encoder e = new Encoder(size).u32(txs.size());
        for (byte[] t : txs) {
            e.bytes(t);
        }
        return e.toByteArray();
    }

    /** @param what names the data in error messages */
    static List<byte[]> decode(byte[] data, String what) {
        Decoder d = new Decoder(data, what);
        int n = d.u32("count");
        if (n < 0 || n > data.length / 4) {
            throw new MalformedDataException(what + ": count " + Integer.toUnsignedString(n) + " out of range");
        }
        List<byte[]> txs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            txs.add(d.bytes(Envelope.MAX_ENCODED, "transaction " + i));
        }
        d.end();
        return txs;
    }
}
