package io.cairn.rules.internal;

import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.node.StateView;
import io.cairn.api.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The chain's upgrade plans, the governance state (docs/upgrades.md, "Chain-wide upgrades"): one entry,
 * {@code g plans}, absent until the first plan is proposed.
 *
 * <pre>
 * u8 1 | u32 n | n x plan
 * plan = id[32] | bytes component | u32 rules | u64 height | jarHash[32] | u64 proposedIn | u8 status
 *        | u32 k | k x u32 sealer (votes for) | u32 k | k x u32 sealer (votes to cancel) | u32 k | k x u32 sealer (ready)
 * status: 0 voting, 1 accepted, 2 cancelled
 * </pre>
 *
 * Sealers are named by their index in the genesis list, each list in the order the votes came. Immutable.
 */
record Plans(List<Plan> plans) {
    static final byte[] KEY = Keys.of(Keys.GOVERNANCE, "plans");
    static final int FORMAT = 1;
    /** Cancelled and expired plans beyond this many are forgotten, oldest first; accepted ones are kept. */
    static final int MAX_PLANS = 256;
    static final Plans NONE = new Plans(List.of());
    /** More sealers than any chain has: a bound for decoding. */
    static final int MAX_SEALERS = 1024;

    enum Status {
        VOTING, ACCEPTED, CANCELLED
    }

    record Plan(Hash id, String component, int rules, long height, Hash jar, long proposedIn, Status status,
            List<Integer> votes, List<Integer> cancels, List<Integer> ready) {

        Plan with(Status s, List<Integer> v, List<Integer> c, List<Integer> r) {
            return new Plan(id, component, rules, height, jar, proposedIn, s, List.copyOf(v), List.copyOf(c),
                    List.copyOf(r));
        }

        /** What users see at head {@code head}: voting, accepted, active, cancelled or expired. */
        String state(long head) {
            return switch (status) {
                case CANCELLED -> "cancelled";
                case ACCEPTED -> Long.compareUnsigned(height, head) <= 0 ? "active" : "accepted";
                // the block after the head is the last that could take a vote, and it takes none at the height
                case VOTING -> Long.compareUnsigned(height, head + 1) <= 0 ? "expired" : "voting";
            };
        }

        /** Still able to change the rules at its height: voting or accepted, and the height not reached by {@code block}. */
        boolean open(long block) {
            return status != Status.CANCELLED && Long.compareUnsigned(height, block) > 0;
        }
    }

    static Plans load(StateView state) {
        byte[] stored = state.get(KEY);
        return stored == null ? NONE : decode(stored);
    }

    Plan find(Hash id) {
        for (Plan p : plans) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    /** The plan of {@code component} that is open at {@code block}: voting or accepted, its height still ahead. */
    Plan open(String component, long block) {
        for (Plan p : plans) {
            if (p.component().equals(component) && p.open(block)) {
                return p;
            }
        }
        return null;
    }

    /** The rules version of {@code component} for block {@code block}: the accepted plan of the highest height reached. */
    int rulesAt(String component, long block) {
        Plan p = inForce(component, block);
        return p == null ? 1 : p.rules();
    }

    /** The accepted plan in force for {@code component} at {@code block}, or null (the genesis rules, version 1). */
    Plan inForce(String component, long block) {
        Plan best = null;
        for (Plan p : plans) {
            if (p.status() == Status.ACCEPTED && p.component().equals(component)
                    && Long.compareUnsigned(p.height(), block) <= 0
                    && (best == null || Long.compareUnsigned(p.height(), best.height()) > 0)) {
                best = p;
            }
        }
        return best;
    }

    Plans replace(Plan plan) {
        List<Plan> out = new ArrayList<>(plans);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).id().equals(plan.id())) {
                out.set(i, plan);
                return new Plans(Collections.unmodifiableList(out));
            }
        }
        throw new IllegalArgumentException("no plan " + plan.id());
    }

    /**
     * With {@code plan} added, forgetting the oldest cancelled or expired plans beyond {@link #MAX_PLANS}; null when
     * the chain holds that many plans none of which can be forgotten.
     */
    Plans add(Plan plan, long block) {
        List<Plan> out = new ArrayList<>(plans);
        out.add(plan);
        for (int i = 0; out.size() > MAX_PLANS && i < out.size(); ) {
            Plan p = out.get(i);
            boolean dead = p.status() == Status.CANCELLED
                    || p.status() == Status.VOTING && Long.compareUnsigned(p.height(), block) <= 0;
            if (dead) {
                out.remove(i);
            } else {
                i++;
            }
        }
        return out.size() > MAX_PLANS ? null : new Plans(Collections.unmodifiableList(out));
    }

    byte[] encode() {
        Encoder e = new Encoder(64 + plans.size() * 160).u8(FORMAT).u32(plans.size());
        for (Plan p : plans) {
            e.fixed(p.id().toByteArray()).bytes(p.component().getBytes(StandardCharsets.UTF_8)).u32(p.rules())
                    .u64(p.height()).fixed(p.jar().toByteArray()).u64(p.proposedIn()).u8(p.status().ordinal());
            sealers(e, p.votes());
            sealers(e, p.cancels());
            sealers(e, p.ready());
        }
        return e.toByteArray();
    }

    private static void sealers(Encoder e, List<Integer> list) {
        e.u32(list.size());
        for (int s : list) {
            e.u32(s);
        }
    }

    static Plans decode(byte[] bytes) {
        Decoder d = new Decoder(bytes, "upgrade plans (g plans)");
        int format = d.u8("format");
        if (format != FORMAT) {
            throw new MalformedDataException("upgrade plans (g plans): format " + format + ", this engine reads " + FORMAT);
        }
        int n = d.u32("count");
        if (n < 0 || n > MAX_PLANS) {
            throw new MalformedDataException("upgrade plans (g plans): " + Integer.toUnsignedString(n) + " plans");
        }
        List<Plan> plans = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Hash id = Hash.of(d.fixed(32, "id"));
            String component = new String(d.bytes(io.cairn.api.chain.Governance.MAX_COMPONENT, "component"),
                    StandardCharsets.UTF_8);
            int rules = d.u32("rules");
            long height = d.u64("height");
            Hash jar = Hash.of(d.fixed(32, "jarHash"));
            long proposedIn = d.u64("proposedIn");
            int status = d.u8("status");
            if (status >= Status.values().length) {
                throw new MalformedDataException("upgrade plans (g plans): plan " + id + " has status " + status);
            }
            plans.add(new Plan(id, component, rules, height, jar, proposedIn, Status.values()[status],
                    sealers(d, "votes"), sealers(d, "cancels"), sealers(d, "ready")));
        }
        d.end();
        return new Plans(Collections.unmodifiableList(plans));
    }

    private static List<Integer> sealers(Decoder d, String field) {
        int k = d.u32(field);
        if (k < 0 || k > MAX_SEALERS) {
            throw new MalformedDataException("upgrade plans (g plans): " + Integer.toUnsignedString(k) + " " + field);
        }
        List<Integer> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            out.add(d.u32(field));
        }
        return List.copyOf(out);
    }
}
