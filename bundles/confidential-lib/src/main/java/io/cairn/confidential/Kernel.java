package io.cairn.confidential;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The kernel of a confidential transaction (docs/privacy.md, Kernel), as in Mimblewimble: the inputs' commitments
 * less the outputs' and the public fee, {@code E = Σ C_in - Σ C_out - fee·G}, is {@code k·H} with {@code k = Σ r_in -
 * Σ r_out} exactly when the amounts balance; a Schnorr signature with the key {@code k} on the generator {@code H}
 * shows that whoever made the transaction knew {@code k}, so no value was made from nothing (nobody knows a {@code
 * k'} with {@code E = k'·H} when {@code E} has a {@code G} part, unless they know the logarithm of {@code H} to
 * {@code G}). The signature signs the transaction's message, so it cannot be moved to another transaction.
 *
 * <p>Signature: {@code R ‖ s} (33 + 32 bytes), {@code R = ρ·H}, {@code e = challenge "e"} of the transcript {@code
 * kernel} after {@code ("E", E)}, {@code ("R", R)}, {@code ("msg", message)}, {@code s = ρ + e·k}; it holds when
 * {@code s·H = R + e·E}.
 */
public final class Kernel {
    public static final int SIGNATURE_BYTES = 65;

    private Kernel() {}

    /** {@code Σ inputs - Σ outputs - fee·G}: the point the kernel signs with. */
    public static ECPoint excess(Group group, List<ECPoint> inputs, List<ECPoint> outputs, BigInteger fee) {
        ECPoint e = group.curve().getInfinity();
        for (ECPoint c : inputs) {
            e = e.add(c);
        }
        for (ECPoint c : outputs) {
            e = e.subtract(c);
        }
        return e.subtract(group.g().multiply(fee.mod(group.order()))).normalize();
    }

    /**
     * Signs {@code message} with the excess blinding {@code k} ({@code Σ r_in - Σ r_out}). The nonce is the group's
     * hash of the key, the message and 32 fresh random bytes, so neither a weak random source nor a repeated message
     * repeats it.
     */
    public static byte[] sign(Group group, BigInteger k, byte[] message, SecureRandom random) {
        BigInteger n = group.order();
        ECPoint excess = group.h().multiply(k.mod(n)).normalize();
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        Transcript nonce = new Transcript(group, "kernel-nonce");
        nonce.append("k", k.mod(n));
        nonce.append("msg", message);
        nonce.append("random", fresh);
        BigInteger rho = nonce.challenge("rho");
        if (rho.signum() == 0) {
            rho = BigInteger.ONE;
        }
        ECPoint r = group.h().multiply(rho).normalize();
        BigInteger e = challenge(group, excess, r, message);
        BigInteger s = rho.add(e.multiply(k)).mod(n);
        byte[] out = Arrays.copyOf(group.encode(r), SIGNATURE_BYTES);
        System.arraycopy(Scalars.toBytes(s), 0, out, 33, 32);
        return out;
    }

    /**
     * Null when {@code signature} is a kernel signature of {@code message} for {@code excess}, else why not.
     */
    public static String check(Group group, ECPoint excess, byte[] message, byte[] signature) {
        if (signature.length != SIGNATURE_BYTES) {
            return "a kernel signature is " + SIGNATURE_BYTES + " bytes, not " + signature.length;
        }
        if (excess.isInfinity()) {
            return "the kernel's excess is the point at infinity";
        }
        ECPoint r;
        BigInteger s;
        try {
            r = group.decode(Arrays.copyOf(signature, 33), "the kernel signature's R");
            s = Scalars.fromBytes(signature, 33, group.order(), "the kernel signature's s");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        BigInteger e = challenge(group, excess, r, message);
        // s·H - e·E == R
        ECPoint check = ECAlgorithms.sumOfTwoMultiplies(group.h(), s, excess, e.negate().mod(group.order()));
        return check.normalize().equals(r) ? null
                : "the kernel signature does not hold: the amounts do not balance, or it signs another transaction";
    }

    private static BigInteger challenge(Group group, ECPoint excess, ECPoint r, byte[] message) {
        Transcript t = new Transcript(group, "kernel");
        t.append("E", excess);
        t.append("R", r);
        t.append("msg", message);
        return t.challenge("e");
    }
}
