package io.cairn.txpool.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Transaction;
import io.cairn.api.storage.Keys;
import java.util.ArrayList;
import java.util.List;

/**
 * The pool's contents handed from one pool instance to the next through storage (hot-swap contract,
 * transient state): {@code u32 count | count x bytes encodedTransaction}.
 */
final class PendingTransactions {
    static final byte[] KEY = Keys.of(Keys.META, "txpool/pending");

    private PendingTransactions() {}

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

    static List<byte[]> decode(byte[] value) {
        Decoder d = new Decoder(value, "txpool/pending");
        int n = d.u32("count");
        if (n < 0) {
            throw new io.cairn.api.chain.MalformedDataException("txpool/pending: count " + Integer.toUnsignedString(n)
                    + " out of range");
        }
        List<byte[]> out = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            out.add(d.bytes(Transaction.MAX_ENCODED, "transaction " + i));
        }
        d.end();
        return out;
    }
}
