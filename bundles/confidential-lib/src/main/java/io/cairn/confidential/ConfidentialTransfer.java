package io.cairn.confidential;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The value side of a confidential transfer (docs/privacy.md, Transfers): spending coins whose openings the maker
 * knows, it makes outputs (a commitment each, its opening sealed to its owner and to the auditor), one range proof
 * over all of them, and the excess blinding its kernel signs with. Whoever checks it needs only the inputs' and
 * outputs' commitments, the proof, the public fee and the kernel signature: no amount.
 */
public final class ConfidentialTransfer {

    private ConfidentialTransfer() {}

    /** An output to make: the public key of its owner, and its amount (read unsigned). */
    public record Payee(ECPoint ownerKey, long amount) {}

    /**
     * A made output: its commitment, its opening sealed to its owner and, on a chain with an auditor, to the auditor
     * (else null).
     */
    public record Output(ECPoint commitment, byte[] sealedToOwner, byte[] sealedToAuditor) {}

    /**
     * What {@link #make} returns: the outputs, their openings (the maker keeps its change's), the range proof over
     * the outputs' commitments, and the excess blinding {@code Σ r_in - Σ r_out} the kernel signs with.
     */
    public record Made(List<Output> outputs, List<Opening> openings, RangeProof proof, BigInteger excessBlinding) {
        /** The kernel signature of {@code message} (the transaction's digest). */
        public byte[] signKernel(Group group, byte[] message, SecureRandom random) {
            return Kernel.sign(group, excessBlinding, message, random);
        }

        public List<ECPoint> commitments() {
            return outputs.stream().map(Output::commitment).toList();
        }

        @Override
        public String toString() {
            return "Made[" + outputs.size() + " outputs]"; // openings and the blinding are secrets
        }
    }

    /**
     * Makes the outputs of a transfer that spends {@code inputs} (their openings) to {@code payees}, paying {@code
     * fee}.
     *
     * @param auditorKey the chain's auditor, or null when it has none
     * @throws IllegalArgumentException when the inputs do not hold exactly what the payees and the fee take (naming
     *                                  both sums), or there are not 1 to 16 payees
     */
    public static Made make(Group group, List<Opening> inputs, List<Payee> payees, long fee, ECPoint auditorKey,
            SecureRandom random) {
        return make(group, inputs, payees, fee, auditorKey, random, MultiExp.bouncyCastle());
    }

    /** {@link #make(Group, List, List, long, ECPoint, SecureRandom)}, the range proof's sums computed by {@code exp}. */
    public static Made make(Group group, List<Opening> inputs, List<Payee> payees, long fee, ECPoint auditorKey,
            SecureRandom random, MultiExp exp) {
        if (payees.isEmpty() || payees.size() > Group.MAX_AGGREGATION) {
            throw new IllegalArgumentException("a transfer has 1 to " + Group.MAX_AGGREGATION + " outputs, not "
                    + payees.size());
        }
        BigInteger in = BigInteger.ZERO;
        BigInteger k = BigInteger.ZERO;
        for (Opening o : inputs) {
            in = in.add(Pedersen.amount(o.amount()));
            k = k.add(o.blinding());
        }
        BigInteger out = Pedersen.amount(fee);
        for (Payee p : payees) {
            out = out.add(Pedersen.amount(p.amount()));
        }
        if (!in.equals(out)) {
            throw new IllegalArgumentException("the inputs hold " + in + " but the outputs and the fee take " + out);
        }
        return makeUnbalanced(group, inputs, payees, auditorKey, random, exp);
    }

    /**
     * {@link #make} without the balance check: the soundness tests make transfers that create value with it, and
     * see them refused.
     */
    static Made makeUnbalanced(Group group, List<Opening> inputs, List<Payee> payees, ECPoint auditorKey,
            SecureRandom random, MultiExp exp) {
        BigInteger n = group.order();
        BigInteger k = BigInteger.ZERO;
        for (Opening o : inputs) {
            k = k.add(o.blinding());
        }
        List<Output> outputs = new ArrayList<>();
        List<Opening> openings = new ArrayList<>();
        BigInteger[] values = new BigInteger[payees.size()];
        BigInteger[] blindings = new BigInteger[payees.size()];
        for (int i = 0; i < payees.size(); i++) {
            Payee p = payees.get(i);
            Opening o = new Opening(p.amount(), group.randomScalar(random));
            openings.add(o);
            outputs.add(new Output(Pedersen.commit(group, Pedersen.amount(p.amount()), o.blinding(), exp),
                    SealedOpening.seal(group, p.ownerKey(), o, random, exp),
                    auditorKey == null ? null : SealedOpening.seal(group, auditorKey, o, random, exp)));
            values[i] = Pedersen.amount(p.amount());
            blindings[i] = o.blinding();
            k = k.subtract(o.blinding());
        }
        RangeProof proof = Bulletproofs.prove(group, values, blindings, random, exp);
        return new Made(List.copyOf(outputs), List.copyOf(openings), proof, k.mod(n));
    }

    /**
     * Null when the transfer's value holds: every output's amount is in {@code [0, 2^64)} ({@code proof}), and the
     * inputs hold exactly what the outputs and the fee take ({@code kernelSignature} over {@code message}); else
     * which does not.
     */
    public static String check(Group group, List<ECPoint> inputs, List<ECPoint> outputs, RangeProof proof, long fee,
            byte[] message, byte[] kernelSignature, SecureRandom random) {
        String range = Bulletproofs.check(group, outputs.toArray(ECPoint[]::new), proof, random);
        if (range != null) {
            return range;
        }
        return Kernel.check(group, Kernel.excess(group, inputs, outputs, Pedersen.amount(fee)), message,
                kernelSignature);
    }
}
