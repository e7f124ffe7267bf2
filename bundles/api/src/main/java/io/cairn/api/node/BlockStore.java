package io.cairn.api.node;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Envelope;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.annotation.versioning.ProviderType;

/** The ledger component: blocks, transactions and receipts, committed atomically with state writes. */
@ProviderType
public interface BlockStore extends Component {
    /** Number of the latest committed block, or -1 before genesis. */
    long height();

    Optional<BlockHeader> header(long number);

    Optional<Hash> hash(long number);

    Optional<Block> block(long number);

    Optional<Block> block(Hash hash);

    /** Block number of a block hash. */
    Optional<Long> number(Hash blockHash);

    Optional<Located> transaction(Hash txHash);

    Optional<Receipt> receipt(Hash txHash);

    /** Transactions committed in all blocks so far. */
    long totalTransactionCount();

    /** The genesis facts from block 0, or empty before genesis. */
    Optional<Genesis> genesis();

    /** The chain's spec, read once from block 0; empty before genesis. */
    default Optional<ChainSpec> spec() {
        return genesis().map(ChainSpec::of);
    }

    /** State at the latest committed block; close it. Fails if there is no block yet. */
    StateSnapshot state();

    /**
     * Commits the block, its transactions and receipts, their indexes and the state writes in one atomic
     * storage batch, then tells every {@link BlockListener}. The block must extend the current head.
     *
     * @throws HeadMovedException if it does not extend the head (another engine committed first)
     * @throws NotReadyException  if the block store cannot commit now (no storage, no crypto suite)
     */
    Block commit(ExecutedBlock block, List<byte[]> seals);

    /**
     * The block this store took the chain from, when it was imported from a snapshot (docs/snapshots.md): the
     * blocks between block 0 and it are not held here. Empty for a store that holds its chain from genesis.
     */
    default OptionalLong joinedAt() {
        return OptionalLong.empty();
    }

    /**
     * Makes block {@code header} (sealed by {@code seals}) the head of a store that holds block 0 alone, the
     * state of that block having been written into storage already (a snapshot import): its header, seals and
     * hash are stored, its body is not held, and {@link #joinedAt} says so from then on. Nothing else changes.
     *
     * @throws IllegalStateException if the store holds a block other than block 0, or the header is not of this
     *     chain or comes before block 1
     */
    default void importHead(BlockHeader header, List<byte[]> seals) {
        throw new UnsupportedOperationException("this block store cannot take a chain from a snapshot");
    }

    /** A transaction with where it was committed. */
    record Located(Envelope tx, Hash hash, long blockNumber, int index) {}
}
