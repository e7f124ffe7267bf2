package io.cairn.ledger.internal;

import io.cairn.api.node.BlockStore;
import io.cairn.api.runtime.NodeHome;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code cairn:archive create BELOW DIR}, {@code cairn:archive restore [FROM TO]} and {@code cairn:archive list}
 * (also {@code cairn:archives}): cold blocks' bodies and receipts moved into archive files and back, while the
 * node runs (docs/operations.md, Archiving cold blocks). The commands work on this bundle's block store, whose
 * keys they touch; another block store engine is refused.
 */
@Component(immediate = true, service = Function.class, property = {"osgi.command.scope=cairn",
        "osgi.command.function=archive"})
public final class ArchiveCommands implements Function {
    static final String HELP = String.join("\n",
            "cairn:archive create BELOW DIR   move the bodies and receipts of blocks below BELOW (not archived yet) "
                    + "into archive files in DIR (new or empty; relative to the node home)",
            "cairn:archive restore [FROM TO]  write archived blocks FROM..TO (default: all) back into the hot store",
            "cairn:archive list               the archived block ranges, their files, and whether each reads "
                    + "(also cairn:archives)");

    private final Path home;
    private final ServiceRegistration<Function> list;
    private volatile BlockStore store;

    @Activate
    public ArchiveCommands(BundleContext context) {
        this.home = NodeHome.of(context);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "cairn");
        props.put("osgi.command.function", "archives");
        list = context.registerService(Function.class, (session, args) -> run(List.of("list")), props);
    }

    ArchiveCommands(Path home) {
        this.home = home;
        this.list = null;
    }

    @Deactivate
    void deactivate() {
        if (list == null) {
            return;
        }
        try {
            list.unregister();
        } catch (IllegalStateException gone) {
            // unregistered with the bundle already
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(BlockStore s) {
        store = s;
    }

    void unbindStore(BlockStore s) {
        if (store == s) {
            store = null;
        }
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        return run(arguments.stream().map(String::valueOf).toList());
    }

    String run(List<String> args) throws Exception {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            return HELP;
        }
        return switch (args.get(0)) {
            case "create" -> {
                if (args.size() != 3) {
                    throw new IllegalArgumentException("usage: cairn:archive create BELOW DIR\n" + HELP);
                }
                yield archiver().create(number(args.get(1), "BELOW"), home.resolve(args.get(2)).toAbsolutePath()
                        .normalize());
            }
            case "restore" -> {
                if (args.size() != 1 && args.size() != 3) {
                    throw new IllegalArgumentException("usage: cairn:archive restore [FROM TO]\n" + HELP);
                }
                yield args.size() == 1 ? archiver().restore(-1, -1)
                        : archiver().restore(number(args.get(1), "FROM"), number(args.get(2), "TO"));
            }
            case "list" -> {
                if (args.size() != 1) {
                    throw new IllegalArgumentException("usage: cairn:archive list\n" + HELP);
                }
                yield archiver().list();
            }
            default -> throw new IllegalArgumentException("cairn:archive: unknown action '" + args.get(0) + "'\n"
                    + HELP);
        };
    }

    private Archiver archiver() {
        BlockStore s = store;
        if (s == null) {
            throw new IllegalStateException("no block store: the ledger component is not running");
        }
        if (!(s instanceof LedgerBlockStore l)) {
            throw new IllegalStateException("the block store is " + s.getClass().getName() + ", not this bundle's: "
                    + "cairn:archive works on the cairn-ledger block store");
        }
        return l.archiver();
    }

    static long number(String s, String what) {
        try {
            long n = Long.parseLong(s);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(what + " must be a block number (0 or more), got '" + s + "'");
    }
}
