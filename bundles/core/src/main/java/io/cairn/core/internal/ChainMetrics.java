package io.cairn.core.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.BlockListener;
import io.cairn.api.node.BlockStore;
import io.cairn.api.runtime.Metrics;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** Counts committed blocks and transactions as the block store announces them, whichever engine made them. */
@Component(service = BlockListener.class, immediate = true)
public final class ChainMetrics implements BlockListener {
    private final Metrics.Counter blocks;
    private final Metrics.Counter transactions;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Activate
    public ChainMetrics(@Reference Metrics metrics) {
        blocks = metrics.counter("blocks_committed", "Blocks committed to this node's chain");
        transactions = metrics.counter("transactions_committed", "Transactions committed in those blocks");
        metrics.gauge("block_height", "The number of the latest committed block (-1 before genesis)", () -> {
            BlockStore s = blockStore;
            return s == null ? Double.NaN : s.height();
        });
    }

    @Override
    public void blockCommitted(Block block, Hash blockHash, List<Hash> txHashes) {
        blocks.inc();
        transactions.inc(txHashes.size());
    }
}
