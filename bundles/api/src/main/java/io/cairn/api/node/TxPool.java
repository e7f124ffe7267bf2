package io.cairn.api.node;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** The txpool component: admits transactions once (signature checked once) and feeds the sealer. */
@ProviderType
public interface TxPool extends Component {
    /** Decodes, verifies and admits an encoded transaction; returns it with its hash. */
    VerifiedTransaction submit(byte[] encoded) throws TxRejectedException;

    /** Up to {@code max} transactions that can run next, in order (per sender by nonce). */
    List<VerifiedTransaction> pending(int max);

    Optional<VerifiedTransaction> get(Hash txHash);

    int size();

    int capacity();

    /** For getPoolStatus. */
    PoolStatus status();

    /** The nonce a new transaction of {@code sender} should carry, counting those pending. */
    long nextNonce(Address sender);
}
