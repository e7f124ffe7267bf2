package io.cairn.ledger.dag.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.EntryExpansions;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.LtHash16;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import io.cairn.ledger.dag.internal.DagState.Account;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The DAG ledger model, a block-lattice as Nano's: every account has its own chain of transactions, each naming
 * its predecessor ({@code previous}); a send takes an amount off the sender's balance and leaves a receivable, the
 * receive that names it ({@code source}) adds it to the recipient's. Bodies are read by {@link DagBody}, the pool
 * keys are {@link DagKeys}, admission is {@link DagRules}, execution is {@link BlockRun}, which runs a block's
 * independent transactions in parallel on the node's compute pool ({@link NodeThreads}) with the result of running
 * them one by one in block order; {@code getAccountChain} and {@code getAccountInfo} are its queries.
 *
 * <p>State: {@link DagState}. Keys starting with {@code #} are metadata outside the accumulator; every other state
 * entry contributes {@code expand(hash(u32 len(key) | key | value))} to it (see {@link LtHash16}), and the state
 * root is the suite hash of the accumulator.
 *
 * <p>Thread-safety: stateless between calls but for the expansion cache (thread-safe); each {@code apply} keeps its
 * work in its own {@link BlockRun}. The suite and thread references are dynamic and greedy; each call reads them
 * once. Without the node's threads, blocks run serially (with the same result).
 */
@Component(immediate = true, service = LedgerModel.class, configurationPid = DagLedger.PID,
        property = {"cairn.component=ledger-model", "cairn.engine=dag"})
@Designate(ocd = DagLedger.Config.class, factory = false)
public final class DagLedger implements LedgerModel {
    public static final String PID = "io.cairn.ledger.dag";
    public static final String MODEL = "dag";

    @ObjectClassDefinition(name = "Cairn DAG ledger", description = "DAG (block-lattice) ledger model")
    public @interface Config {
        @AttributeDefinition(description = "Run a block's independent transactions in parallel on the node's compute "
                + "pool; false: one by one in block order. The result is the same either way.")
        boolean parallel() default true;

        @AttributeDefinition(description = "A wave of fewer ready transactions than this runs on the executing thread")
        int minParallel() default BlockRun.MIN_PARALLEL;
    }

    /** Account entries added recently: about 8 MB, the accounts of a few busy blocks. */
    static final int CACHED_EXPANSIONS = 4096;

    private final AtomicReference<CryptoSuite> suite = new AtomicReference<>();
    private final AtomicReference<NodeThreads> threads = new AtomicReference<>();
    private final EntryExpansions expansions = new EntryExpansions(CACHED_EXPANSIONS);
    private final DagRules.Balances balances = new DagRules.Balances();
    private final List<LedgerQuery> queries = List.of(new DagQueries.AccountChain(), new DagQueries.AccountInfo());
    private volatile boolean parallel = true;
    private volatile int minParallel = BlockRun.MIN_PARALLEL;

    public DagLedger() {}

    /** For use outside DS (tests, tools): serial execution. */
    DagLedger(CryptoSuite suite) {
        bindSuite(suite);
    }

    /** For use outside DS: parallel execution on {@code threads}, waves of at least {@code minParallel}. */
    DagLedger(CryptoSuite suite, NodeThreads threads, int minParallel) {
        bindSuite(suite);
        bindThreads(threads);
        this.minParallel = minParallel;
    }

    @Activate
    void activate(Config config) {
        if (config.minParallel() < 1) {
            throw new IllegalArgumentException(PID + ": minParallel must be at least 1, got " + config.minParallel());
        }
        parallel = config.parallel();
        minParallel = config.minParallel();
    }

    @Reference(cardinality = ReferenceCardinality.MANDATORY, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSuite(CryptoSuite s) {
        suite.set(s);
    }

    void unbindSuite(CryptoSuite s) {
        // a greedy replacement binds the new suite before unbinding the old one
        suite.compareAndSet(s, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindThreads(NodeThreads t) {
        threads.set(t);
    }

    void unbindThreads(NodeThreads t) {
        threads.compareAndSet(t, null);
    }

    int cachedExpansions() {
        return expansions.size();
    }

    private CryptoSuite suite() {
        CryptoSuite s = suite.get();
        if (s == null) {
            throw new IllegalStateException("dag ledger: no CryptoSuite service is bound (the crypto component is down)");
        }
        return s;
    }

    @Override
    public Health health() {
        CryptoSuite s = suite.get();
        if (s == null) {
            return Health.notReady("waiting for a CryptoSuite service");
        }
        NodeThreads t = threads.get();
        String execution = parallel && t != null && t.parallelism() > 1
                ? "blocks run in parallel on " + t.parallelism() + " threads" : "blocks run serially";
        return Health.ready("dag model, state hashed with " + s.name() + " and " + LtHash16.implementation() + ", " + execution);
    }

    @Override
    public String model() {
        return MODEL;
    }

    @Override
    public StateTransition genesis(Genesis genesis) {
        CryptoSuite s = suite();
        LedgerState.checkGenesis(genesis, MODEL, s);
        LtHash16 acc = new LtHash16();
        WriteBatch batch = new WriteBatch();
        for (Map.Entry<Address, BigInteger> a : genesis.alloc().entrySet()) {
            if (a.getValue().signum() == 0) {
                continue; // a zero allocation is the absent account
            }
            byte[] key = DagState.accountKey(a.getKey());
            byte[] value = new Account(Hash.ZERO, 0, Uint256.toBytes(a.getValue())).encode();
            acc.add(DagState.entrySeed(s, key, value));
            batch.put(key, value);
        }
        batch.put(DagState.CHAIN_ID_KEY, DagState.u64(genesis.chainId()));
        byte[] accBytes = acc.toBytes();
        batch.put(DagState.LTHASH_KEY, accBytes);
        return new StateTransition(List.of(), batch, Hash.of(s.hash(accBytes)));
    }

    /**
     * Runs the block: in parallel when the node's threads are bound and parallel execution is on, else serially;
     * the two give the same receipts, writes and root, or refuse the block at the same transaction with the same
     * words.
     */
    @Override
    public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        BlockRun run = new BlockRun(suite(), expansions, blockNumber, txs, parent);
        NodeThreads t = threads.get();
        if (parallel && t != null && t.parallelism() > 1 && txs.size() >= minParallel) {
            return run.parallel(t, minParallel, BlockRun.PARTS_PER_THREAD);
        }
        return run.serial();
    }

    /** The serial schedule, whatever the settings: block order on the calling thread (tests, tools). */
    StateTransition applySerially(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        return new BlockRun(suite(), expansions, blockNumber, txs, parent).serial();
    }

    /** The parallel schedule on {@code on}, whatever the settings (tests, benchmarks). */
    StateTransition applyInParallel(long blockNumber, List<VerifiedTransaction> txs, StateView parent, NodeThreads on,
            int minWave, int partsPerThread) {
        return new BlockRun(suite(), expansions, blockNumber, txs, parent).parallel(on, minWave, partsPerThread);
    }

    // ---------------------------------------------------------------- the pool's contract (DagRules)

    @Override
    public Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        return DagRules.claims(tx);
    }

    @Override
    public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
            throws TxRejectedException {
        return DagRules.available(state, key);
    }

    @Override
    public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        return DagRules.conflict(tx, key, holder);
    }

    @Override
    public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
        DagRules.admit(tx, state, pending, balances);
    }

    // ---------------------------------------------------------------- the users' surface

    @Override
    public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        return DagRules.describe(tx);
    }

    @Override
    public List<LedgerQuery> queries() {
        return queries;
    }

    @Override
    public BigInteger balance(StateView state, Address account) {
        return Account.load(state, account).balanceValue();
    }

    @Override
    public Hash stateRoot(StateView state) {
        return LedgerState.stateRoot(suite(), state);
    }

    /**
     * The state root recomputed from every state entry, for checking a snapshot without trusting its stored
     * accumulator. Entries outside {@code Keys.STATE} and metadata ({@code #}) keys are skipped, so a scan of the
     * whole store may be passed.
     */
    public Hash stateRootOf(Iterator<ReadView.Entry> entries) {
        return LedgerState.stateRootOf(suite(), entries);
    }

    static byte[] accumulator(StateView state) {
        return LedgerState.accumulator(state);
    }

    static long chainId(StateView state) {
        return LedgerState.chainId(state);
    }
}
