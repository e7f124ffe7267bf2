package io.cairn.executor.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.BlockFormat;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.Executor;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.StateTransition;
import io.cairn.api.storage.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Runs a block's transactions, one after the other, through the ledger model on the head's state and
 * has the block format make the next header, both of the block's rules version (the rules engine picks them). It
 * has no consensus-visible rules of its own, so it is upgraded on one node at a time. Stateless between calls: every collaborator is looked up per call, so any of
 * them can be swapped between two blocks.
 */
@Component(immediate = true, service = Executor.class, property = {"cairn.component=executor", "cairn.engine=serial"})
public final class BlockExecutor implements Executor {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ChainRules ledgerModel;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile CryptoSuite suite;

    public BlockExecutor() {}

    BlockExecutor(ChainRules ledgerModel, BlockStore blockStore, CryptoSuite suite) {
        this.ledgerModel = ledgerModel;
        this.blockStore = blockStore;
        this.suite = suite;
    }

    @Override
    public Health health() {
        LedgerModel m = ledgerModel;
        CryptoSuite c = suite;
        if (m == null) {
            return Health.notReady("no ledger model");
        }
        if (blockStore == null) {
            return Health.notReady("no block store");
        }
        if (c == null) {
            return Health.notReady("no crypto suite");
        }
        return Health.ready("ledger model " + m.model() + ", suite " + c.name());
    }

    @Override
    public ExecutedBlock execute(BlockHeader parent, long timestamp, byte[] sealer, List<VerifiedTransaction> txs) {
        Objects.requireNonNull(parent, "parent header");
        Objects.requireNonNull(sealer, "sealer");
        ChainRules model = require(ledgerModel, "ledger model");
        BlockStore store = require(blockStore, "block store");
        CryptoSuite c = require(suite, "crypto suite");
        Hash parentHash = c.digest(parent.encode());
        long number = parent.number() + 1;
        StateTransition t;
        BlockFormat format;
        try (StateSnapshot state = store.state()) {
            BlockHeader head = state.header();
            // The caller's parent must be the block whose state we run on, or the result would be a block
            // claiming one parent and carrying another's state.
            if (head.number() != parent.number() || !c.digest(head.encode()).equals(parentHash)) {
                throw new IllegalStateException("the head moved: asked to execute on block " + parent.number() + " ("
                        + parentHash + ") but the head is block " + head.number() + " ("
                        + c.digest(head.encode()) + ")");
            }
            // the block's format and model are those of its rules: missing ones throw RulesMissingException
            format = model.blockFormat(number, state);
            // a block the model's rules refuse throws InvalidBlockException naming the transaction: passed on as is
            t = model.apply(number, txs, state);
        }
        if (t.receipts().size() != txs.size()) {
            throw new IllegalStateException("ledger model " + model.model() + " returned " + t.receipts().size()
                    + " receipts for " + txs.size() + " transactions in block " + number);
        }
        List<Hash> txHashes = new ArrayList<>(txs.size());
        for (VerifiedTransaction vt : txs) {
            txHashes.add(vt.hash());
        }
        BlockHeader header = format.next(c, parent, timestamp, sealer, MerkleRoot.of(txHashes, c::hash), txs.size(),
                t.receipts(), t.stateRoot());
        return new ExecutedBlock(header, txs, t.receipts(), writes(t));
    }

    @Override
    public ExecutedBlock genesis(Genesis genesis) {
        return genesisBlock(require(ledgerModel, "ledger model"), require(suite, "crypto suite"), genesis);
    }

    /**
     * Block 0: the genesis facts in its extra data, the model's initial state, no transactions. Shared with
     * {@link GenesisBootstrap}, which must not depend on this component having bound its references yet.
     */
    static ExecutedBlock genesisBlock(LedgerModel model, CryptoSuite c, Genesis genesis) {
        if (!model.model().equals(genesis.ledger())) {
            throw new IllegalStateException("the genesis names ledger model '" + genesis.ledger()
                    + "' but the installed ledger model is '" + model.model() + "'");
        }
        if (!c.name().equals(genesis.suite())) {
            throw new IllegalStateException("the genesis names crypto suite '" + genesis.suite()
                    + "' but the installed crypto suite is '" + c.name() + "'");
        }
        StateTransition t = model.genesis(genesis);
        // Block 0 has no transactions, so it has no receipts either, whatever the model returned.
        BlockHeader header = new BlockHeader(BlockHeader.PROTOCOL_VERSION, genesis.chainId(), 0, Hash.ZERO,
                genesis.timestamp(), Hash.ZERO, Hash.ZERO, t.stateRoot(), 0, new byte[0], genesis.encode());
        return new ExecutedBlock(header, List.of(), List.of(), writes(t));
    }

    private static WriteBatch writes(StateTransition t) {
        return t.writes() == null ? new WriteBatch() : t.writes();
    }

    private static <T> T require(T ref, String what) {
        if (ref == null) {
            throw new IllegalStateException("executor not ready: no " + what);
        }
        return ref;
    }
}
