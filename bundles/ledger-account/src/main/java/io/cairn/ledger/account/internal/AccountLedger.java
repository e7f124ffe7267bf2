package io.cairn.ledger.account.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Nonces;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.EntryExpansions;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.LedgerState;
import io.cairn.api.ledger.LtHash16;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.ReadView;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The account ledger model: balances and nonces, signed transfers, and a lattice-hash state root. A transfer's
 * body is read by {@link AccountBody} (envelope versions 1 and 2 alike), its pool keys are its sender's nonce
 * slots ({@link NonceKeys}), and the admission rules are {@link PoolRules}; {@code getNonce} is its query.
 *
 * <p>State ({@code Keys.STATE}): {@code a address(20) -> u64 nonce | balance[32]} per account,
 * {@code #chainId -> u64}, {@code #lthash -> 2048-byte accumulator}. Keys starting with {@code #} are
 * metadata and are not part of the accumulator; every other state entry is. The state root is the
 * suite hash of the accumulator, where each entry contributes
 * {@code expand(hash(u32 len(key) | key | value))}: the conventions of every model, {@link LedgerState}.
 *
 * <p>Thread-safety: stateless between calls; {@code apply} keeps its overlay and accumulator in locals,
 * so concurrent calls (pool admission while a block executes) never share mutable state. The suite
 * reference is dynamic and greedy so a crypto bundle update does not restart the model; each call
 * reads it once and uses that suite throughout.
 */
@Component(immediate = true, service = LedgerModel.class, configurationPid = AccountLedger.PID,
        property = {"cairn.component=ledger-model", "cairn.engine=account"})
@Designate(ocd = AccountLedger.Config.class, factory = false)
public final class AccountLedger implements LedgerModel {
    public static final String PID = "io.cairn.ledger.account";
    public static final String MODEL = "account";

    /**
     * The account model has no settings: what it computes is a consensus rule, which comes with the bundle (its
     * manifest), never from one node's configuration.
     */
    @ObjectClassDefinition(name = "Cairn account ledger", description = "Account ledger model (no settings)")
    public @interface Config {}

    /** Entries added recently: about 8 MB, the accounts of a few busy blocks. */
    static final int CACHED_EXPANSIONS = 4096;

    private static final List<LedgerQuery> QUERIES = List.of(new NonceQuery());
    /**
     * Manifest header: the fee every transfer pays on top of its value, burned (a decimal amount, 0 when absent). It
     * changes what blocks compute, so a jar that changes it declares another {@code Cairn-Rules} version and comes
     * through an upgrade plan (docs/upgrades.md), and the jar that made a block replays it.
     */
    public static final String FEE_HEADER = "Cairn-Transfer-Fee";

    private final AtomicReference<CryptoSuite> suite = new AtomicReference<>();
    private final EntryExpansions expansions = new EntryExpansions(CACHED_EXPANSIONS);
    /** The transfer fee, u256 big-endian; all zero (no fee) unless the bundle declares {@value #FEE_HEADER}. */
    private volatile byte[] fee = new byte[32];

    public AccountLedger() {}

    /** For use outside DS (tests, tools). */
    AccountLedger(CryptoSuite suite) {
        bindSuite(suite);
    }

    /** For use outside DS: with a transfer fee (tests). */
    AccountLedger(CryptoSuite suite, BigInteger fee) {
        this(suite);
        this.fee = Uint256.toBytes(fee);
    }

    @Activate
    void activate(BundleContext context) {
        fee = fee(context.getBundle().getHeaders("").get(FEE_HEADER), context.getBundle().getSymbolicName());
    }

    /** A {@value #FEE_HEADER} header's fee: zero when absent; refused, naming the bundle, when not an amount. */
    static byte[] fee(String header, String bundle) {
        if (header == null || header.isBlank()) {
            return new byte[32];
        }
        try {
            BigInteger f = new BigInteger(header.strip());
            if (f.signum() >= 0 && f.bitLength() <= 256) {
                return Uint256.toBytes(f);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("account ledger: bundle " + bundle + " declares " + FEE_HEADER + " '" + header
                + "': a fee is a decimal amount from 0 to 2^256-1");
    }

    /** The transfer fee (0 for none). */
    BigInteger fee() {
        return new BigInteger(1, fee);
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

    /** How many entry expansions are cached (tests). */
    int cachedExpansions() {
        return expansions.size();
    }

    private CryptoSuite suite() {
        CryptoSuite s = suite.get();
        if (s == null) {
            throw new IllegalStateException("account ledger: no CryptoSuite service is bound (the crypto component is down)");
        }
        return s;
    }

    @Override
    public Health health() {
        CryptoSuite s = suite.get();
        BigInteger f = fee();
        return s == null ? Health.notReady("waiting for a CryptoSuite service")
                : Health.ready("account model, state hashed with " + s.name() + " and " + LtHash16.implementation()
                        + (f.signum() == 0 ? "" : ", transfer fee " + f + " (burned)"));
    }

    @Override
    public String model() {
        return MODEL;
    }

    /** The genesis accounts; transfers conserve the supply, so its bound rules out balance overflow forever. */
    @Override
    public StateTransition genesis(Genesis genesis) {
        LedgerState.Writer state = LedgerState.genesis(genesis, MODEL, suite());
        for (Map.Entry<Address, BigInteger> a : genesis.alloc().entrySet()) {
            byte[] value = Account.fresh(a.getKey(), Uint256.toBytes(a.getValue())).encode();
            if (value == null) {
                continue; // a zero allocation is the absent account
            }
            state.put(Account.key(a.getKey()), value);
        }
        Hash root = state.finish();
        return new StateTransition(List.of(), state.batch(), root);
    }

    @Override
    public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        CryptoSuite s = suite();
        long chainId = LedgerState.chainId(parent);
        // the block's overlay: later transactions see earlier ones' writes
        Map<Address, Account> touched = new LinkedHashMap<>();
        byte[] f = fee;
        List<Receipt> receipts = new ArrayList<>(txs.size());
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction vtx = txs.get(i);
            AccountBody.Decoded d = AccountBody.of(vtx); // decoded once, kept in the transaction
            if (!d.ok()) {
                throw new InvalidBlockException("transaction " + i + " (" + vtx.hash() + "): " + d.problem(), i);
            }
            receipts.add(transfer(blockNumber, i, vtx, d.body(), chainId, f, touched, parent));
        }

        LedgerState.Writer state = LedgerState.block(s, expansions, parent);
        for (Account a : touched.values()) {
            state.change(a.key, a.original, a.encode());
        }
        Hash root = state.finish();
        return new StateTransition(receipts, state.batch(), root);
    }

    /** One transfer; the receipt messages are part of the receipt root: never reword them. */
    private static Receipt transfer(long blockNumber, int index, VerifiedTransaction vtx, AccountBody tx, long chainId,
            byte[] fee, Map<Address, Account> touched, StateView parent) {
        Address sender = vtx.sender();
        long txChain = vtx.envelope().chainId();
        if (txChain != chainId) {
            return new Receipt(vtx.hash(), blockNumber, index, sender, Receipt.Status.WRONG_CHAIN,
                    "chainId " + txChain + ", this chain is " + chainId);
        }
        Account from = touched.computeIfAbsent(sender, a -> Account.load(parent, a));
        if (tx.nonce != from.nonce) {
            return new Receipt(vtx.hash(), blockNumber, index, sender, Receipt.Status.BAD_NONCE,
                    "nonce " + Nonces.text(tx.nonce) + ", expected " + Nonces.text(from.nonce));
        }
        byte[] value = tx.value;
        from.nonce++;
        byte[] cost = Account.cost(value, fee);
        if (cost == null || !from.canPay(cost)) {
            return new Receipt(vtx.hash(), blockNumber, index, sender, Receipt.Status.INSUFFICIENT_BALANCE,
                    "balance " + from.balanceValue() + " < value " + tx.valueAmount() + Account.plusFee(fee));
        }
        from.debit(cost); // the fee is burned: debited, credited to no one
        Account to = touched.computeIfAbsent(tx.to, a -> Account.load(parent, a));
        to.credit(value);
        return new Receipt(vtx.hash(), blockNumber, index, sender, Receipt.Status.SUCCESS, "");
    }

    // ---------------------------------------------------------------- the pool's contract (PoolRules)

    @Override
    public Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        return PoolRules.claims(tx);
    }

    @Override
    public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
            throws TxRejectedException {
        return PoolRules.available(state, key, pending, holdLimit);
    }

    @Override
    public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        return PoolRules.conflict(key, holder);
    }

    @Override
    public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
        PoolRules.admit(tx, state, fee);
    }

    // ---------------------------------------------------------------- the users' surface

    @Override
    public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        return PoolRules.describe(tx);
    }

    @Override
    public List<LedgerQuery> queries() {
        return QUERIES;
    }

    /** The account's nonce in state (tests, tools). */
    long nonce(StateView state, Address account) {
        return Account.load(state, account).nonce;
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
     * The state root recomputed from every state entry, for checking a snapshot without trusting its
     * stored accumulator. Entries outside {@code Keys.STATE} and metadata ({@code #}) keys are skipped,
     * so a scan of the whole store may be passed.
     */
    public Hash stateRootOf(Iterator<ReadView.Entry> entries) {
        return LedgerState.stateRootOf(suite(), entries);
    }
}
