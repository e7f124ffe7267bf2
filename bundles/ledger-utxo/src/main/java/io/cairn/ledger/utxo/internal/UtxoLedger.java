package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinLedger;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
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
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.StreamSupport;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The UTXO ledger model (docs/ledgers.md, "UTXO"): value lives in coins, each owned by an address; a transaction
 * ({@link UtxoBody}) spends whole coins, signed by each of their owners, and makes new ones; what its inputs hold
 * beyond its outputs is a fee that is burnt. A coin is named by the transaction that made it and its output
 * index ({@link CoinId}), which is also the pool key a transaction consumes (its inputs) or produces (its
 * outputs): the pool refuses a second spend of a coin (first seen wins) and lets a spend of an unconfirmed
 * coin wait behind the transaction that makes it. A block that spends a coin that is not there, twice, without
 * every owner's signature (or with a signature of a non-owner), or beyond its inputs is invalid as a whole.
 *
 * <p>State ({@code Keys.STATE}): {@code u txHash[32] u32 index -> owner[20] | amount[32]} per unspent coin, and
 * beside it its owner index entry {@code o owner[20] txHash[32] u32 index -> amount[32]} ({@link OwnerIndex}: a
 * spend or a new coin writes one entry whatever else its owner holds; balances and {@code getUtxos} read an
 * owner's entries by a prefix scan), {@code #chainId -> u64}, {@code #lthash -> 2048-byte accumulator}. Keys
 * starting with {@code #} are metadata, outside the accumulator; every other entry is in it. The state root is
 * the suite hash of the accumulator, each entry contributing {@code expand(hash(u32 len(key) | key | value))}:
 * the conventions of every model, {@link LedgerState}.
 *
 * <p>Thread-safety: stateless between calls (but for the expansion cache, which only saves time); {@code apply}
 * keeps its overlay and accumulator in locals. The suite reference is dynamic and greedy so a crypto bundle
 * update does not restart the model; each call reads it once and uses that suite throughout.
 */
@Component(immediate = true, service = LedgerModel.class, configurationPid = UtxoLedger.PID,
        property = {"cairn.component=ledger-model", "cairn.engine=utxo"})
@Designate(ocd = UtxoLedger.Config.class, factory = false)
public final class UtxoLedger implements LedgerModel {
    public static final String PID = "io.cairn.ledger.utxo";
    public static final String MODEL = "utxo";

    /** The UTXO model has no settings yet; the PID exists so that rules can be configured later. */
    @ObjectClassDefinition(name = "Cairn UTXO ledger", description = "UTXO ledger model (no settings)")
    public @interface Config {}

    /**
     * Entries added recently: about 32 MB. A block of 2,000 spends adds about 8,000 entries (two coins, two index
     * entries each) that the next blocks spend: a cache smaller than a block recomputes their expansions.
     */
    static final int CACHED_EXPANSIONS = 16384;

    private static final List<LedgerQuery> QUERIES = List.of(new UtxoQuery());

    private final AtomicReference<CryptoSuite> suite = new AtomicReference<>();
    private final EntryExpansions expansions = new EntryExpansions(CACHED_EXPANSIONS);
    private final AtomicReference<NodeThreads> threads = new AtomicReference<>();

    public UtxoLedger() {}

    /** For use outside DS (tests, tools). */
    UtxoLedger(CryptoSuite suite) {
        bindSuite(suite);
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

    /** For use outside DS: the state root's work of a block split over {@code t}. */
    UtxoLedger(CryptoSuite suite, NodeThreads t) {
        this(suite);
        bindThreads(t);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindThreads(NodeThreads t) {
        threads.set(t);
    }

    void unbindThreads(NodeThreads t) {
        threads.compareAndSet(t, null);
    }

    /** How many entry expansions are cached (tests). */
    int cachedExpansions() {
        return expansions.size();
    }

    private CryptoSuite suite() {
        CryptoSuite s = suite.get();
        if (s == null) {
            throw new IllegalStateException(
                    "utxo ledger: no CryptoSuite service is bound (the crypto component is down)");
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
        String hashing = t != null && t.parallelism() > 1
                ? ", a block's entries hashed on " + t.parallelism() + " threads" : "";
        return Health.ready("utxo model, state hashed with " + s.name() + " and " + LtHash16.implementation() + hashing);
    }

    @Override
    public String model() {
        return MODEL;
    }

    // ---------------------------------------------------------------- genesis and execution

    /**
     * The genesis coins: the i-th non-zero allocation, in address order, becomes coin {@code (Hash.ZERO, i)} of its
     * address (i counts only non-zero allocations). Spends never make value, so the supply's bound rules out any
     * sum of coins overflowing.
     */
    @Override
    public StateTransition genesis(Genesis genesis) {
        LedgerState.Writer state = LedgerState.genesis(genesis, MODEL, suite());
        int i = 0;
        for (Map.Entry<Address, BigInteger> a : genesis.alloc().entrySet()) {
            if (a.getValue().signum() == 0) {
                continue; // no coin of 0
            }
            CoinId id = new CoinId(Hash.ZERO, i++);
            Coin coin = new Coin(a.getKey(), a.getValue());
            state.put(id.stateKey(), coin.encode());
            state.batch().put(OwnerIndex.key(a.getKey(), id), OwnerIndex.value(a.getValue())); // not in the root
        }
        Hash root = state.finish();
        return new StateTransition(List.of(), state.batch(), root);
    }

    @Override
    public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        CryptoSuite s = suite();
        long chainId = LedgerState.chainId(parent);
        CoinLedger.Overlay<Coin> overlay = new CoinLedger.Overlay<>(parent, Coin.CODEC);
        List<Receipt> receipts = new ArrayList<>(txs.size());
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction vtx = txs.get(i);
            UtxoBody.Decoded d = UtxoBody.of(vtx); // decoded once, kept in the transaction
            if (!d.ok()) {
                throw invalid(i, vtx, d.problem());
            }
            long txChain = vtx.envelope().chainId();
            if (txChain != chainId) {
                // the verifier refuses such a block first: kept so that apply alone never runs another chain's spend
                throw invalid(i, vtx, "it is for chain " + Long.toUnsignedString(txChain) + ", this chain is "
                        + Long.toUnsignedString(chainId));
            }
            UtxoBody body = d.body();
            try {
                SpendRules.check(vtx, body, overlay::find);
            } catch (TxRejectedException v) {
                throw invalid(i, vtx, v.getMessage());
            }
            overlay.spend(i, body.inputs);
            for (int k = 0; k < body.outputs.size(); k++) {
                UtxoBody.Output o = body.outputs.get(k);
                CoinId id = UtxoBody.made(vtx.hash(), k);
                if (!overlay.make(id, new Coin(o.owner(), o.amount()))) {
                    throw invalid(i, vtx, "its output " + k + ", coin " + id + ", was made before in this block");
                }
            }
            receipts.add(new Receipt(vtx.hash(), blockNumber, i, vtx.sender(), Receipt.Status.SUCCESS, ""));
        }

        LedgerState.Writer state = LedgerState.block(s, expansions, parent);
        // Each changed coin writes its coin entry and its owner's index entry, nothing else (CoinLedger.Overlay).
        // Only the coin entries enter the accumulator: an index entry is a function of its coin's (derived, as an
        // address index is in Bitcoin Core), so the root commits to the coin set alone and the index costs no hashing.
        List<LedgerState.Writer.Change> changes = overlay.changes(state.batch());
        // A hash and an expansion per coin entry: the block's heaviest work, split over the node's compute threads
        // when they are bound (the same root either way).
        NodeThreads t = threads.get();
        state.changeAll(changes, t == null ? NodeThreads.DIRECT : t);
        Hash root = state.finish();
        return new StateTransition(receipts, state.batch(), root);
    }

    private static InvalidBlockException invalid(int i, VerifiedTransaction vtx, String why) {
        return new InvalidBlockException("transaction " + i + " (" + vtx.hash() + "): " + why, i);
    }

    // ---------------------------------------------------------------- the pool's contract

    /** A spend consumes its input coins and produces its outputs, (its hash, 0..nOut-1). */
    @Override
    public Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        UtxoBody body = UtxoBody.of(tx).orReject();
        return CoinLedger.claims(body.inputs, tx.hash(), body.outputs.size());
    }

    /** A coin no pending transaction makes is there, unspent, or never will be: UTXO never holds. */
    @Override
    public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
            throws TxRejectedException {
        return CoinLedger.available(state, key);
    }

    @Override
    public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        return CoinLedger.doubleSpend(CoinId.of(key), holder);
    }

    /**
     * Each input from the pending transaction that makes it, else from the state; then the signers and the sums
     * ({@link SpendRules}). The pool is asked first: a coin a pending transaction makes is, but for a block the
     * pool has not heard of yet, not in state, and a look in the pool's index costs less than a state read that
     * finds nothing. Either gives the same coin: the hash of the transaction that makes it fixes its owner and
     * amount.
     */
    @Override
    public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
        UtxoBody body = UtxoBody.of(tx).orReject();
        LedgerState.admitChain(tx, state);
        SpendRules.check(tx, body, id -> {
            Coin c = pendingOutput(pending, id);
            return c != null ? c : Coin.load(state, id);
        });
    }

    /** The coin {@code id} as a pending transaction makes it, or null. */
    private static Coin pendingOutput(Pending pending, CoinId id) {
        Optional<VerifiedTransaction> producer = pending.producer(id.poolKey());
        if (producer.isEmpty() || !producer.get().hash().equals(id.txHash())) {
            return null;
        }
        UtxoBody.Decoded d = UtxoBody.of(producer.get());
        long k = id.indexValue();
        if (!d.ok() || k >= d.body().outputs.size()) {
            return null;
        }
        UtxoBody.Output o = d.body().outputs.get((int) k);
        return new Coin(o.owner(), o.amount());
    }

    // ---------------------------------------------------------------- the users' surface

    /** The sum of the owner's unspent coins: a prefix scan of its index entries in {@code state} (the head's). */
    @Override
    public BigInteger balance(StateView state, Address account) {
        return OwnerIndex.sum(state, account);
    }

    /**
     * inputs ({@code [{"txHash", "index"}]}) and outputs ({@code [{"owner", "amount"}]}): hashes and addresses as
     * 0x hex, an index as a number, an amount as a decimal string.
     */
    @Override
    public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        UtxoBody body = UtxoBody.of(tx).orReject();
        List<Object> outputs = new ArrayList<>(body.outputs.size());
        for (UtxoBody.Output o : body.outputs) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("owner", o.owner().toString());
            out.put("amount", o.amount().toString());
            outputs.add(out);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("inputs", CoinLedger.describe(body.inputs));
        fields.put("outputs", outputs);
        return fields;
    }

    @Override
    public List<LedgerQuery> queries() {
        return QUERIES;
    }

    @Override
    public Hash stateRoot(StateView state) {
        return LedgerState.stateRoot(suite(), state);
    }

    /**
     * The state root recomputed from every coin entry, for checking a snapshot without trusting its stored
     * accumulator. Entries outside {@code Keys.STATE}, metadata ({@code #}) keys and owner index entries (derived
     * from the coins, not committed to) are skipped, so a scan of the whole store may be passed.
     */
    @Override
    public boolean inAccumulator(byte[] key) {
        return LedgerState.isAccumulated(key) && !OwnerIndex.isKey(key);
    }

    /** The owner index is derived from the coins: left out of snapshots and rebuilt from them. */
    @Override
    public boolean derived(byte[] key) {
        return OwnerIndex.isKey(key);
    }

    @Override
    public void derive(byte[] key, byte[] value, WriteBatch out) {
        CoinLedger.derive(key, value, Coin.CODEC, out);
    }

    public Hash stateRootOf(Iterator<ReadView.Entry> entries) {
        Iterable<ReadView.Entry> all = () -> entries;
        return LedgerState.stateRootOf(suite(), StreamSupport.stream(all.spliterator(), false)
                .filter(e -> !OwnerIndex.isKey(e.key())).iterator());
    }
}
