package io.cairn.rules.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Governance;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.BlockFormat;
import io.cairn.api.node.BlockStore;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.RulesMissingException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The rules in force ({@link ChainRules}, docs/upgrades.md): every ledger model installed, each with the rules
 * version its bundle declares; for each block the one the chain's upgrade schedule names, and the chain's
 * governance transactions beside it.
 *
 * <p>The state root: the model's root while the chain has no upgrade plan; once it has one (the entry
 * {@code g plans}), {@code H(modelRoot | H(plans))}, so the plans are as much part of the state every node agrees
 * on as the balances.
 */
@Component(immediate = true, service = ChainRules.class, configurationPid = RulesEngine.PID,
        property = {"cairn.component=rules", "cairn.engine=onchain"})
@Designate(ocd = RulesEngine.Config.class)
public final class RulesEngine implements ChainRules {
    public static final String PID = "io.cairn.rules";
    static final String LEDGER_MODEL = "ledger-model";
    static final String BLOCK_FORMAT = "block-format";

    @ObjectClassDefinition(name = "Cairn chain rules", description = "Upgrade plans and the rules in force")
    public @interface Config {
        @AttributeDefinition(description = "The pool refuses a proposal whose height is fewer than this many blocks "
                + "after the head: time for every sealer to vote and to stage the jar")
        int minLeadBlocks() default 20;
    }

    /** A bound ledger model and the rules version it computes with. */
    record Installed(LedgerModel model, int rules) {}


    private static final System.Logger LOG = System.getLogger(RulesEngine.class.getName());
    private final SideBySide<LedgerModel> models = new SideBySide<>("ledger model");
    private final SideBySide<BlockFormat> formats = new SideBySide<>("block format");
    /** The last block a missing rules version was logged for: once per block, not per transaction. */
    private volatile long missingLogged = -1;
    private volatile BlockStore store;
    private volatile CryptoSuite suite;
    private volatile int minLeadBlocks = 20;
    /** Tests without a block store: the chain's spec and head given directly. */
    private final Supplier<ChainSpec> fixedSpec;
    private final List<LedgerQuery> ownQueries = List.of(new PlansQuery(this::plansAtHead));

    public RulesEngine() {
        fixedSpec = null;
    }

    /** For use outside DS: the models given, the spec fixed, the head asked of {@code store} when given. */
    RulesEngine(CryptoSuite suite, ChainSpec spec, BlockStore store, Installed... installed) {
        this.suite = suite;
        this.store = store;
        this.fixedSpec = () -> spec;
        for (Installed i : installed) {
            models.add(i.model(), i.rules());
        }
    }

    @Activate
    @Modified
    void activate(Config config) {
        // the chain takes a plan for height h in block b only if h > b + CHAIN_MIN_LEAD, b being the head's next
        if (config.minLeadBlocks() < GovernanceRules.CHAIN_MIN_LEAD + 2) {
            throw new IllegalArgumentException(PID + ": minLeadBlocks must be at least "
                    + (GovernanceRules.CHAIN_MIN_LEAD + 2) + ", got " + config.minLeadBlocks());
        }
        minLeadBlocks = config.minLeadBlocks();
    }

    /** At least one: the rules engine is a service only once there is a model to run (genesis asks it at once). */
    @Reference(cardinality = ReferenceCardinality.AT_LEAST_ONE, policy = ReferencePolicy.DYNAMIC,
            target = "(cairn.component=ledger-model)")
    void bindModel(ServiceReference<LedgerModel> ref, LedgerModel m) {
        models.bind(ref, m);
        cachedNext = null;
        cachedHead = null;
    }

    void unbindModel(LedgerModel m) {
        models.unbind(m);
        cachedNext = null;
        cachedHead = null;
    }

    /** Every block format installed, one per rules version (or several of one: the last bound runs). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(cairn.component=block-format)")
    void bindFormat(ServiceReference<BlockFormat> ref, BlockFormat f) {
        formats.bind(ref, f);
    }

    void unbindFormat(BlockFormat f) {
        formats.unbind(f);
    }

    /** For use outside DS: a block format computing with rules {@code rules}. */
    void addFormat(BlockFormat f, int rules) {
        formats.add(f, rules);
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

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSuite(CryptoSuite s) {
        suite = s;
    }

    void unbindSuite(CryptoSuite s) {
        if (suite == s) {
            suite = null;
        }
    }

    // ---------------------------------------------------------------- which model

    private ChainSpec spec() {
        if (fixedSpec != null) {
            return fixedSpec.get();
        }
        BlockStore s = store;
        ChainSpec spec = s == null ? null : s.spec().orElse(null);
        if (spec == null) {
            throw new io.cairn.api.node.NotReadyException("rules: no chain yet (no block store, or no genesis block)");
        }
        return spec;
    }

    private CryptoSuite suite() {
        CryptoSuite s = suite;
        if (s == null) {
            throw new io.cairn.api.node.NotReadyException("rules: no crypto suite is bound (the crypto component is down)");
        }
        return s;
    }

    /** The installed model of the chain's kind computing with rules {@code rules}, or null. */
    private LedgerModel installed(String kind, int rules) {
        return models.find(rules, m -> m.model().equals(kind));
    }

    /** The model for block {@code block} under {@code plans}. */
    private LedgerModel modelFor(ChainSpec spec, Plans plans, long block) {
        int rules = plans.rulesAt(LEDGER_MODEL, block);
        LedgerModel m = installed(spec.ledger(), rules);
        if (m == null) {
            throw missing(LEDGER_MODEL, "the " + spec.ledger() + " ledger model", plans, rules, block);
        }
        return m;
    }

    /** The model for the block after the head: what the pool admits with. */
    private LedgerModel current() {
        return model(true);
    }

    /**
     * The model that made the head's state: what the users' surface reads it with (balances, queries, a
     * transaction's fields), which answers even while the next block's rules are not installed.
     */
    private LedgerModel atHead() {
        return model(false);
    }

    private LedgerModel model(boolean next) {
        ChainSpec spec = spec();
        BlockStore s = store;
        if (s == null) {
            LedgerModel only = installed(spec.ledger(), 1);
            if (only == null) {
                throw new RulesMissingException(LEDGER_MODEL, 1, "no " + spec.ledger() + " ledger model is installed");
            }
            return only;
        }
        long head = s.height();
        Current c = next ? cachedNext : cachedHead;
        if (c != null && c.head() == head && c.store() == s) {
            return c.model();
        }
        Plans plans;
        long number;
        try (var state = s.state()) {
            plans = Plans.load(state);
            number = state.header().number();
        }
        LedgerModel m = modelFor(spec, plans, next ? number + 1 : number);
        Current fresh = new Current(s, number, m);
        if (next) {
            cachedNext = fresh;
        } else {
            cachedHead = fresh;
        }
        return m;
    }

    /** A model for a head: asked for every transaction the pool takes, so kept per head. */
    private record Current(BlockStore store, long head, LedgerModel model) {}

    private volatile Current cachedNext;
    private volatile Current cachedHead;

    @Override
    public BlockFormat blockFormat(long blockNumber, StateView parent) {
        Plans plans = Plans.load(parent);
        int rules = plans.rulesAt(BLOCK_FORMAT, blockNumber);
        BlockFormat found = formats.find(rules, f -> true);
        if (found == null) {
            throw missing(BLOCK_FORMAT, "the block format", plans, rules, blockNumber);
        }
        return found;
    }

    /** Block {@code block} needs rules {@code rules} of {@code component}, not installed here: said once per block. */
    private RulesMissingException missing(String component, String what, Plans plans, int rules, long block) {
        Plans.Plan plan = plans.inForce(component, block);
        RulesMissingException missing = new RulesMissingException(component, rules, "block " + block + " runs "
                + what + " with rules " + rules + (plan == null ? "" : " (plan " + plan.id() + ", jar " + plan.jar()
                        + ")") + ", which this node has not installed (installed: rules " + installed(component)
                + "): stage the plan's jar (cairn:stage) and the node goes on");
        if (missingLogged != block) {
            missingLogged = block;
            LOG.log(System.Logger.Level.WARNING, "rules: the node waits before block " + block + ": "
                    + missing.getMessage());
        }
        return missing;
    }

    @Override
    public int rulesVersion(String component, long blockNumber, StateView parent) {
        return Plans.load(parent).rulesAt(component, blockNumber);
    }

    @Override
    public SortedSet<Integer> installed(String component) {
        if (BLOCK_FORMAT.equals(component)) {
            return formats.installed(f -> true);
        }
        if (!LEDGER_MODEL.equals(component)) {
            return new TreeSet<>();
        }
        String kind;
        try {
            kind = spec().ledger();
        } catch (RuntimeException e) {
            kind = null;
        }
        String chain = kind;
        return models.installed(m -> chain == null || m.model().equals(chain));
    }

    /** {@code getUpgradePlans}: the plans in {@code state}, taken as the head's. */
    private List<Map<String, Object>> plansAtHead(StateView state) {
        BlockStore s = store;
        return plans(state, s == null ? 0 : s.height());
    }

    @Override
    public List<Map<String, Object>> plans(StateView state, long head) {
        ChainSpec spec = spec();
        Map<String, List<Integer>> here = new java.util.HashMap<>();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Plans.Plan p : Plans.load(state).plans()) {
            out.add(GovernanceRules.json(spec, p, head,
                    here.computeIfAbsent(p.component(), c -> new ArrayList<>(installed(c)))));
        }
        return out;
    }

    // ---------------------------------------------------------------- LedgerModel

    @Override
    public Health health() {
        if (models.isEmpty()) {
            return Health.notReady("no ledger model is installed" + refusedText());
        }
        if (formats.isEmpty()) {
            return Health.notReady("no block format is installed" + refusedText());
        }
        try {
            LedgerModel m = current();
            return Health.ready("ledger model " + m.model() + ", rules " + models.rulesOf(m) + "; block format rules "
                    + nextFormatRules() + refusedText());
        } catch (RuntimeException e) {
            return Health.notReady(e.getMessage() + refusedText());
        }
    }

    /** The rules of the block format the block after the head runs; throws when it is not installed. */
    private int nextFormatRules() {
        BlockStore s = store;
        if (s == null) {
            return 1;
        }
        try (var state = s.state()) {
            return formats.rulesOf(blockFormat(state.header().number() + 1, state));
        }
    }

    private String refusedText() {
        List<String> refused = models.refused();
        refused.addAll(formats.refused());
        return refused.isEmpty() ? "" : "; not used: " + String.join("; ", refused);
    }

    /** The chain's model; before its genesis block, the kind of the installed models (genesis checks it). */
    @Override
    public String model() {
        BlockStore s = store;
        ChainSpec spec = fixedSpec != null ? fixedSpec.get() : s == null ? null : s.spec().orElse(null);
        if (spec != null) {
            return spec.ledger();
        }
        java.util.Set<String> kinds = new java.util.TreeSet<>();
        for (SideBySide.Version<LedgerModel> v : models.versions()) {
            kinds.add(v.engine().model());
        }
        if (kinds.size() != 1) {
            throw new io.cairn.api.node.NotReadyException("rules: no chain yet, and the installed ledger models are "
                    + (kinds.isEmpty() ? "none" : String.join(", ", kinds)));
        }
        return kinds.iterator().next();
    }

    @Override
    public int code() {
        return io.cairn.api.chain.Envelope.ledgerCode(model());
    }

    @Override
    public StateTransition genesis(Genesis genesis) {
        LedgerModel m = installed(genesis.ledger(), 1);
        if (m == null) {
            throw new RulesMissingException(LEDGER_MODEL, 1, "the genesis names ledger model '" + genesis.ledger()
                    + "' but no such model with rules 1 is installed (installed: " + describeInstalled() + ")");
        }
        return m.genesis(genesis);
    }

    private String describeInstalled() {
        List<String> out = new ArrayList<>();
        for (SideBySide.Version<LedgerModel> v : models.versions()) {
            out.add(v.engine().model() + " rules " + v.rules());
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    @Override
    public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        ChainSpec spec = spec();
        byte[] plansBytes = parent.get(Plans.KEY);
        Plans plans = plansBytes == null ? Plans.NONE : Plans.decode(plansBytes);
        LedgerModel model = modelFor(spec, plans, blockNumber);
        int gov = 0;
        for (VerifiedTransaction t : txs) {
            if (GovernanceRules.isGovernance(t)) {
                gov++;
            }
        }
        if (gov == 0) {
            StateTransition t = model.apply(blockNumber, txs, parent);
            return new StateTransition(t.receipts(), t.writes(), root(t.stateRoot(), plansBytes));
        }
        List<VerifiedTransaction> own = new ArrayList<>(txs.size() - gov);
        int[] at = new int[txs.size() - gov];
        Receipt[] receipts = new Receipt[txs.size()];
        Plans after = plans;
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction t = txs.get(i);
            if (!GovernanceRules.isGovernance(t)) {
                at[own.size()] = i;
                own.add(t);
                continue;
            }
            try {
                after = GovernanceRules.apply(spec, after, t, blockNumber);
                receipts[i] = new Receipt(t.hash(), blockNumber, i, t.sender(), Receipt.Status.SUCCESS, "");
            } catch (TxRejectedException e) {
                receipts[i] = new Receipt(t.hash(), blockNumber, i, t.sender(), Receipt.Status.REFUSED, e.getMessage());
            }
        }
        StateTransition t;
        try {
            t = model.apply(blockNumber, own, parent);
        } catch (InvalidBlockException e) {
            throw renumbered(e, own, at);
        }
        for (int k = 0; k < own.size(); k++) {
            Receipt r = t.receipts().get(k);
            receipts[at[k]] = new Receipt(r.txHash(), r.blockNumber(), at[k], r.from(), r.status(), r.message());
        }
        WriteBatch writes = t.writes() == null ? new WriteBatch() : t.writes();
        byte[] afterBytes = plansBytes;
        if (after != plans) {
            afterBytes = after.encode();
            writes.put(Plans.KEY, afterBytes);
        }
        return new StateTransition(List.of(receipts), writes, root(t.stateRoot(), afterBytes));
    }

    /** The model's refusal of its {@code k}th transaction, named by the transaction's index in the whole block. */
    private static InvalidBlockException renumbered(InvalidBlockException e, List<VerifiedTransaction> own, int[] at) {
        if (e.transaction().isEmpty()) {
            return e;
        }
        int k = e.transaction().getAsInt();
        if (k < 0 || k >= at.length) {
            return e;
        }
        String prefix = "transaction " + k + " (" + own.get(k).hash() + "): ";
        String message = e.getMessage();
        String why = message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        return new InvalidBlockException("transaction " + at[k] + " (" + own.get(k).hash() + "): " + why, at[k]);
    }

    /** The header's state root: the model's alone until the chain has plans, then bound to them. */
    Hash root(Hash modelRoot, byte[] plansBytes) {
        if (plansBytes == null) {
            return modelRoot;
        }
        CryptoSuite c = suite();
        byte[] both = new byte[64];
        System.arraycopy(modelRoot.toByteArray(), 0, both, 0, 32);
        System.arraycopy(c.hash(plansBytes), 0, both, 32, 32);
        return Hash.of(c.hash(both));
    }

    /** The model that made the head's state decides which of its entries are summed into its accumulator. */
    @Override
    public boolean inAccumulator(byte[] key) {
        return atHead().inAccumulator(key);
    }

    @Override
    public boolean derived(byte[] key) {
        return atHead().derived(key);
    }

    @Override
    public void derive(byte[] key, byte[] value, WriteBatch out) {
        atHead().derive(key, value, out);
    }

    @Override
    public Hash stateRoot(StateView state) {
        return root(atHead().stateRoot(state), state.get(Plans.KEY));
    }

    // ---------------------------------------------------------------- the pool's contract

    @Override
    public boolean prepares() {
        try {
            return current().prepares();
        } catch (io.cairn.api.node.NotReadyException e) {
            return false;
        }
    }

    @Override
    public void prepare(List<VerifiedTransaction> txs) {
        if (prepares()) {
            current().prepare(txs.stream().filter(tx -> !GovernanceRules.isGovernance(tx)).toList());
        }
    }

    @Override
    public Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        if (GovernanceRules.isGovernance(tx)) {
            return GovernanceRules.claims(tx);
        }
        return pooled().claims(tx);
    }

    /** The model the pool admits with; not ready when the rules of the next block are not installed. */
    private LedgerModel pooled() throws TxRejectedException {
        try {
            return current();
        } catch (io.cairn.api.node.NotReadyException e) {
            throw new TxRejectedException(Reason.NOT_READY, e.getMessage());
        }
    }

    @Override
    public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) throws TxRejectedException {
        if (GovernanceRules.isKey(key)) {
            return true; // a governance key is checked against the plans on admission (admit), where the rules are
        }
        return pooled().available(state, key, pending, holdLimit);
    }

    @Override
    public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        if (GovernanceRules.isKey(key)) {
            return GovernanceRules.conflict(tx, holder);
        }
        try {
            return pooled().conflict(tx, key, holder);
        } catch (TxRejectedException e) {
            return e;
        }
    }

    @Override
    public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
        if (!GovernanceRules.isGovernance(tx)) {
            pooled().admit(tx, state, pending);
            return;
        }
        BlockStore s = store;
        long next = (s == null ? 0 : s.height()) + 1;
        Governance g = GovernanceRules.body(tx);
        if (g.kind() == Governance.PROPOSE && Long.compareUnsigned(g.height(), next - 1 + minLeadBlocks) < 0) {
            throw GovernanceRules.refused("height " + Long.toUnsignedString(g.height()) + " is too close: this node takes "
                    + "plans at least " + minLeadBlocks + " blocks ahead of its head " + (next - 1) + " (minLeadBlocks)");
        }
        // the chain's rules, as the next block would run them on this state
        GovernanceRules.apply(spec(), Plans.load(state), tx, next);
    }

    // ---------------------------------------------------------------- the users' surface

    @Override
    public BigInteger balance(StateView state, Address account) {
        return atHead().balance(state, account);
    }

    @Override
    public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        if (GovernanceRules.isGovernance(tx)) {
            return GovernanceRules.describe(tx);
        }
        try {
            return atHead().describe(tx);
        } catch (io.cairn.api.node.NotReadyException e) {
            throw new TxRejectedException(Reason.NOT_READY, e.getMessage());
        }
    }

    @Override
    public List<LedgerQuery> queries() {
        List<LedgerQuery> out = new ArrayList<>(ownQueries);
        try {
            out.addAll(atHead().queries());
        } catch (RuntimeException e) {
            // no model for the next block: only the plans can be asked
        }
        return out;
    }
}
