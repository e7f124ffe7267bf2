package io.cairn.admin.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Governance;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.NodeIdentity;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.StateSnapshot;
import io.cairn.api.node.TxPool;
import io.cairn.api.node.TxRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.osgi.framework.Bundle;
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
 * Chain-wide upgrades from the shell (docs/upgrades.md): {@code cairn:plans}, {@code cairn:propose-upgrade
 * COMPONENT JAR --at-height H}, {@code cairn:vote PLAN}, {@code cairn:cancel-upgrade PLAN}, {@code cairn:stage JAR}.
 * Each vote is a governance transaction signed with this node's key (a sealer's) and submitted to its pool; the
 * chain's rules decide what it does. The two hyphenated commands are {@link Function}s registered beside this
 * component: Gogo calls a method by the command's name, and no Java method is called {@code propose-upgrade}.
 */
@Component(immediate = true, service = PlanCommands.class, property = {"osgi.command.scope=cairn", "osgi.command.function=plans",
        "osgi.command.function=vote", "osgi.command.function=stage"})
public final class PlanCommands implements PeerJars.Plans {
    static final String AT_HEIGHT = "--at-height";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile BlockStore blockStore;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ChainRules rules;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile TxPool pool;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile NodeIdentity identity;

    private final Upgrades upgrades;
    private final BundleContext context;
    private final List<ServiceRegistration<?>> functions = new ArrayList<>();

    @Activate
    public PlanCommands(BundleContext context, @Reference Upgrades upgrades) {
        this.context = context;
        this.upgrades = upgrades;
        functions.add(register("propose-upgrade", (session, args) -> proposeUpgrade(args)));
        functions.add(register("cancel-upgrade", (session, args) -> cancelUpgrade(args)));
    }

    private ServiceRegistration<?> register(String name, Function f) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.command.scope", "cairn");
        props.put("osgi.command.function", name);
        return context.registerService(Function.class, f, props);
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : functions) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // unregistered with the bundle already
            }
        }
    }

    // ---------------------------------------------------------------- commands

    @Descriptor("the chain's upgrade plans: id, component, rules, height, state, votes, ready sealers")
    public String plans() {
        BlockStore store = need(blockStore, "block store");
        ChainRules r = need(rules, "rules engine");
        List<Map<String, Object>> plans;
        long head;
        try (StateSnapshot state = store.state()) {
            head = state.header().number();
            plans = r.plans(state, head);
        }
        if (plans.isEmpty()) {
            List<String> here = new ArrayList<>();
            for (String c : ChainRules.SCHEDULED) {
                here.add(c + " " + r.installed(c));
            }
            return "no upgrade plans (head " + head + "; rules installed here: " + String.join(", ", here) + ")";
        }
        StringBuilder out = new StringBuilder(String.format("%-66s  %-12s %5s %10s  %-9s %5s %6s %5s  %s%n", "plan",
                "component", "rules", "height", "state", "votes", "cancel", "ready", "installed here"));
        for (Map<String, Object> p : plans) {
            out.append(String.format("%-66s  %-12s %5s %10s  %-9s %5s %6s %5s  %s%n", p.get("id"), p.get("component"),
                    p.get("rules"), p.get("height"), p.get("state"),
                    ((List<?>) p.get("votes")).size() + "/" + p.get("quorum"), ((List<?>) p.get("cancelVotes")).size(),
                    ((List<?>) p.get("ready")).size(), p.get("installedHere")));
        }
        return out.append("head ").append(head).toString();
    }

    @Descriptor("vote for an upgrade plan, as this node's sealer")
    public String vote(@Descriptor("plan id (0x hash)") String plan) throws TxRejectedException {
        VerifiedTransaction tx = submit(Governance.vote(Hash.fromHex(plan)));
        return "voted for plan " + plan + " (transaction " + tx.hash() + ")";
    }

    @Descriptor("install the jar an upgrade plan names beside the running rules; a sealer reports ready")
    public String stage(@Descriptor("jar path (a signed jar: JAR.sig beside it)") String jarPath) throws Exception {
        Path jar = upgrades.resolve(jarPath);
        StagedJar s = check(jar, null);
        return install(jar, s, openPlan(s, jar, OPEN));
    }

    /**
     * Stages a jar fetched from a peer ({@link PeerJars}): it carries no signature this node trusts, so the authority
     * is the chain itself, a plan accepted by a quorum of sealers (accepted or active, not merely voting) that names
     * its hash.
     */
    @Override
    public String stageFetched(Path jar) throws Exception {
        StagedJar s = facts(jar, null);
        return install(jar, s, openPlan(s, jar, ACCEPTED));
    }

    /**
     * The jar hashes of the plans accepted by a quorum (accepted or active) whose rules this node has not installed:
     * the jars it must get before their heights.
     */
    @Override
    public List<Hash> missingJars() {
        List<Hash> out = new ArrayList<>();
        BlockStore store = blockStore;
        ChainRules r = rules;
        if (store == null || r == null || store.spec().isEmpty()) {
            return out;
        }
        try (StateSnapshot state = store.state()) {
            for (Map<String, Object> p : r.plans(state, state.header().number())) {
                if (ACCEPTED.contains(String.valueOf(p.get("state"))) && !Boolean.TRUE.equals(p.get("installedHere"))) {
                    out.add(Hash.fromHex(String.valueOf(p.get("jarHash"))));
                }
            }
        }
        return out;
    }

    /** The plan among {@code states} that names the jar, or an error saying why there is none. */
    private Map<String, Object> openPlan(StagedJar s, Path jar, List<String> states) {
        List<Map<String, Object>> naming = plansNaming(s.hash());
        Map<String, Object> plan = naming.stream().filter(p -> states.contains(String.valueOf(p.get("state"))))
                .findFirst().orElse(null);
        if (plan == null && naming.isEmpty()) {
            throw new NotYet("no upgrade plan names jar hash " + s.hash() + " (" + jar + "): see cairn:plans");
        }
        if (plan == null) {
            StringBuilder why = new StringBuilder("no " + (states == OPEN ? "open" : "accepted")
                    + " upgrade plan names jar hash " + s.hash() + " (" + jar + ")");
            for (Map<String, Object> p : naming) {
                why.append("; plan ").append(p.get("id")).append(" names it but is ").append(p.get("state"))
                        .append(" (height ").append(p.get("height")).append(", ").append(((List<?>) p.get("votes"))
                                .size()).append(" of ").append(p.get("quorum")).append(" votes)");
            }
            throw new IllegalArgumentException(why.append(": see cairn:plans").toString());
        }
        if (!plan.get("rules").equals(s.rules())) {
            throw new IllegalArgumentException("plan " + plan.get("id") + " schedules rules " + plan.get("rules")
                    + " but " + s.facts().bsn() + " " + s.facts().version() + " declares " + ChainRules.RULES_HEADER
                    + ": " + s.rules());
        }
        return plan;
    }

    /**
     * Installs and starts the jar beside the running rules, from {@code data/upgrades/staged/} (its signature file,
     * if any, copied beside it, so that the node can hand both to a peer that lacks them), and reports a sealer
     * ready.
     */
    private String install(Path jar, StagedJar s, Map<String, Object> plan) throws Exception {
        Path staged = upgrades.home().resolve("data/upgrades/staged").resolve(s.facts().bsn() + "-"
                + s.facts().version() + ".jar");
        Files.createDirectories(staged.getParent());
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        Path sig = SignatureFile.of(jar);
        if (Files.isRegularFile(sig)) {
            Files.copy(sig, SignatureFile.of(staged), StandardCopyOption.REPLACE_EXISTING);
        }
        String location = staged.toUri().toString();
        Bundle b = context.getBundle(location);
        if (b == null) {
            try (InputStream in = Files.newInputStream(staged)) {
                b = context.installBundle(location, in);
            }
        }
        b.start();
        String out = "staged " + b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "] beside the "
                + "running rules: " + plan.get("component") + " rules installed "
                + need(rules, "rules engine").installed(String.valueOf(plan.get("component")))
                + "; plan " + plan.get("id") + " switches to rules " + plan.get("rules") + " at height "
                + plan.get("height");
        if (isSealer()) {
            // staged a second time (by hand after a peer fetch, say): the ready report is not sent twice
            String self = Bytes.toHex(need(identity, "node identity (crypto)").publicKey());
            if (plan.get("ready") instanceof List<?> ready && ready.contains(self)) {
                out += "\nalready reported ready";
            } else {
                try {
                    VerifiedTransaction tx = submit(Governance.ready(Hash.fromHex(plan.get("id").toString())));
                    out += "\nreported ready (transaction " + tx.hash() + ")";
                } catch (TxRejectedException e) {
                    if (e.reason() != TxRejectedException.Reason.DUPLICATE) {
                        throw e;
                    }
                    out += "\nalready reported ready (its transaction is pending)";
                }
            }
        }
        return out;
    }

    Object proposeUpgrade(List<Object> args) throws Exception {
        if (args.size() != 4 || !AT_HEIGHT.equals(String.valueOf(args.get(2)))) {
            throw new IllegalArgumentException("usage: cairn:propose-upgrade COMPONENT JAR --at-height H");
        }
        String component = String.valueOf(args.get(0));
        if (!ChainRules.SCHEDULED.contains(component)) {
            throw new IllegalArgumentException("component '" + component + "' has no rules an upgrade plan can "
                    + "schedule (only " + String.join(", ", ChainRules.SCHEDULED) + "); a wire-compatible engine is "
                    + "upgraded on its own with cairn:upgrade");
        }
        long height;
        try {
            height = Long.parseUnsignedLong(String.valueOf(args.get(3)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--at-height: '" + args.get(3) + "' is not a block number");
        }
        StagedJar s = check(upgrades.resolve(String.valueOf(args.get(1))), component);
        VerifiedTransaction tx = submit(Governance.propose(component, s.rules(), height, s.hash()));
        ChainSpec spec = need(blockStore, "block store").spec().orElseThrow();
        return "proposed plan " + tx.hash() + ": " + component + " rules " + s.rules() + " (" + s.facts().bsn() + " "
                + s.facts().version() + ", jar hash " + s.hash() + ") at height " + height + "; it needs "
                + spec.quorum() + " of " + spec.n() + " sealers' votes (this one counts)";
    }

    Object cancelUpgrade(List<Object> args) throws TxRejectedException {
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: cairn:cancel-upgrade PLAN");
        }
        VerifiedTransaction tx = submit(Governance.cancel(Hash.fromHex(String.valueOf(args.get(0)))));
        return "voted to cancel plan " + args.get(0) + " (transaction " + tx.hash() + ")";
    }

    // ---------------------------------------------------------------- the parts

    /**
     * Not now, perhaps later: no plan in this node's state names the jar (none was proposed, or this node has not
     * yet synced the block that holds the proposal), or a component the command needs is not running (the node is
     * starting, or it is being upgraded). The deploy folder keeps such a jar and tries again.
     */
    static final class NotYet extends IllegalStateException {
        NotYet(String message) {
            super(message);
        }
    }

    /** A checked jar: signed by a trusted key, a bundle, its rules version and its hash in the chain's suite. */
    record StagedJar(JarVerifier.JarFacts facts, int rules, Hash hash) {}

    private StagedJar check(Path jar, String component) throws IOException {
        String refusal = upgrades.trustRefusal(jar);
        if (refusal != null) {
            throw new IllegalArgumentException(jar + ": " + refusal);
        }
        return facts(jar, component);
    }

    /** As {@link #check}, without the signature check. */
    private StagedJar facts(Path jar, String component) throws IOException {
        byte[] bytes = Files.readAllBytes(jar);
        JarVerifier.JarFacts facts = JarVerifier.JarFacts.read(bytes, jar);
        if (component != null && JarVerifier.kind(component, facts, upgrades.installedFacts(component)) == null) {
            throw new IllegalArgumentException(facts.bsn() + " " + facts.version() + " does not provide " + component);
        }
        CryptoSuite suite = upgrades.suite(upgrades.chainSuite());
        if (suite == null) {
            throw new NotYet("no crypto suite of the chain is running");
        }
        return new StagedJar(facts, facts.rules(), Hash.of(suite.hash(bytes)));
    }

    /** The states in which a plan still takes its jar: before its height, or active (a node staging late). */
    private static final List<String> OPEN = List.of("voting", "accepted", "active");
    /** The states of a plan a quorum has accepted. */
    private static final List<String> ACCEPTED = List.of("accepted", "active");

    /** The chain's plans naming the jar hash {@code jar}, oldest first. */
    private List<Map<String, Object>> plansNaming(Hash jar) {
        BlockStore store = need(blockStore, "block store");
        ChainRules r = need(rules, "rules engine");
        List<Map<String, Object>> out = new ArrayList<>();
        try (StateSnapshot state = store.state()) {
            for (Map<String, Object> p : r.plans(state, state.header().number())) {
                if (jar.toHex().equals(p.get("jarHash"))) {
                    out.add(p);
                }
            }
        } catch (io.cairn.api.node.NotReadyException e) {
            // a node starting with jars in deploy/ reads them before its genesis block is written: not yet, not never
            throw new NotYet(e.getMessage());
        }
        return out;
    }

    private boolean isSealer() {
        NodeIdentity id = identity;
        BlockStore store = blockStore;
        return id != null && store != null && store.spec().map(s -> s.isSealer(Bytes.toHex(id.publicKey())))
                .orElse(false);
    }

    /** Signs {@code g} with the node key and submits it to the pool. */
    private VerifiedTransaction submit(Governance g) throws TxRejectedException {
        NodeIdentity id = need(identity, "node identity (crypto)");
        TxPool p = need(pool, "txpool");
        ChainSpec spec = need(blockStore, "block store").spec()
                .orElseThrow(() -> new IllegalStateException("the chain has no genesis block yet"));
        if (!spec.isSealer(Bytes.toHex(id.publicKey()))) {
            throw new IllegalStateException("this node is not a sealer of the chain: only sealers propose and vote "
                    + "(node key " + Bytes.toHex(id.publicKey()) + ")");
        }
        return p.submit(sign(id, spec.chainId(), g).encoded());
    }

    static Envelope sign(NodeIdentity id, long chainId, Governance g) {
        byte[] payload = Envelope.payload(chainId, Envelope.GOVERNANCE, g.encode(), List.of(id.publicKey()));
        return Envelope.of(payload, List.of(id.sign(id.suite().hash(payload))));
    }

    private static <T> T need(T ref, String what) {
        if (ref == null) {
            throw new NotYet("no " + what + " is running");
        }
        return ref;
    }
}
