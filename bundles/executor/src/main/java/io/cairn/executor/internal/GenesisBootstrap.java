package io.cairn.executor.internal;

import io.cairn.api.runtime.NodeHome;
import io.cairn.api.chain.Genesis;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.LedgerModel;
import java.io.IOException;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Creates block 0 from the genesis file when the chain is empty, and otherwise checks that the file, the
 * installed ledger model and the crypto suite still match the chain's block 0, and that the stored state is the
 * head block's: the state root it gives (from the stored accumulator and the plans, a few reads) is the one the head's
 * header has. A store whose state is not its head's is damaged: the node must not run on it, and the launcher is told
 * so (docs/operations.md).
 *
 * <p>It references the ledger model and suite itself rather than going through the {@code Executor}
 * service: the executor's references are optional, so the executor can be registered before it can make
 * a genesis block, and this component would then run once, too early, and never again. With static
 * mandatory references DS activates it exactly when everything it needs is there, and again whenever one
 * of them is replaced (the check is idempotent), which re-verifies the new engine against the chain.
 */
@Component(service = {}, immediate = true, configurationPid = "io.cairn.chain")
@Designate(ocd = GenesisBootstrap.Config.class, factory = false)
public final class GenesisBootstrap {
    private static final System.Logger LOG = System.getLogger(GenesisBootstrap.class.getName());

    @ObjectClassDefinition(name = "Cairn chain", description = "The chain this node belongs to")
    public @interface Config {
        @AttributeDefinition(description = "Genesis file, relative to the node home")
        String genesis() default "etc/genesis.properties";
    }

    /** What activation found; for the log and for tests. */
    enum Outcome { CREATED, VERIFIED, UNCHECKED, MISMATCH, DAMAGED, FAILED }

    /**
     * The marker service the launcher registers while the node runs for a snapshot import or join, which rewrites the
     * state: a join at start lifts it and restarts the node's bundles, so it is a service, not a framework property.
     */
    static final String IMPORT_MODE = "(cairn.node.mode=import)";

    private final Outcome outcome;

    @Activate
    public GenesisBootstrap(Config config, BundleContext context, @Reference(name = "blockStore") BlockStore blockStore,
            @Reference(name = "ledgerModel") ChainRules ledgerModel, @Reference(name = "suite") CryptoSuite suite,
            @Reference(name = "storage") io.cairn.api.storage.Storage storage) {
        this(NodeHome.resolve(context, config.genesis()), blockStore, ledgerModel, suite,
                importing(context) ? null
                        : new HeadCheck(storage.engine() + " store of home " + NodeHome.of(context),
                                NodeHome.of(context), damage -> refuse(context, damage)));
    }

    /** Whether the launcher runs this node for a snapshot import or join ({@link #IMPORT_MODE}). */
    static boolean importing(BundleContext context) {
        try {
            return context.getServiceReferences((String) null, IMPORT_MODE) != null;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    GenesisBootstrap(Path genesisFile, BlockStore blockStore, LedgerModel ledgerModel, CryptoSuite suite) {
        this(genesisFile, blockStore, ledgerModel, suite, null);
    }

    /**
     * How the head's state is checked: {@code store} names it and {@code home} the home to recover, and
     * {@code onDamage} is told the message of a damaged one. Null: no check (a node started for a snapshot import,
     * whose state is rewritten).
     */
    record HeadCheck(String store, Path home, java.util.function.Consumer<String> onDamage) {}

    GenesisBootstrap(Path genesisFile, BlockStore blockStore, LedgerModel ledgerModel, CryptoSuite suite,
            HeadCheck check) {
        Outcome o;
        try {
            o = bootstrap(genesisFile, blockStore, ledgerModel, suite);
            if (check != null && (o == Outcome.VERIFIED || o == Outcome.UNCHECKED)) {
                o = checkHead(blockStore, ledgerModel, suite, check, o);
            }
        } catch (IllegalStateException e) {
            // our own checks (model or suite not the genesis one, chain already there): the message says it all
            LOG.log(Level.ERROR, "genesis bootstrap from " + genesisFile + " failed: " + e.getMessage());
            o = Outcome.FAILED;
        } catch (RuntimeException e) {
            // Activation runs on an SCR thread: report and stay up, the node is still inspectable.
            LOG.log(Level.ERROR, "genesis bootstrap from " + genesisFile + " failed: " + e.getMessage(), e);
            o = Outcome.FAILED;
        }
        outcome = o;
    }

    Outcome outcome() {
        return outcome;
    }

    /**
     * Whether the stored state gives the state root of the head's header, read from one view so that a block
     * committed meanwhile cannot make them disagree. Cheap: the model's root comes from its stored accumulator (and
     * the rules engine's from the plans), not from a scan of the state.
     */
    static Outcome checkHead(BlockStore store, LedgerModel model, CryptoSuite suite, HeadCheck check, Outcome ok) {
        String damage;
        try (io.cairn.api.node.StateSnapshot state = store.state()) {
            io.cairn.api.chain.BlockHeader head = state.header();
            long n = head.number();
            try {
                io.cairn.api.chain.Hash root = model.stateRoot(state);
                if (root.equals(head.stateRoot())) {
                    LOG.log(Level.INFO, "the state in the {0} is block {1}''s: it gives the header''s state root {2}",
                            check.store(), n, root);
                    return ok;
                }
                damage = "the state in the " + check.store() + " does not match block " + n + "'s state root: it gives "
                        + root + ", the header of block " + n + " (" + suite.digest(head.encode()) + ") has "
                        + head.stateRoot();
            } catch (io.cairn.api.node.NotReadyException e) {
                // the rules of the head's block are not installed (yet): nothing is known of the state
                LOG.log(Level.WARNING, "the state in the " + check.store() + " was not checked against block " + n
                        + "'s state root: " + e.getMessage());
                return Outcome.UNCHECKED;
            } catch (RuntimeException e) {
                damage = "the state in the " + check.store() + " cannot be checked against block " + n
                        + "'s state root: " + e.getMessage();
            }
        }
        String message = damage + ". The node does not run on it: run ./cairn recover --home " + check.home()
                + ", which moves it aside and rebuilds the node from a snapshot";
        LOG.log(Level.ERROR, message);
        check.onDamage().accept(message);
        return Outcome.DAMAGED;
    }

    /**
     * Tells the launcher that the node must not run (a {@code Supplier<String>} with {@code cairn.node=refused}, a
     * java.* type it shares with every bundle): it stops the node with the message. The registration goes when this
     * bundle stops.
     */
    private static void refuse(BundleContext context, String damage) {
        java.util.function.Supplier<String> message = () -> damage;
        context.registerService(java.util.function.Supplier.class, message,
                new java.util.Hashtable<>(java.util.Map.of("cairn.node", "refused")));
    }

    private static Outcome bootstrap(Path file, BlockStore store, LedgerModel model, CryptoSuite suite) {
        boolean empty = store.height() < 0;
        Genesis fromFile = null;
        String fileProblem = null;
        try {
            fromFile = read(file);
        } catch (NoSuchFileException e) {
            fileProblem = "it does not exist (cairn init writes it)";
        } catch (IOException | IllegalArgumentException e) {
            // MalformedDataException and bad hex are IllegalArgumentExceptions naming the field
            fileProblem = e.getMessage();
        }
        if (empty) {
            if (fileProblem != null) {
                LOG.log(Level.ERROR, "cannot create the genesis block: genesis file " + file + ": " + fileProblem);
                return Outcome.FAILED;
            }
            int size = fromFile.encode().length;
            if (size > io.cairn.api.chain.BlockHeader.MAX_EXTRA) {
                // block 0's header would carry it, and no node reads back a header with that much extra
                LOG.log(Level.ERROR, "cannot create the genesis block: genesis file " + file + " encodes to " + size
                        + " bytes, over the " + io.cairn.api.chain.BlockHeader.MAX_EXTRA + " bytes of block 0's "
                        + "header (too many accounts: fund them with transfers once the chain runs)");
                return Outcome.FAILED;
            }
            store.commit(BlockExecutor.genesisBlock(model, suite, fromFile), List.of());
            LOG.log(Level.INFO, "created genesis block of chain {0} from {1} (ledger model {2}, suite {3})",
                    fromFile.chainId(), file, fromFile.ledger(), fromFile.suite());
            return Outcome.CREATED;
        }
        Optional<Genesis> stored = store.genesis();
        if (stored.isEmpty()) {
            LOG.log(Level.ERROR, "the block store has blocks but no readable genesis block");
            return Outcome.FAILED;
        }
        Genesis chain = stored.get();
        List<String> problems = fromFile == null ? new ArrayList<>() : differences(chain, fromFile, "genesis file " + file);
        if (!chain.ledger().equals(model.model())) {
            problems.add("the installed ledger model is '" + model.model() + "' but the chain uses '" + chain.ledger() + "'");
        }
        if (!chain.suite().equals(suite.name())) {
            problems.add("the installed crypto suite is '" + suite.name() + "' but the chain uses '" + chain.suite() + "'");
        }
        if (!problems.isEmpty()) {
            LOG.log(Level.ERROR, "THIS NODE DOES NOT MATCH ITS CHAIN (chain " + chain.chainId() + ", height "
                    + store.height() + "): " + String.join("; ", problems));
            return Outcome.MISMATCH;
        }
        if (fileProblem != null) {
            // block 0 holds the genesis facts, so the chain runs without the file; only the check is lost
            LOG.log(Level.WARNING, "cannot check chain " + chain.chainId() + " against genesis file " + file + ": "
                    + fileProblem);
            return Outcome.UNCHECKED;
        }
        LOG.log(Level.INFO, "chain {0} at height {1} matches {2}", chain.chainId(), store.height(), file);
        return Outcome.VERIFIED;
    }

    private static Genesis read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return Genesis.read(in);
        }
    }

    private static List<String> differences(Genesis chain, Genesis file, String where) {
        List<String> out = new ArrayList<>();
        if (chain.chainId() != file.chainId()) {
            out.add(where + " has chainId " + file.chainId() + ", block 0 has " + chain.chainId());
        }
        if (!chain.suite().equals(file.suite())) {
            out.add(where + " has suite " + file.suite() + ", block 0 has " + chain.suite());
        }
        if (!chain.ledger().equals(file.ledger())) {
            out.add(where + " has ledger " + file.ledger() + ", block 0 has " + chain.ledger());
        }
        if (chain.timestamp() != file.timestamp()) {
            out.add(where + " has timestamp " + file.timestamp() + ", block 0 has " + chain.timestamp());
        }
        if (!chain.sealers().equals(file.sealers())) {
            out.add(where + " lists different sealers than block 0");
        }
        if (!chain.alloc().equals(file.alloc())) {
            out.add(where + " has different allocations than block 0");
        }
        return out;
    }
}
