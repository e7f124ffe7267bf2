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
     * When {@link #importBlocks} wrote every block from 1 to {@code header}'s (a full snapshot), it is the head with
     * its body, the store holds the whole chain, and {@link #joinedAt} stays empty.
     *
     * @throws IllegalStateException if the store holds a block other than block 0, or the header is not of this
     *     chain or comes before block 1
     */
    default void importHead(BlockHeader header, List<byte[]> seals) {
        throw new UnsupportedOperationException("this block store cannot take a chain from a snapshot");
    }

    /**
     * Writes blocks of a full snapshot (docs/snapshots.md) into a store that holds block 0 alone, before
     * {@link #importHead}: each block's header, body (transactions and seals), hash index, and the receipts given
     * with their transactions' index; a null receipt (a failed replay of an earlier transaction, whose receipt is
     * the earlier one's) writes neither. The head stays block 0, so none of them is served until {@link #importHead}
     * makes the last one the head; then the store holds the whole chain and {@link #joinedAt} stays empty. The
     * blocks come in order from block 1, each extending the one before by its parent hash, over any number of
     * calls; block 1 starts over.
     *
     * @param receipts per block, one receipt or null per transaction
     * @throws IllegalStateException if the store holds a block other than block 0, or a block does not extend the
     *     one before it (or block 0), or is of another chain
     */
    default void importBlocks(List<Block> blocks, List<List<Receipt>> receipts) {
        throw new UnsupportedOperationException("this block store cannot take blocks from a snapshot");
    }

    /**
     * Writes the history of a store that joined the chain at block J from a state snapshot ({@link #joinedAt}):
     * blocks 1..J with their bodies (transactions and seals) and receipts, as a full snapshot's block chunks hold
     * them (docs/snapshots.md, Fetching the history). They come in order from block 1 over any number of calls, each
     * extending the one before by its parent hash (block 1 extends block 0), and block J's hash must be the one this
     * store holds; blocks after J in a call are skipped; block 1 starts over. A null receipt (a failed replay of an
     * earlier transaction) writes neither receipt nor location. Each block is served once written. The call that
     * writes block J ends it: the store holds the whole chain, {@link #joinedAt} is empty, and
     * {@link #totalTransactionCount} counts every block's transactions.
     *
     * @param receipts per block, one receipt or null per transaction
     * @return the last block written so far: J when the history is whole
     * @throws IllegalStateException if the store did not join the chain from a snapshot, or a block does not extend
     *     the last one written, or is of another chain, or block J is not the block held
     */
    default long importHistory(List<Block> blocks, List<List<Receipt>> receipts) {
        throw new UnsupportedOperationException("this block store cannot take a chain's history from a snapshot");
    }

    /** A transaction with where it was committed. */
    record Located(Envelope tx, Hash hash, long blockNumber, int index) {}
}
