package io.cairn.txpool.internal;

import io.cairn.api.storage.Keys;
import java.util.List;

/**
 * The pool's contents handed from one pool instance to the next through storage (hot-swap contract,
 * transient state): {@code u32 count | count x bytes encodedTransaction}.
 */
final class PendingTransactions {
    static final byte[] KEY = Keys.of(Keys.META, "txpool/pending");

    private PendingTransactions() {}

    static byte[] encode(List<byte[]> txs) {
        return EncodedTransactions.encode(txs);
    }

    static List<byte[]> decode(byte[] value) {
        return EncodedTransactions.decode(value, "txpool/pending");
    }
}
