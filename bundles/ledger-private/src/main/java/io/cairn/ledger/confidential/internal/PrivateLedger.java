package io.cairn.ledger.confidential.internal;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.CoinId;
import io.cairn.api.ledger.CoinIndex;
import io.cairn.api.ledger.CoinLedger;
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
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import io.cairn.confidential.Group;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.SealedOpening;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.math.ec.ECPoint;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The private ledger model (docs/privacy.md, "The private ledger"): value lives in coins as in the UTXO model, but a
 * coin's amount is a Pedersen commitment, never on chain in the clear. A transaction ({@link PrivateBody}) spends
 * whole coins, signed by each of their owners, and makes new ones, each with its opening sealed to its owner (and to
 * the chain's auditor, when genesis names one); one range proof shows every output's amount is in [0, 2^64), and the
 * kernel signature shows the inputs hold exactly what the outputs and the public fee (burnt) take. A coin is named
 * by the transaction that made it and its output index ({@link CoinId}), which is also its pool key. A block holding
 * a spend that breaks a rule is invalid as a whole.
 *
 * <p>State ({@code Keys.STATE}): {@code u txHash[32] u32 index -> owner[20] | commitment[33] | sealedToOwner[S]} per
 * unspent coin and its owner index entry ({@link CoinIndex}, value: the same less the owner), {@code k "auditor" ->
 * auditor key[64]} when the chain has one, and the chain id and accumulator of every model ({@link LedgerState}).
 * The state root commits to the coin entries and the auditor key; index entries are derived, outside it.
 *
 * <p>Thread-safety: stateless between calls but for what only saves time (the checked-transaction memory and the
 * expansion cache); the suite reference is dynamic and greedy, each call reads it once.
 */
@Component(immediate = true, service = LedgerModel.class, configurationPid = PrivateLedger.PID,
        property = {"cairn.component=ledger-model", "cairn.engine=private"})
@Designate(ocd = PrivateLedger.Config.class, factory = false)
public final class PrivateLedger implements LedgerModel {
    public static final String PID = "io.cairn.ledger.private";
    public static final String MODEL = "private";
    /** {@code 's' 'k' "auditor"}: the auditor's 64-byte public key, when the chain has one. */
    static final byte[] AUDITOR_KEY = Keys.of(Keys.STATE, "kauditor");
    static final BigInteger MAX_GENESIS_AMOUNT = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    @ObjectClassDefinition(name = "Cairn private ledger", description = "Private ledger model (no settings)")
    public @interface Config {}

    static final int CACHED_EXPANSIONS = 16384;
    /** Prepared bodies kept for their admission: a few JSON-RPC or gossip batches. */
    static final int PREPARED = 4096;

    private final AtomicReference<CryptoSuite> suite = new AtomicReference<>();
    private final AtomicReference<NodeThreads> threads = new AtomicReference<>();
    private final EntryExpansions expansions = new EntryExpansions(CACHED_EXPANSIONS);
    private final ProofChecks checks;
    /**
     * Bodies decoded by {@link #prepare}, each taken by the admission of its transaction (which the pool decodes into
     * another instance of the same bytes), so a transaction's points are decompressed once; the oldest dropped.
     */
    private final Map<Hash, PrivateBody.Decoded> prepared = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Hash, PrivateBody.Decoded> eldest) {
            return size() > PREPARED;
        }
    };
    private final List<LedgerQuery> queries = List.of(new PrivateQuery(this::sealedSize));

    public PrivateLedger() {
        checks = new ProofChecks();
    }

    /** For use outside DS (tests, tools). */
    PrivateLedger(CryptoSuite suite, NodeThreads t) {
        this(suite, t, new ProofChecks());
    }

    /** For tests: proofs queued on {@code checks}. */
    PrivateLedger(CryptoSuite suite, NodeThreads t, ProofChecks checks) {
        this.checks = checks;
        bindSuite(suite);
        if (t != null) {
            bindThreads(t);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MANDATORY, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSuite(CryptoSuite s) {
        suite.set(s);
    }

    void unbindSuite(CryptoSuite s) {
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

    @Deactivate
    void deactivate() {
        checks.close();
    }

    ProofChecks checks() {
        return checks;
    }

    private CryptoSuite suite() {
        CryptoSuite s = suite.get();
        if (s == null) {
            throw new IllegalStateException(
                    "private ledger: no CryptoSuite service is bound (the crypto component is down)");
        }
        return s;
    }

    private static Group group(CryptoSuite s) {
        return Group.of(s.name());
    }

    private int sealedSize() {
        return SealedOpening.size(group(suite()));
    }

    private NodeThreads threads() {
        NodeThreads t = threads.get();
        return t == null ? NodeThreads.DIRECT : t;
    }

    @Override
    public Health health() {
        CryptoSuite s = suite.get();
        if (s == null) {
            return Health.notReady("waiting for a CryptoSuite service");
        }
        try {
            group(s);
        } catch (IllegalArgumentException e) {
            return Health.notReady("the private ledger runs on secp256k1 and sm2 chains, not " + s.name());
        }
        return Health.ready("private model on " + s.name() + ", state hashed with " + LtHash16.implementation()
                + ", " + checks.remembered() + " checked transactions remembered");
    }

    @Override
    public String model() {
        return MODEL;
    }

    // ---------------------------------------------------------------- genesis and execution

    /**
     * The genesis coins: the i-th non-zero allocation, in address order, becomes coin {@code (Hash.ZERO, i)} of its
     * address with commitment {@code v·G} (blinding 0: the allocations are public in the genesis block) and a sealed
     * opening of zeros. Each allocation must be below 2^64, the range every amount is proven in.
     */
    @Override
    public StateTransition genesis(Genesis genesis) {
        CryptoSuite s = suite();
        Group group = group(s);
        LedgerState.Writer state = LedgerState.genesis(genesis, MODEL, s);
        byte[] zeros = new byte[SealedOpening.size(group)];
        int i = 0;
        for (Map.Entry<Address, BigInteger> a : genesis.alloc().entrySet()) {
            BigInteger v = a.getValue();
            if (v.signum() == 0) {
                continue;
            }
            if (v.compareTo(MAX_GENESIS_AMOUNT) > 0) {
                throw new IllegalArgumentException("genesis allocation of " + a.getKey() + " is " + v
                        + ": a private chain's amounts are below 2^64");
            }
            CoinId id = new CoinId(Hash.ZERO, i++);
            byte[] commitment = group.encode(Pedersen.commit(group, v, BigInteger.ZERO));
            byte[] coin = new PrivateCoin(a.getKey(), commitment, zeros).encode();
            state.put(id.stateKey(), coin);
            state.batch().put(CoinIndex.key(a.getKey(), id), PrivateCoin.indexValue(coin));
        }
        genesis.auditorKey().ifPresent(k -> state.put(AUDITOR_KEY, k));
        Hash root = state.finish();
        return new StateTransition(List.of(), state.batch(), root);
    }

    /** The chain's auditor key in {@code state}, or null. */
    static byte[] auditor(StateView state) {
        return state.get(AUDITOR_KEY);
    }

    @Override
    public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
        CryptoSuite s = suite();
        Group group = group(s);
        int sealed = SealedOpening.size(group);
        long chainId = LedgerState.chainId(parent);
        boolean audited = auditor(parent) != null;
        CoinLedger.Overlay<PrivateCoin> overlay = new CoinLedger.Overlay<>(parent, PrivateCoin.codec(sealed));
        List<PrivateBody> bodies = new ArrayList<>(txs.size());
        ECPoint[] excess = new ECPoint[txs.size()];
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction vtx = txs.get(i);
            PrivateBody.Decoded d = PrivateBody.of(vtx, group, prepared);
            if (!d.ok()) {
                throw invalid(i, vtx, d.problem());
            }
            long txChain = vtx.envelope().chainId();
            if (txChain != chainId) {
                throw invalid(i, vtx, "it is for chain " + Long.toUnsignedString(txChain) + ", this chain is "
                        + Long.toUnsignedString(chainId));
            }
            PrivateBody body = d.body();
            try {
                excess[i] = SpendRules.check(vtx, body, overlay::find, audited, group);
            } catch (TxRejectedException e) {
                throw invalid(i, vtx, e.getMessage());
            }
            overlay.spend(i, body.inputs);
            for (int k = 0; k < body.outputs.size(); k++) {
                PrivateBody.Output o = body.outputs.get(k);
                CoinId id = PrivateBody.made(vtx.hash(), k);
                if (!overlay.make(id, new PrivateCoin(o.owner(), o.commitmentBytes(), o.sealedToOwner()))) {
                    throw invalid(i, vtx, "its output " + k + ", coin " + id + ", was made before in this block");
                }
            }
            bodies.add(body);
        }
        verify(txs, bodies, excess, group);

        List<Receipt> receipts = new ArrayList<>(txs.size());
        for (int i = 0; i < txs.size(); i++) {
            VerifiedTransaction vtx = txs.get(i);
            receipts.add(new Receipt(vtx.hash(), blockNumber, i, vtx.sender(), Receipt.Status.SUCCESS, ""));
        }
        LedgerState.Writer state = LedgerState.block(s, expansions, parent);
        List<LedgerState.Writer.Change> changes = overlay.changes(state.batch());
        state.changeAll(changes, threads());
        Hash root = state.finish();
        return new StateTransition(receipts, state.batch(), root);
    }

    /**
     * The cryptography of a block: the range proofs and kernels not checked when their transactions were admitted
     * here, the proofs in batches and the kernels one each, over the compute threads; the first transaction that
     * fails makes the block invalid. Each that holds is remembered.
     */
    private void verify(List<VerifiedTransaction> txs, List<PrivateBody> bodies, ECPoint[] excess, Group group) {
        List<Integer> proofIdx = new ArrayList<>();
        List<PrivateBody> proofs = new ArrayList<>();
        List<Integer> kernelIdx = new ArrayList<>();
        for (int i = 0; i < txs.size(); i++) {
            Hash h = txs.get(i).hash();
            if (!checks.proofChecked(h)) {
                proofIdx.add(i);
                proofs.add(bodies.get(i));
            }
            if (!checks.kernelChecked(h)) {
                kernelIdx.add(i);
            }
        }
        NodeThreads t = threads();
        String[] proofWrong = checks.blockProofs(proofs, group, t);
        for (int j = 0; j < proofIdx.size(); j++) {
            checks.settle(txs.get(proofIdx.get(j)).hash(), proofWrong[j]);
        }
        TxRejectedException[] kernelWrong = new TxRejectedException[kernelIdx.size()];
        int parts = Math.min(Math.max(1, t.parallelism()), Math.max(1, kernelIdx.size()));
        if (!kernelIdx.isEmpty()) {
            t.parallel(parts, p -> {
                for (int j = kernelIdx.size() * p / parts; j < kernelIdx.size() * (p + 1) / parts; j++) {
                    int i = kernelIdx.get(j);
                    kernelWrong[j] = SpendRules.kernel(bodies.get(i), excess[i], group);
                }
            });
        }
        int first = Integer.MAX_VALUE;
        String why = null;
        for (int j = 0; j < proofWrong.length; j++) {
            if (proofWrong[j] != null && proofIdx.get(j) < first) {
                first = proofIdx.get(j);
                why = ProofChecks.badProof(proofWrong[j]).getMessage();
            }
        }
        for (int j = 0; j < kernelWrong.length; j++) {
            if (kernelWrong[j] != null && kernelIdx.get(j) < first) {
                first = kernelIdx.get(j);
                why = kernelWrong[j].getMessage();
            }
        }
        if (why != null) {
            throw invalid(first, txs.get(first), why);
        }
        for (int i : proofIdx) {
            checks.rememberProof(txs.get(i).hash());
        }
        for (int i : kernelIdx) {
            checks.rememberKernel(txs.get(i).hash());
        }
    }

    private static InvalidBlockException invalid(int i, VerifiedTransaction vtx, String why) {
        return new InvalidBlockException("transaction " + i + " (" + vtx.hash() + "): " + why, i);
    }

    // ---------------------------------------------------------------- the pool's contract

    /**
     * A spend consumes its input coins and produces its outputs. Its range proof needs no state, so it is checked
     * here, outside the pool's lock, in a batch with the proofs arriving at the same time ({@link ProofChecks}).
     */
    @Override
    public Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        Group group = group(suite());
        PrivateBody body = PrivateBody.of(tx, group, prepared).orReject();
        checks.admitProof(tx.hash(), body, group);
        return CoinLedger.claims(body.inputs, tx.hash(), body.outputs.size());
    }

    /** Each transaction's range proof goes to the queue now, so a batch's proofs are checked together. */
    @Override
    public void prepare(List<VerifiedTransaction> txs) {
        Group group = group(suite());
        for (VerifiedTransaction tx : txs) {
            PrivateBody.Decoded d = PrivateBody.of(tx, group);
            if (d.ok()) {
                checks.startProof(tx.hash(), d.body(), group);
                synchronized (prepared) {
                    prepared.put(tx.hash(), d);
                }
            }
        }
    }

    @Override
    public boolean prepares() {
        return true;
    }

    @Override
    public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit)
            throws TxRejectedException {
        return CoinLedger.available(state, key);
    }

    @Override
    public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
        return CoinLedger.doubleSpend(CoinId.of(key), holder);
    }

    /** Each input from the pending transaction that makes it, else from the state; the spend rules; the kernel. */
    @Override
    public void admit(VerifiedTransaction tx, StateView state, Pending pending) throws TxRejectedException {
        Group group = group(suite());
        int sealed = SealedOpening.size(group);
        PrivateBody body = PrivateBody.of(tx, group, prepared).orReject();
        LedgerState.admitChain(tx, state);
        ECPoint excess = SpendRules.check(tx, body, id -> {
            PrivateCoin c = pendingOutput(pending, id, group);
            return c != null ? c : PrivateCoin.load(state, id, sealed);
        }, auditor(state) != null, group);
        if (!checks.kernelChecked(tx.hash())) {
            TxRejectedException wrong = SpendRules.kernel(body, excess, group);
            if (wrong != null) {
                throw wrong;
            }
            checks.rememberKernel(tx.hash());
        }
    }

    private static PrivateCoin pendingOutput(Pending pending, CoinId id, Group group) {
        Optional<VerifiedTransaction> producer = pending.producer(id.poolKey());
        if (producer.isEmpty() || !producer.get().hash().equals(id.txHash())) {
            return null;
        }
        PrivateBody.Decoded d = PrivateBody.of(producer.get(), group);
        long k = id.indexValue();
        if (!d.ok() || k >= d.body().outputs.size()) {
            return null;
        }
        PrivateBody.Output o = d.body().outputs.get((int) k);
        return new PrivateCoin(o.owner(), o.commitmentBytes(), o.sealedToOwner());
    }

    // ---------------------------------------------------------------- the users' surface

    /**
     * Refused: amounts are hidden. A holder reads its balance by opening its coins with its key ({@code cairn query
     * balance --key}).
     */
    @Override
    public BigInteger balance(StateView state, Address account) {
        throw new UnsupportedOperationException("the private ledger hides amounts: " + account
                + "'s balance is known only to its key's holder (cairn query balance --key), its coins are in "
                + PrivateQuery.METHOD);
    }

    /**
     * inputs ({@code [{"txHash", "index"}]}), outputs ({@code [{"owner", "commitment", "sealedToOwner",
     * "sealedToAuditor"}]}, the last null without an auditor), {@code fee} (decimal string), {@code rangeProof} and
     * {@code kernel}: bytes as 0x hex. No amount.
     */
    @Override
    public Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        Group group = group(suite());
        PrivateBody body = PrivateBody.of(tx, group, prepared).orReject();
        List<Object> outputs = new ArrayList<>(body.outputs.size());
        for (PrivateBody.Output o : body.outputs) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("owner", o.owner().toString());
            out.put("commitment", Bytes.toHex(o.commitmentBytes()));
            out.put("sealedToOwner", Bytes.toHex(o.sealedToOwner()));
            out.put("sealedToAuditor", o.sealedToAuditor() == null ? null : Bytes.toHex(o.sealedToAuditor()));
            outputs.add(out);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("inputs", CoinLedger.describe(body.inputs));
        fields.put("outputs", outputs);
        fields.put("fee", Long.toUnsignedString(body.fee));
        fields.put("rangeProof", Bytes.toHex(body.proof.encode(group)));
        fields.put("kernel", Bytes.toHex(body.kernel));
        return fields;
    }

    @Override
    public List<LedgerQuery> queries() {
        return queries;
    }

    @Override
    public Hash stateRoot(StateView state) {
        return LedgerState.stateRoot(suite(), state);
    }

    @Override
    public boolean inAccumulator(byte[] key) {
        return LedgerState.isAccumulated(key) && !CoinIndex.isKey(key);
    }

    @Override
    public boolean derived(byte[] key) {
        return CoinIndex.isKey(key);
    }

    @Override
    public void derive(byte[] key, byte[] value, WriteBatch out) {
        CoinLedger.derive(key, value, PrivateCoin.codec(sealedSize()), out);
    }
}
