package io.cairn.shell.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Block;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.Component.Health;
import io.cairn.api.node.Consensus;
import io.cairn.api.node.EngineInfo;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@code cairn:} Gogo commands: thin, read-only views of the node. Every component is an optional,
 * dynamic reference, so the commands keep working (and say what is missing) while an engine is swapped.
 */
@Component(service = CairnCommands.class, property = {"osgi.command.scope=cairn", "osgi.command.function=status",
        "osgi.command.function=block", "osgi.command.function=tx", "osgi.command.function=components"})
public final class CairnCommands {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile TxPool txPool;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Consensus consensus;

    /** Reads a transaction's body: the shell knows the envelope, the model what the body says. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ChainRules ledgerModel;

    /** Only for the chain's crypto suite: transaction hashes of a block are not stored, they are computed. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile NodeIdentity identity;

    private final Supplier<List<EngineInfo>> engines;

    @Activate
    public CairnCommands(BundleContext context) {
        this(() -> EngineInfo.list(context));
    }

    CairnCommands(Supplier<List<EngineInfo>> engines) {
        this.engines = engines;
    }

    @Descriptor("chain height, head block, ledger model, pool fill and consensus engine")
    public String status() {
        BlockStore store = blockStore;
        TxPool pool = txPool;
        Consensus cons = consensus;
        LedgerModel model = ledgerModel;
        ChainText t = new ChainText();
        if (store == null) {
            t.line("height", "unknown (no ledger engine)");
        } else {
            long height = store.height();
            t.line("height", height < 0 ? "none (no genesis block yet)" : Long.toString(height));
            if (height >= 0) {
                t.line("head", store.hash(height).map(Hash::toHex).orElse("unknown"));
            }
            t.line("transactions", store.totalTransactionCount());
        }
        if (model == null) {
            t.line("ledger", "none (no ledger model engine)");
        } else {
            Health h = model.health();
            t.line("ledger", model.model() + " (" + (h.ready() ? "ready" : "not ready") + ": " + h.detail() + ")");
        }
        t.line("pool", pool == null ? "unknown (no txpool engine)" : pool.size() + " / " + pool.capacity());
        if (cons == null) {
            t.line("consensus", "none (no consensus engine)");
        } else {
            Health h = cons.health();
            t.line("consensus", cons.engine() + " (" + (h.ready() ? "ready" : "not ready") + ": " + h.detail() + ")");
        }
        return t.toString();
    }

    @Descriptor("the latest block: header fields and transaction hashes")
    public String block() {
        BlockStore store = needStore();
        long height = store.height();
        if (height < 0) {
            return "no blocks yet (no genesis block)";
        }
        return block(store, height);
    }

    @Descriptor("a block by number or hash: header fields and transaction hashes")
    public String block(@Descriptor("block number, 0x block hash, or latest") Object id) {
        String s = String.valueOf(id).trim();
        BlockStore store = needStore();
        if (s.equals("latest")) {
            return block();
        }
        if (s.startsWith("0x") || s.startsWith("0X")) {
            Hash hash = parseHash(s, "not a block number or hash: " + s);
            Optional<Block> b = store.block(hash);
            return b.isEmpty() ? "unknown block " + hash.toHex() : format(b.get(), hash);
        }
        long number;
        try {
            number = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a block number or hash: " + s);
        }
        if (number < 0) {
            throw new IllegalArgumentException("not a block number or hash: " + s + " (block numbers start at 0)");
        }
        return block(store, number);
    }

    private String block(BlockStore store, long number) {
        Optional<Block> b = store.block(number);
        if (b.isEmpty()) {
            return "no block " + number + " (height is " + store.height() + ")";
        }
        return format(b.get(), store.hash(number).orElse(null));
    }

    private String format(Block block, Hash hash) {
        NodeIdentity id = identity;
        if (id == null) {
            return ChainText.block(block, hash, null, "no crypto engine (node identity) to hash them");
        }
        CryptoSuite suite = id.suite();
        List<Hash> hashes = new ArrayList<>(block.transactions().size());
        for (Envelope tx : block.transactions()) {
            hashes.add(suite.digest(tx.payload()));
        }
        return ChainText.block(block, hash, hashes, null);
    }

    @Descriptor("a transaction: its envelope, the ledger model's fields, where it is, and its receipt")
    public String tx(@Descriptor("0x transaction hash") Object hash) {
        String s = String.valueOf(hash).trim();
        Hash h = parseHash(s, "not a transaction hash (32 bytes of 0x hex): " + s);
        BlockStore store = needStore();
        Optional<BlockStore.Located> located = store.transaction(h);
        if (located.isPresent()) {
            BlockStore.Located l = located.get();
            Receipt receipt = store.receipt(h).orElse(null);
            String where = "block " + l.blockNumber() + store.hash(l.blockNumber()).map(bh -> " (" + bh.toHex() + ")")
                    .orElse("") + ", index " + l.index();
            VerifiedTransaction vt = committed(l.tx(), h, receipt);
            return ChainText.transaction(h, l.tx(), vt == null ? null : vt.signers(), describe(vt, l.tx()), where, receipt);
        }
        TxPool pool = txPool;
        Optional<VerifiedTransaction> pending = pool == null ? Optional.empty() : pool.get(h);
        if (pending.isPresent()) {
            VerifiedTransaction vt = pending.get();
            return ChainText.transaction(h, vt.envelope(), vt.signers(), describe(vt, vt.envelope()), "pending in pool",
                    null);
        }
        return "unknown transaction " + h.toHex() + (pool == null ? " (no txpool engine to look in)" : "");
    }

    /**
     * A committed transaction with its signers' addresses: from the node's suite, or without one, from its
     * receipt's sender when it has one signer; null when neither can name them.
     */
    private VerifiedTransaction committed(Envelope env, Hash hash, Receipt receipt) {
        NodeIdentity id = identity;
        if (id != null) {
            CryptoSuite suite = id.suite();
            List<Address> signers = new ArrayList<>(env.publicKeys().size());
            for (byte[] k : env.publicKeys()) {
                signers.add(suite.address(k));
            }
            return new VerifiedTransaction(env, hash, signers);
        }
        if (receipt != null && env.publicKeys().size() == 1) {
            return new VerifiedTransaction(env, hash, List.of(receipt.from()));
        }
        return null;
    }

    /** The model's fields of the transaction, or why there are none. */
    private ChainText.Fields describe(VerifiedTransaction vt, Envelope env) {
        LedgerModel model = ledgerModel;
        if (model == null) {
            return ChainText.Fields.none("no ledger model engine to read the body");
        }
        if (model.code() != env.ledger() && env.ledger() != Envelope.GOVERNANCE) {
            return ChainText.Fields.none("the ledger model engine reads " + model.model() + " transactions, not "
                    + Envelope.ledgerName(env.ledger()));
        }
        if (vt == null) {
            return ChainText.Fields.none("no crypto engine (node identity) to name its signers");
        }
        try {
            return ChainText.Fields.of(model.describe(vt));
        } catch (TxRejectedException e) {
            return ChainText.Fields.none("the " + model.model() + " ledger model cannot read the body: " + e.getMessage());
        }
    }

    @Descriptor("which engine bundle provides each component, its version and readiness")
    public String components() {
        return ChainText.components(engines.get());
    }

    private BlockStore needStore() {
        BlockStore store = blockStore;
        if (store == null) {
            throw new IllegalStateException("no ledger engine (BlockStore) is running: see cairn:components");
        }
        return store;
    }

    private static Hash parseHash(String s, String error) {
        byte[] b;
        try {
            b = Bytes.fromHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(error);
        }
        if (b.length != Hash.SIZE) {
            throw new IllegalArgumentException(error + " (" + b.length + " bytes, a hash is 32)");
        }
        return Hash.of(b);
    }
}
