package io.cairn.rules.internal;

import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Governance;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.ledger.LedgerKey;
import io.cairn.api.node.ChainRules;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of governance transactions (docs/upgrades.md, "Chain-wide upgrades"): who may propose, vote, cancel
 * and report ready, and what each does to the plans. Pure functions of the chain spec, the plans and the block
 * number; the same on every node.
 */
final class GovernanceRules {
    /**
     * A plan's height must be more than this many blocks after the block that holds its proposal, so that it can
     * still be voted on, whatever lead the nodes' pools ask for.
     */
    static final int CHAIN_MIN_LEAD = 2;
    /** The pool keys of governance transactions start with this byte, which no ledger model uses. */
    static final int KEY_TAG = 0xff;

    private GovernanceRules() {}

    /** The decoded body of a governance transaction, memoised on the transaction. */
    static Governance body(VerifiedTransaction tx) throws TxRejectedException {
        Object d = tx.decoded(GovernanceRules.class, t -> {
            try {
                return Governance.decode(t.envelope().body());
            } catch (MalformedDataException e) {
                return e;
            }
        });
        if (d instanceof MalformedDataException e) {
            throw new TxRejectedException(Reason.MALFORMED, e.getMessage());
        }
        return (Governance) d;
    }

    static boolean isGovernance(VerifiedTransaction tx) {
        return tx.envelope().ledger() == Envelope.GOVERNANCE;
    }

    /** The one key a governance transaction consumes: a sealer votes once per plan and kind; one proposal per component. */
    static Claims claims(VerifiedTransaction tx) throws TxRejectedException {
        Governance g = body(tx);
        if (tx.envelope().publicKeys().size() != 1) {
            throw new TxRejectedException(Reason.EXTRA_SIGNER, "a governance transaction is signed by one sealer; this "
                    + "one has " + tx.envelope().publicKeys().size() + " signers");
        }
        return new Claims(List.of(key(g, Bytes.toHex(tx.envelope().publicKeys().get(0)))), List.of());
    }

    static LedgerKey key(Governance g, String sealerHex) {
        if (g.kind() == Governance.PROPOSE) {
            byte[] c = g.component().getBytes(StandardCharsets.UTF_8);
            byte[] k = new byte[2 + c.length];
            k[0] = (byte) KEY_TAG;
            k[1] = (byte) g.kind();
            System.arraycopy(c, 0, k, 2, c.length);
            return LedgerKey.of(k);
        }
        byte[] sealer = Bytes.fromHex(sealerHex);
        byte[] k = new byte[2 + 32 + sealer.length];
        k[0] = (byte) KEY_TAG;
        k[1] = (byte) g.kind();
        System.arraycopy(g.plan().toByteArray(), 0, k, 2, 32);
        System.arraycopy(sealer, 0, k, 34, sealer.length);
        return LedgerKey.of(k);
    }

    static boolean isKey(LedgerKey key) {
        return key.tag() == KEY_TAG;
    }

    /** The signer's index among the chain's sealers. */
    static int sealer(ChainSpec spec, VerifiedTransaction tx) throws TxRejectedException {
        String hex = Bytes.toHex(tx.envelope().publicKeys().get(0));
        int i = spec.sealers().indexOf(hex);
        if (i < 0) {
            throw new TxRejectedException(Reason.NOT_A_SEALER, "governance transactions are signed by a sealer of the "
                    + "chain; " + tx.sender() + " (public key " + hex + ") is not one");
        }
        return i;
    }

    /**
     * What the transaction does to {@code plans} in block {@code block}, or a refusal naming the rule.
     *
     * @param installed the rules versions of each component this node can run; null in a block (the chain's rules do
     *                  not depend on what a node has installed)
     */
    static Plans apply(ChainSpec spec, Plans plans, VerifiedTransaction tx, long block) throws TxRejectedException {
        Governance g = body(tx);
        if (tx.envelope().publicKeys().size() != 1) {
            throw new TxRejectedException(Reason.EXTRA_SIGNER, "a governance transaction is signed by one sealer");
        }
        int s = sealer(spec, tx);
        int quorum = spec.quorum();
        switch (g.kind()) {
            case Governance.PROPOSE -> {
                if (!ChainRules.SCHEDULED.contains(g.component())) {
                    throw refused("component '" + g.component() + "' has no rules an upgrade plan can schedule (only "
                            + String.join(", ", ChainRules.SCHEDULED) + ")");
                }
                if (Long.compareUnsigned(g.height(), block + CHAIN_MIN_LEAD) <= 0) {
                    throw refused("height " + Long.toUnsignedString(g.height()) + " is too close: a plan proposed in block "
                            + block + " activates after block " + (block + CHAIN_MIN_LEAD));
                }
                Plans.Plan open = plans.open(g.component(), block);
                if (open != null) {
                    throw refused("plan " + open.id() + " for " + g.component() + " (rules " + open.rules() + " at height "
                            + Long.toUnsignedString(open.height()) + ") is still open: cancel it first");
                }
                int current = plans.rulesAt(g.component(), g.height());
                if (g.rules() == current) {
                    throw refused(g.component() + " already runs rules " + current + " at height "
                            + Long.toUnsignedString(g.height()));
                }
                if (plans.find(tx.hash()) != null) {
                    throw refused("plan " + tx.hash() + " exists already");
                }
                Plans.Status status = 1 >= quorum ? Plans.Status.ACCEPTED : Plans.Status.VOTING;
                Plans after = plans.add(new Plans.Plan(tx.hash(), g.component(), g.rules(), g.height(), g.jarHash(),
                        block, status, List.of(s), List.of(), List.of()), block);
                if (after == null) {
                    throw refused("the chain holds " + Plans.MAX_PLANS + " plans that are all accepted or still open: "
                            + "no more can be proposed");
                }
                return after;
            }
            case Governance.VOTE -> {
                Plans.Plan p = existing(plans, g.plan());
                if (p.status() != Plans.Status.VOTING) {
                    throw refused("plan " + p.id() + " is " + p.state(block - 1) + ": no more votes are taken");
                }
                if (Long.compareUnsigned(p.height(), block) <= 0) {
                    throw refused("plan " + p.id() + " expired: its height " + Long.toUnsignedString(p.height())
                            + " was reached without " + quorum + " votes");
                }
                if (p.votes().contains(s)) {
                    throw refused("sealer " + s + " has voted for plan " + p.id() + " already");
                }
                List<Integer> votes = new ArrayList<>(p.votes());
                votes.add(s);
                Plans.Status status = votes.size() >= quorum ? Plans.Status.ACCEPTED : Plans.Status.VOTING;
                return plans.replace(p.with(status, votes, p.cancels(), p.ready()));
            }
            case Governance.CANCEL -> {
                Plans.Plan p = existing(plans, g.plan());
                if (p.status() == Plans.Status.CANCELLED) {
                    throw refused("plan " + p.id() + " is cancelled already");
                }
                if (Long.compareUnsigned(p.height(), block) <= 0) {
                    throw refused("plan " + p.id() + " cannot be cancelled: its height " + Long.toUnsignedString(p.height())
                            + " is reached");
                }
                if (p.cancels().contains(s)) {
                    throw refused("sealer " + s + " has voted to cancel plan " + p.id() + " already");
                }
                List<Integer> cancels = new ArrayList<>(p.cancels());
                cancels.add(s);
                Plans.Status status = cancels.size() >= quorum ? Plans.Status.CANCELLED : p.status();
                return plans.replace(p.with(status, p.votes(), cancels, p.ready()));
            }
            case Governance.READY -> {
                Plans.Plan p = existing(plans, g.plan());
                if (p.status() == Plans.Status.CANCELLED) {
                    throw refused("plan " + p.id() + " is cancelled");
                }
                if (p.ready().contains(s)) {
                    throw refused("sealer " + s + " has reported ready for plan " + p.id() + " already");
                }
                List<Integer> ready = new ArrayList<>(p.ready());
                ready.add(s);
                return plans.replace(p.with(p.status(), p.votes(), p.cancels(), ready));
            }
            default -> throw new TxRejectedException(Reason.MALFORMED, "governance body: kind " + g.kind());
        }
    }

    private static Plans.Plan existing(Plans plans, Hash id) throws TxRejectedException {
        Plans.Plan p = plans.find(id);
        if (p == null) {
            throw refused("there is no plan " + id);
        }
        return p;
    }

    static TxRejectedException refused(String why) {
        return new TxRejectedException(Reason.PLAN_REFUSED, why);
    }

    /** The fields {@code getTransaction} shows for a governance transaction. */
    static Map<String, Object> describe(VerifiedTransaction tx) throws TxRejectedException {
        Governance g = body(tx);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", g.kindName());
        if (g.kind() == Governance.PROPOSE) {
            out.put("component", g.component());
            out.put("rules", g.rules());
            out.put("height", unsigned(g.height()));
            out.put("jarHash", g.jarHash().toHex());
        } else {
            out.put("plan", g.plan().toHex());
        }
        return out;
    }

    /** A plan as {@code getUpgradePlans} shows it. */
    /** The pool's refusal of {@code tx} while {@code holder}, of the same kind and plan (or component), is pending. */
    static TxRejectedException conflict(VerifiedTransaction tx, Hash holder) {
        try {
            Governance g = body(tx);
            return refused(g.kind() == Governance.PROPOSE
                    ? "a proposal for " + g.component() + " is pending already (transaction " + holder + ")"
                    : "this sealer's " + g.kindName() + " for plan " + g.plan() + " is pending already (transaction "
                            + holder + ")");
        } catch (TxRejectedException e) {
            return e;
        }
    }

    static Map<String, Object> json(ChainSpec spec, Plans.Plan p, long head, List<Integer> installed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", p.id().toHex());
        out.put("component", p.component());
        out.put("rules", p.rules());
        out.put("height", unsigned(p.height()));
        out.put("jarHash", p.jar().toHex());
        out.put("proposedIn", unsigned(p.proposedIn()));
        out.put("state", p.state(head));
        out.put("votes", keys(spec, p.votes()));
        out.put("cancelVotes", keys(spec, p.cancels()));
        out.put("ready", keys(spec, p.ready()));
        out.put("quorum", spec.quorum());
        out.put("installedHere", installed.contains(p.rules()));
        return out;
    }

    /** A u64 as JSON: exact, never negative. */
    static Object unsigned(long v) {
        return v >= 0 ? (Object) v : new java.math.BigInteger(Long.toUnsignedString(v));
    }

    private static List<String> keys(ChainSpec spec, List<Integer> sealers) {
        List<String> out = new ArrayList<>(sealers.size());
        for (int s : sealers) {
            out.add(s < spec.sealers().size() ? spec.sealers().get(s) : "sealer " + s);
        }
        return out;
    }
}
