package io.cairn.api.node;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.crypto.CryptoSuite;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The block-format component (docs/formats.md, Block header; docs/upgrades.md, Rules versions): how the header
 * of an executed block commits to what the block did. Consensus-visible, so it has rules versions like the ledger
 * model, several installed side by side; the rules engine ({@link ChainRules#blockFormat}) picks the one in force
 * for each block, and the executor, sync and {@code cairn:verify-chain} all make or check headers with it.
 *
 * <p>The transaction root is not the format's: it is checked against a block's body before the block runs (and
 * before the state that names its rules exists), so it is the same for every rules version
 * ({@link io.cairn.api.chain.MerkleRoot}).
 */
@ConsumerType
public interface BlockFormat extends Component {
    /**
     * The header of the block after {@code parent}, executed to {@code receipts} and {@code stateRoot}.
     *
     * @param suite the chain's crypto suite
     * @param timestamp the sealer's clock; a header never goes back in time from its parent
     * @param txRoot the block's transaction root, the same under every format
     */
    BlockHeader next(CryptoSuite suite, BlockHeader parent, long timestamp, byte[] sealer, Hash txRoot, int txCount,
            List<Receipt> receipts, Hash stateRoot);
}
