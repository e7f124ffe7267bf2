package io.cairn.api.chain;

import java.nio.charset.StandardCharsets;

/**
 * The body of a governance transaction (docs/upgrades.md, "Chain-wide upgrades"): an envelope of ledger
 * {@link Envelope#GOVERNANCE}, signed by one sealer, on any chain whatever its ledger model.
 *
 * <pre>
 * u8 kind
 * kind 1, propose: string component | u32 rules | u64 height | jarHash[32]   the plan's id is this transaction's hash
 * kind 2, vote:    plan[32]     for the plan
 * kind 3, cancel:  plan[32]     for cancelling the plan
 * kind 4, ready:   plan[32]     the signer's node holds the plan's jar, checked, installed beside the old rules
 * </pre>
 *
 * {@code string} is {@code u32 length | UTF-8 bytes} (at most {@link #MAX_COMPONENT} bytes). Immutable.
 */
public record Governance(int kind, String component, int rules, long height, Hash jarHash, Hash plan) {
    public static final int PROPOSE = 1;
    public static final int VOTE = 2;
    public static final int CANCEL = 3;
    public static final int READY = 4;
    public static final int MAX_COMPONENT = 64;

    public static Governance propose(String component, int rules, long height, Hash jarHash) {
        return new Governance(PROPOSE, component, rules, height, jarHash, null);
    }

    public static Governance vote(Hash plan) {
        return new Governance(VOTE, null, 0, 0, null, plan);
    }

    public static Governance cancel(Hash plan) {
        return new Governance(CANCEL, null, 0, 0, null, plan);
    }

    public static Governance ready(Hash plan) {
        return new Governance(READY, null, 0, 0, null, plan);
    }

    /** {@code propose}, {@code vote}, {@code cancel}, {@code ready}. */
    public static String kindName(int kind) {
        return switch (kind) {
            case PROPOSE -> "propose";
            case VOTE -> "vote";
            case CANCEL -> "cancel";
            case READY -> "ready";
            default -> "kind " + kind;
        };
    }

    public String kindName() {
        return kindName(kind);
    }

    public byte[] encode() {
        Encoder e = new Encoder(96).u8(kind);
        if (kind == PROPOSE) {
            e.bytes(component.getBytes(StandardCharsets.UTF_8)).u32(rules).u64(height).fixed(jarHash.raw());
        } else {
            e.fixed(plan.raw());
        }
        return e.toByteArray();
    }

    /** @throws MalformedDataException naming the field that does not decode */
    public static Governance decode(byte[] body) {
        Decoder d = new Decoder(body, "governance body");
        int kind = d.u8("kind");
        Governance g;
        switch (kind) {
            case PROPOSE -> {
                String component = new String(d.bytes(MAX_COMPONENT, "component"), StandardCharsets.UTF_8);
                int rules = d.u32("rules");
                long height = d.u64("height");
                Hash jar = Hash.of(d.fixed(32, "jarHash"));
                if (component.isEmpty()) {
                    throw new MalformedDataException("governance body: the component is empty");
                }
                if (rules < 1) {
                    throw new MalformedDataException("governance body: rules version " + Integer.toUnsignedString(rules)
                            + " is not 1 or more");
                }
                g = propose(component, rules, height, jar);
            }
            case VOTE, CANCEL, READY -> g = new Governance(kind, null, 0, 0, null, Hash.of(d.fixed(32, "plan")));
            default -> throw new MalformedDataException("governance body: kind " + kind
                    + " is not 1 (propose), 2 (vote), 3 (cancel) or 4 (ready)");
        }
        d.end();
        return g;
    }
}
