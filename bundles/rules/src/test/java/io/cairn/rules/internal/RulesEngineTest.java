package io.cairn.rules.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Governance;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Receipt;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite.KeyPair;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.ledger.LedgerQuery;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.InvalidBlockException;
import io.cairn.api.node.LedgerModel;
import io.cairn.api.node.RulesMissingException;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.StateView;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import io.cairn.api.storage.Keys;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Upgrade plans agreed by 2f+1 sealers switch the ledger model's rules at their height, and only then. */
class RulesEngineTest {
    static final long CHAIN = 5;
    static final KeyedSuite SUITE = new KeyedSuite("secp256k1");
    static final List<KeyPair> SEALERS = List.of(SUITE.key("sealer 0"), SUITE.key("sealer 1"), SUITE.key("sealer 2"),
            SUITE.key("sealer 3"));
    static final ChainSpec SPEC = new ChainSpec(CHAIN, "secp256k1", "account", 0,
            SEALERS.stream().map(k -> Bytes.toHex(k.publicKey())).toList());
    static final TransactionVerifier VERIFIER = new TransactionVerifier(SPEC, SUITE);
    static final Hash JAR = Hash.of(SUITE.hash("the rules-2 jar".getBytes(StandardCharsets.UTF_8)));

    final TreeMap<byte[], byte[]> state = new TreeMap<>(Arrays::compareUnsigned);
    final FakeModel v1 = new FakeModel(1);
    final FakeModel v2 = new FakeModel(2);
    long block;

    RulesEngine engine(FakeModel... models) {
        RulesEngine e = new RulesEngine(SUITE, SPEC, null, Arrays.stream(models)
                .map(m -> new RulesEngine.Installed(m, m.rules)).toArray(RulesEngine.Installed[]::new));
        e.addFormat(io.cairn.api.testing.PlainBlockFormat.INSTANCE, 1);
        return e;
    }

    StateTransition run(RulesEngine e, VerifiedTransaction... txs) {
        block++;
        StateTransition t = e.apply(block, List.of(txs), state::get);
        for (WriteBatch.Op op : t.writes().ops()) {
            state.put(op.key(), op.value());
        }
        return t;
    }

    static VerifiedTransaction gov(int sealer, Governance g) {
        return VERIFIER.committed(Envelope.sign(SUITE, CHAIN, Envelope.GOVERNANCE, g.encode(),
                List.of(SEALERS.get(sealer).privateKey())).encoded());
    }

    static VerifiedTransaction govBy(KeyPair key, Governance g) {
        return VERIFIER.committed(Envelope.sign(SUITE, CHAIN, Envelope.GOVERNANCE, g.encode(),
                List.of(key.privateKey())).encoded());
    }

    static VerifiedTransaction transfer(int n) {
        return VERIFIER.committed(Envelope.sign(SUITE, CHAIN, Envelope.ACCOUNT, new byte[] {(byte) n},
                List.of(SUITE.key("user").privateKey())).encoded());
    }

    Plans plans() {
        return Plans.load(state::get);
    }

    @Test
    void aPlanVotedBy2fPlus1SealersSwitchesTheRulesAtItsHeightAndNotBefore() {
        RulesEngine e = engine(v1, v2);
        VerifiedTransaction propose = gov(0, Governance.propose("ledger-model", 2, 8, JAR));
        run(e, propose);
        Hash plan = propose.hash();
        assertEquals(Plans.Status.VOTING, plans().find(plan).status(), "one vote of the three needed");
        run(e, gov(1, Governance.vote(plan)), transfer(1));
        assertEquals(Plans.Status.VOTING, plans().find(plan).status());
        StateTransition accepted = run(e, gov(2, Governance.vote(plan)));
        assertEquals(Plans.Status.ACCEPTED, plans().find(plan).status());
        assertEquals(List.of(0, 1, 2), plans().find(plan).votes());
        assertEquals(Receipt.Status.SUCCESS, accepted.receipts().get(0).status());

        while (block < 7) {
            StateTransition t = run(e, transfer((int) block));
            assertEquals("rules 1", t.receipts().get(0).message(), "block " + block + " runs the old rules");
        }
        StateTransition at = run(e, transfer(8));
        assertEquals(8, block);
        assertEquals("rules 2", at.receipts().get(0).message(), "the plan's height runs the new rules");
        assertEquals("rules 2", run(e, transfer(9)).receipts().get(0).message());
        assertEquals(2, e.rulesVersion("ledger-model", 9, state::get));
        assertEquals(1, e.rulesVersion("ledger-model", 7, state::get), "history keeps its rules");

        Map<String, Object> shown = e.plans(state::get, block).get(0);
        assertEquals("active", shown.get("state"));
        assertEquals(List.of(SPEC.sealers().get(0), SPEC.sealers().get(1), SPEC.sealers().get(2)), shown.get("votes"));
        assertEquals(true, shown.get("installedHere"));
    }

    @Test
    void aNodeWithoutTheNewRulesStopsBeforeTheHeightAndGoesOnOnceTheyAreInstalled() {
        RulesEngine e = engine(v1);
        run(e, gov(0, Governance.propose("ledger-model", 2, 6, JAR)));
        Hash plan = plans().plans().get(0).id();
        run(e, gov(1, Governance.vote(plan)), gov(3, Governance.vote(plan)));
        while (block < 5) {
            run(e, transfer((int) block));
        }
        RulesMissingException missing = assertThrows(RulesMissingException.class,
                () -> e.apply(6, List.of(transfer(6)), state::get));
        assertTrue(missing.getMessage().startsWith("block 6 runs the account ledger model with rules 2 (plan " + plan
                + ", jar " + JAR + "), which this node has not installed (installed: rules [1])"), missing.getMessage());
        assertEquals(2, missing.rules());

        RulesEngine staged = engine(v1, v2);
        assertEquals("rules 2", staged.apply(6, List.of(transfer(6)), state::get).receipts().get(0).message());
    }

    /** A block format that says which rules made the header in its extra data. */
    record FakeFormat(int rules) implements io.cairn.api.node.BlockFormat {
        @Override
        public Health health() {
            return Health.ready("format " + rules);
        }

        @Override
        public io.cairn.api.chain.BlockHeader next(io.cairn.api.crypto.CryptoSuite suite,
                io.cairn.api.chain.BlockHeader parent, long timestamp, byte[] sealer, Hash txRoot, int txCount,
                List<Receipt> receipts, Hash stateRoot) {
            return new io.cairn.api.chain.BlockHeader(1, CHAIN, parent.number() + 1, Hash.ZERO, timestamp, txRoot,
                    Hash.ZERO, stateRoot, txCount, sealer, new byte[] {(byte) rules});
        }
    }

    @Test
    void aBlockFormatPlanSwitchesTheFormatAtItsHeightAndANodeWithoutItWaits() {
        RulesEngine e = engine(v1);
        FakeFormat f1 = new FakeFormat(1);
        FakeFormat f2 = new FakeFormat(2);
        e.addFormat(f1, 1);
        VerifiedTransaction propose = gov(0, Governance.propose("block-format", 2, 6, JAR));
        assertEquals(Receipt.Status.SUCCESS, run(e, propose).receipts().get(0).status());
        run(e, gov(1, Governance.vote(propose.hash())), gov(2, Governance.vote(propose.hash())));
        assertEquals(Plans.Status.ACCEPTED, plans().find(propose.hash()).status());
        assertEquals(false, e.plans(state::get, block).get(0).get("installedHere"));
        while (block < 5) {
            assertEquals(f1, e.blockFormat(block + 1, state::get), "block " + (block + 1) + " keeps the old format");
            run(e, transfer((int) block));
        }
        RulesMissingException missing = assertThrows(RulesMissingException.class, () -> e.blockFormat(6, state::get));
        assertEquals("block 6 runs the block format with rules 2 (plan " + propose.hash() + ", jar " + JAR
                + "), which this node has not installed (installed: rules [1]): stage the plan's jar (cairn:stage) and "
                + "the node goes on", missing.getMessage());
        assertEquals("block-format", missing.component());

        e.addFormat(f2, 2);
        assertEquals(f2, e.blockFormat(6, state::get));
        assertEquals(f1, e.blockFormat(5, state::get), "history keeps its format");
        assertEquals(new java.util.TreeSet<>(List.of(1, 2)), e.installed("block-format"));
        assertEquals(true, e.plans(state::get, block).get(0).get("installedHere"));
        assertEquals("rules 1", run(e, transfer(6)).receipts().get(0).message(), "the ledger model is unchanged");
    }

    @Test
    void aPlanWithoutEnoughVotesNeverActivates() {
        RulesEngine e = engine(v1, v2);
        run(e, gov(0, Governance.propose("ledger-model", 2, 5, JAR)));
        Hash plan = plans().plans().get(0).id();
        run(e, gov(1, Governance.vote(plan)));
        while (block < 6) {
            assertEquals("rules 1", run(e, transfer((int) block)).receipts().get(0).message());
        }
        assertEquals("expired", e.plans(state::get, block).get(0).get("state"));
        StateTransition late = run(e, gov(2, Governance.vote(plan)));
        assertEquals(Receipt.Status.REFUSED, late.receipts().get(0).status());
        assertEquals("plan " + plan + " expired: its height 5 was reached without 3 votes", late.receipts().get(0).message());
        assertEquals("rules 1", run(e, transfer(9)).receipts().get(0).message());
    }

    @Test
    void cancellingTakes2fPlus1VotesBeforeTheHeight() {
        RulesEngine e = engine(v1, v2);
        run(e, gov(0, Governance.propose("ledger-model", 2, 9, JAR)));
        Hash plan = plans().plans().get(0).id();
        run(e, gov(1, Governance.vote(plan)), gov(2, Governance.vote(plan)));
        run(e, gov(0, Governance.cancel(plan)), gov(1, Governance.cancel(plan)));
        assertEquals(Plans.Status.ACCEPTED, plans().find(plan).status(), "two cancel votes of the three needed");
        run(e, gov(3, Governance.cancel(plan)));
        assertEquals(Plans.Status.CANCELLED, plans().find(plan).status());
        while (block < 10) {
            assertEquals("rules 1", run(e, transfer((int) block)).receipts().get(0).message());
        }
        StateTransition after = run(e, gov(2, Governance.cancel(plan)));
        assertEquals("plan " + plan + " is cancelled already", after.receipts().get(0).message());

        // a new plan for the component can be proposed once the old one is closed
        StateTransition again = run(e, gov(1, Governance.propose("ledger-model", 2, 20, JAR)));
        assertEquals(Receipt.Status.SUCCESS, again.receipts().get(0).status());
    }

    @Test
    void theRulesRefuseWhatNoPlanMayDoWithAReceiptThatSaysWhy() {
        RulesEngine e = engine(v1, v2);
        KeyPair stranger = SUITE.key("not a sealer");
        List<VerifiedTransaction> txs = List.of(
                govBy(stranger, Governance.propose("ledger-model", 2, 50, JAR)),
                gov(0, Governance.propose("ledger-model", 2, 2, JAR)),
                gov(0, Governance.propose("executor", 2, 50, JAR)),
                gov(0, Governance.propose("ledger-model", 1, 50, JAR)),
                gov(0, Governance.vote(JAR)));
        StateTransition t = run(e, txs.toArray(new VerifiedTransaction[0]));
        List<String> why = t.receipts().stream().map(Receipt::message).toList();
        assertEquals(List.of(
                "governance transactions are signed by a sealer of the chain; " + txs.get(0).sender() + " (public key "
                        + Bytes.toHex(stranger.publicKey()) + ") is not one",
                "height 2 is too close: a plan proposed in block 1 activates after block 3",
                "component 'executor' has no rules an upgrade plan can schedule (only ledger-model, block-format)",
                "ledger-model already runs rules 1 at height 50",
                "there is no plan " + JAR), why);
        assertTrue(t.receipts().stream().allMatch(r -> r.status() == Receipt.Status.REFUSED));
        assertEquals(null, state.get(Plans.KEY), "nothing was planned");

        VerifiedTransaction p = gov(0, Governance.propose("ledger-model", 2, 50, JAR));
        run(e, p);
        StateTransition twice = run(e, gov(0, Governance.vote(p.hash())),
                gov(1, Governance.propose("ledger-model", 3, 60, JAR)));
        assertEquals("sealer 0 has voted for plan " + p.hash() + " already", twice.receipts().get(0).message());
        assertEquals("plan " + p.hash() + " for ledger-model (rules 2 at height 50) is still open: cancel it first",
                twice.receipts().get(1).message());
    }

    @Test
    void thePoolRefusesGovernanceTransactionsWithTheirOwnCodes() throws Exception {
        RulesEngine e = engine(v1, v2);
        e.activate(config(20));
        StateView s = state::get;
        TxRejectedException stranger = assertThrows(TxRejectedException.class, () -> e.admit(
                govBy(SUITE.key("x"), Governance.propose("ledger-model", 2, 100, JAR)), s, Pending.NONE));
        assertEquals(Reason.NOT_A_SEALER, stranger.reason());
        assertEquals(-32030, stranger.reason().code);
        TxRejectedException close = assertThrows(TxRejectedException.class,
                () -> e.admit(gov(0, Governance.propose("ledger-model", 2, 15, JAR)), s, Pending.NONE));
        assertEquals(Reason.PLAN_REFUSED, close.reason());
        assertEquals("height 15 is too close: this node takes plans at least 20 blocks ahead of its head 0 (minLeadBlocks)",
                close.getMessage());
        e.admit(gov(0, Governance.propose("ledger-model", 2, 20, JAR)), s, Pending.NONE);

        // one pending proposal per component; one pending vote per sealer and plan
        Claims a = e.claims(gov(0, Governance.propose("ledger-model", 2, 30, JAR)));
        Claims b = e.claims(gov(1, Governance.propose("ledger-model", 3, 40, JAR)));
        assertEquals(a.consumes(), b.consumes());
        Claims v = e.claims(gov(1, Governance.vote(JAR)));
        assertNotEquals(v.consumes(), e.claims(gov(2, Governance.vote(JAR))).consumes());
        assertEquals(0xff, v.consumes().get(0).tag());
        assertEquals("a proposal for ledger-model is pending already (transaction " + JAR + ")",
                e.conflict(gov(1, Governance.propose("ledger-model", 3, 40, JAR)), a.consumes().get(0), JAR).getMessage());

        TxRejectedException bad = assertThrows(TxRejectedException.class, () -> e.claims(VERIFIER.committed(
                Envelope.sign(SUITE, CHAIN, Envelope.GOVERNANCE, new byte[] {9}, List.of(SEALERS.get(0).privateKey()))
                        .encoded())));
        assertEquals(Reason.MALFORMED, bad.reason());
        assertEquals("governance body: kind 9 is not 1 (propose), 2 (vote), 3 (cancel) or 4 (ready)", bad.getMessage());
        assertEquals("io.cairn.rules: minLeadBlocks must be at least 4, got 3", assertThrows(
                IllegalArgumentException.class, () -> e.activate(config(3)), "a lead the chain cannot honour").getMessage());
        e.activate(config(4));
    }

    @Test
    void aBlockMixingGovernanceAndTransfersKeepsBlockOrderInReceiptsAndRefusals() {
        RulesEngine e = engine(v1);
        StateTransition t = run(e, transfer(1), gov(0, Governance.propose("ledger-model", 2, 40, JAR)), transfer(2));
        assertEquals(List.of(0, 1, 2), t.receipts().stream().map(Receipt::index).toList());
        assertEquals(List.of("rules 1", "", "rules 1"), t.receipts().stream().map(Receipt::message).toList());

        v1.refuse = 1; // the model refuses its second transaction: the block's third
        VerifiedTransaction bad = transfer(3);
        InvalidBlockException x = assertThrows(InvalidBlockException.class, () -> e.apply(block + 1,
                List.of(transfer(4), gov(1, Governance.vote(t.receipts().get(1).txHash())), bad), state::get));
        assertEquals("transaction 2 (" + bad.hash() + "): refused by the fake", x.getMessage());
        assertEquals(2, x.transaction().getAsInt());
    }

    @Test
    void theStateRootBindsThePlansOnceThereAreAny() {
        RulesEngine e = engine(v1);
        StateTransition plain = run(e, transfer(1));
        assertEquals(v1.root(1), plain.stateRoot(), "no plans: the model's own root, as before upgrades existed");
        StateTransition planned = run(e, gov(0, Governance.propose("ledger-model", 2, 40, JAR)));
        byte[] both = new byte[64];
        System.arraycopy(v1.root(2).toByteArray(), 0, both, 0, 32);
        System.arraycopy(SUITE.hash(state.get(Plans.KEY)), 0, both, 32, 32);
        assertEquals(Hash.of(SUITE.hash(both)), planned.stateRoot());
        assertEquals(Hash.of(SUITE.hash(both)).toHex().length(), 66);
        assertEquals(Keys.GOVERNANCE, Plans.KEY[0]);
    }

    @Test
    void plansDecodeAsEncodedAndRefuseWhatIsNot() {
        Plans p = new Plans(List.of(new Plans.Plan(JAR, "ledger-model", 2, 100, JAR, 7, Plans.Status.ACCEPTED,
                List.of(0, 2, 3), List.of(1), List.of(0))));
        assertEquals(p, Plans.decode(p.encode()));
        byte[] b = p.encode();
        b[0] = 2;
        assertEquals("upgrade plans (g plans): format 2, this engine reads 1",
                assertThrows(MalformedDataException.class, () -> Plans.decode(b)).getMessage());
        assertThrows(MalformedDataException.class, () -> Plans.decode(Arrays.copyOf(p.encode(), 40)));
    }

    @Test
    void plansThatCanAllStillMatterAreKeptAndANewOneRefusedWhenTheyFillTheState() {
        List<Plans.Plan> many = new ArrayList<>();
        for (int i = 0; i < Plans.MAX_PLANS; i++) {
            Hash id = Hash.of(SUITE.hash(new byte[] {(byte) i, (byte) (i >> 8)}));
            many.add(new Plans.Plan(id, "ledger-model", 2 + i, 100 + i, JAR, 1, i == 0 ? Plans.Status.CANCELLED
                    : Plans.Status.ACCEPTED, List.of(0), List.of(), List.of()));
        }
        Plans full = new Plans(many);
        Plans.Plan next = new Plans.Plan(JAR, "ledger-model", 999, 999, JAR, 2, Plans.Status.VOTING, List.of(0),
                List.of(), List.of());
        Plans after = full.add(next, 50);
        assertEquals(Plans.MAX_PLANS, after.plans().size(), "the cancelled plan is forgotten");
        assertEquals(next, after.plans().get(Plans.MAX_PLANS - 1));
        assertEquals(null, after.add(new Plans.Plan(Hash.ZERO, "ledger-model", 1000, 1000, JAR, 3, Plans.Status.VOTING,
                List.of(0), List.of(), List.of()), 50), "256 plans that still matter: no room");
        assertEquals(after, Plans.decode(after.encode()));
    }

    @Test
    void aModelWhoseRulesVersionDoesNotParseIsNotUsedAndTheHealthSaysWhy() {
        RulesEngine e = engine(v1);
        @SuppressWarnings("unchecked")
        org.osgi.framework.ServiceReference<LedgerModel> ref = (org.osgi.framework.ServiceReference<LedgerModel>)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {org.osgi.framework.ServiceReference.class},
                        (proxy, method, args) -> switch (method.getName()) {
                            case "getProperty" -> "cairn.rules".equals(args[0]) ? "two" : null;
                            default -> null;
                        });
        e.bindModel(ref, v2);
        assertEquals(new java.util.TreeSet<>(List.of(1)), e.installed("ledger-model"));
        assertTrue(e.health().detail().endsWith("; not used: an engine declares the service property cairn.rules "
                + "'two': a rules version is an integer of 1 or more"), e.health().detail());
        e.unbindModel(v2);
        assertTrue(!e.health().detail().contains("not used"), e.health().detail());
        assertEquals("ledger model account, rules 1; block format rules 1", e.health().detail());
    }

    static RulesEngine.Config config(int lead) {
        return new RulesEngine.Config() {
            @Override
            public int minLeadBlocks() {
                return lead;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return RulesEngine.Config.class;
            }
        };
    }

    /** A ledger model whose receipts and root say which rules ran them. */
    static final class FakeModel implements LedgerModel {
        final int rules;
        int refuse = -1;

        FakeModel(int rules) {
            this.rules = rules;
        }

        Hash root(long block) {
            return Hash.of(SUITE.hash(("root " + block).getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public Health health() {
            return Health.ready("fake");
        }

        @Override
        public String model() {
            return "account";
        }

        @Override
        public StateTransition genesis(Genesis genesis) {
            return new StateTransition(List.of(), new WriteBatch(), root(0));
        }

        @Override
        public StateTransition apply(long blockNumber, List<VerifiedTransaction> txs, StateView parent) {
            List<Receipt> out = new ArrayList<>();
            for (int i = 0; i < txs.size(); i++) {
                if (i == refuse) {
                    throw new InvalidBlockException("transaction " + i + " (" + txs.get(i).hash()
                            + "): refused by the fake", i);
                }
                assertEquals(Envelope.ACCOUNT, txs.get(i).envelope().ledger(), "a model sees its own transactions only");
                out.add(new Receipt(txs.get(i).hash(), blockNumber, i, txs.get(i).sender(), Receipt.Status.SUCCESS,
                        "rules " + rules));
            }
            return new StateTransition(out, new WriteBatch(), root(blockNumber));
        }

        @Override
        public Claims claims(VerifiedTransaction tx) {
            return new Claims(List.of(), List.of());
        }

        @Override
        public boolean available(StateView state, LedgerKey key, Pending pending, int holdLimit) {
            return true;
        }

        @Override
        public TxRejectedException conflict(VerifiedTransaction tx, LedgerKey key, Hash holder) {
            return new TxRejectedException(Reason.DUPLICATE, "conflict");
        }

        @Override
        public void admit(VerifiedTransaction tx, StateView state, Pending pending) {}

        @Override
        public BigInteger balance(StateView state, Address account) {
            return BigInteger.ZERO;
        }

        @Override
        public Map<String, Object> describe(VerifiedTransaction tx) {
            return Map.of();
        }

        @Override
        public List<LedgerQuery> queries() {
            return List.of();
        }

        @Override
        public Hash stateRoot(StateView state) {
            return root(-1);
        }
    }
}
