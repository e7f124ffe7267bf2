package io.cairn.admin.internal;

import io.cairn.api.chain.ChainSpec;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.BlockStore;
import io.cairn.api.runtime.NodeThreads;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code cairn:verify-chain [from] [to]}: a {@link Function} because Gogo maps a command name to a method of the
 * same name, and a Java method cannot be called {@code verify-chain}.
 */
@Component(service = VerifyChainCommand.class, property = {"osgi.command.scope=cairn",
        "osgi.command.function=verify-chain"})
public final class VerifyChainCommand implements Function {
    static final String HELP = String.join("\n",
            "cairn:verify-chain [from] [to]",
            "  Re-executes the chain from genesis on a state of its own, each block with the ledger model and the",
            "  block format of its rules version, verifying every transaction's signature, and compares the tx,",
            "  receipt and state roots (then the whole header) of blocks from..to (default 0..head) with the",
            "  committed headers. Prints the first mismatch, if any.",
            "  Reads blocks through the block store and writes nothing; runs in this shell session's thread.",
            "  Memory: O(state) - the whole replayed state is held in memory (fine for test chains).");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ChainRules ledgerModel;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<CryptoSuite> suites = List.of();

    /** Checked blocks' signatures are verified on the node's compute pool, and on this thread. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile NodeThreads threads;

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        if (arguments.size() == 1 && ("--help".equals(String.valueOf(arguments.get(0)))
                || "-h".equals(String.valueOf(arguments.get(0))))) {
            return HELP;
        }
        if (arguments.size() > 2) {
            throw new IllegalArgumentException("cairn:verify-chain takes at most two block numbers, got "
                    + arguments.size() + " arguments\n" + HELP);
        }
        BlockStore store = blockStore;
        ChainRules model = ledgerModel;
        if (store == null) {
            return "cannot verify: no block store is running";
        }
        if (model == null) {
            return "cannot verify: no ledger model is running";
        }
        ChainSpec spec = store.spec().orElse(null);
        if (spec == null) {
            return "cannot verify: the chain has no genesis block yet";
        }
        CryptoSuite suite = suites.stream().filter(spec::usesSuite).findFirst().orElse(null);
        if (suite == null) {
            return "cannot verify: no crypto suite '" + spec.suite() + "' (the chain's) is running";
        }
        long height = store.height();
        long from = arguments.isEmpty() ? 0 : block(arguments.get(0), "from");
        long to = arguments.size() < 2 ? height : block(arguments.get(1), "to");
        NodeThreads t = threads;
        return new ChainReplay(store, model, suite, t == null ? NodeThreads.DIRECT : t).run(from, to).text();
    }

    private static long block(Object arg, String which) {
        try {
            return Long.parseLong(String.valueOf(arg).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + arg + "' is not a block number (" + which + ")\n" + HELP);
        }
    }
}
