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
 * installed ledger model and the crypto suite still match the chain's block 0.
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
    enum Outcome { CREATED, VERIFIED, UNCHECKED, MISMATCH, FAILED }

    private final Outcome outcome;

    @Activate
    public GenesisBootstrap(Config config, BundleContext context, @Reference(name = "blockStore") BlockStore blockStore,
            @Reference(name = "ledgerModel") ChainRules ledgerModel, @Reference(name = "suite") CryptoSuite suite) {
        this(NodeHome.resolve(context, config.genesis()), blockStore, ledgerModel, suite);
    }

    GenesisBootstrap(Path genesisFile, BlockStore blockStore, LedgerModel ledgerModel, CryptoSuite suite) {
        Outcome o;
        try {
            o = bootstrap(genesisFile, blockStore, ledgerModel, suite);
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
