package io.cairn.api.testing;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import java.util.List;

/** Version 1 account transfers (the first transaction format) as the verified transactions tests hand around. */
public final class LegacyTransfers {
    private LegacyTransfers() {}

    /** {@code tx} as verified with {@code hash} and one signer, {@code sender}. */
    public static VerifiedTransaction verified(Transaction tx, Hash hash, Address sender) {
        return new VerifiedTransaction(Envelope.decode(tx.encode()), hash, List.of(sender));
    }

    /** The version 1 transaction inside a verified transaction (which tests built from one). */
    public static Transaction legacy(VerifiedTransaction vtx) {
        return Transaction.decode(vtx.encoded());
    }
}
