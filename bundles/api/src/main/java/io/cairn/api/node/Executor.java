package io.cairn.api.node;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.VerifiedTransaction;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The executor component: turns transactions into an executed block on the head's state. */
@ProviderType
public interface Executor extends Component {
    /**
     * Executes {@code txs} on the state of {@code parent} (which must be the current head) and
     * returns the next block's header with its roots, its receipts and state writes.
     */
    ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs);

    /** Block 0 of a chain. */
    ExecutedBlock genesis(Genesis genesis);
}
