package io.cairn.confidential;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Aggregated Bulletproofs range proofs (Bünz, Bootle, Boneh, Poelstra, Wuille, Maxwell: "Bulletproofs: Short Proofs
 * for Confidential Transactions and More", IEEE S&amp;P 2018): the range proof of section 4.1, aggregated over {@code
 * m} values as in section 4.3, with the inner-product argument of section 3 (Protocol 2, made non-interactive by the
 * Fiat-Shamir transcript of section 4.4), verified with one multi-exponentiation as in section 6.2. Notation follows
 * the paper: {@code n = 64} bits per value, {@code m} values (a power of two, at most {@value Group#MAX_AGGREGATION}),
 * {@code N = n·m}; {@code g} is the group's amount generator {@code G}, {@code h} its blinding generator {@code H},
 * {@code g_i}, {@code h_i} its vector generators.
 */
public final class Bulletproofs {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(Group.BITS);

    private Bulletproofs() {}

    /**
     * Proves that {@code values[j]} is in {@code [0, 2^64)} for the commitments {@code values[j]·G + blindings[j]·H}.
     *
     * @param values    the amounts; 1 to 16 of them (the proof pads them to a power of two with commitments to 0 it
     *                  does not return: the verifier is given the same padding by {@link #pad})
     * @throws IllegalArgumentException when a value is outside {@code [0, 2^64)}, or the counts do not match
     */
    public static RangeProof prove(Group group, BigInteger[] values, BigInteger[] blindings, SecureRandom random) {
        return prove(group, values, blindings, random, MultiExp.bouncyCastle());
    }

    /**
     * {@link #prove(Group, BigInteger[], BigInteger[], SecureRandom)} with its multi-exponentiations computed by
     * {@code exp} (the same proof, faster where {@code exp} is).
     */
    public static RangeProof prove(Group group, BigInteger[] values, BigInteger[] blindings, SecureRandom random,
            MultiExp exp) {
        if (values.length != blindings.length || values.length < 1 || values.length > Group.MAX_AGGREGATION) {
            throw new IllegalArgumentException("a range proof covers 1 to " + Group.MAX_AGGREGATION
                    + " values, each with its blinding: got " + values.length + " and " + blindings.length);
        }
        for (int j = 0; j < values.length; j++) {
            if (values[j].signum() < 0 || values[j].compareTo(TWO_64) >= 0) {
                throw new IllegalArgumentException("value " + j + " is not in [0, 2^64): " + values[j]);
            }
        }
        return proveAnyValues(group, values, blindings, random, exp);
    }

    /**
     * The prover without its range check: for values outside {@code [0, 2^64)} it makes a proof from their low 64
     * bits, which no verifier accepts for their commitments (the soundness tests, here and in the private ledger model,
     * make such proofs: a dishonest prover's best try).
     */
    public static RangeProof proveAnyValues(Group group, BigInteger[] values, BigInteger[] blindings, SecureRandom random) {
        return proveAnyValues(group, values, blindings, random, MultiExp.bouncyCastle());
    }

    private static RangeProof proveAnyValues(Group group, BigInteger[] values, BigInteger[] blindings,
            SecureRandom random, MultiExp exp) {
        BigInteger n = group.order();
        int m = Integer.highestOneBit(values.length - 1) << 1;
        m = Math.max(1, values.length == 1 ? 1 : m);
        BigInteger[] v = pad(values, m, BigInteger.ZERO);
        BigInteger[] gamma = pad(blindings, m, BigInteger.ZERO);
        int bigN = Group.BITS * m;
        ECPoint[] gv = group.gVector(bigN);
        ECPoint[] hv = group.hVector(bigN);
        ECPoint[] commitments = new ECPoint[m];
        for (int j = 0; j < m; j++) {
            commitments[j] = Pedersen.commit(group, v[j], gamma[j], exp);
        }
        Transcript t = transcript(group, commitments);

        // (41)-(44): a_L the bits of the values, a_R = a_L - 1^N; A = h^α g^a_L h^a_R; S = h^ρ g^s_L h^s_R
        BigInteger[] aL = new BigInteger[bigN];
        BigInteger[] aR = new BigInteger[bigN];
        ECPoint aPoint = group.curve().getInfinity();
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < Group.BITS; i++) {
                boolean bit = v[j].testBit(i);
                int k = j * Group.BITS + i;
                aL[k] = bit ? BigInteger.ONE : BigInteger.ZERO;
                aR[k] = bit ? BigInteger.ZERO : n.subtract(BigInteger.ONE);
                aPoint = aPoint.add(bit ? gv[k] : hv[k].negate());
            }
        }
        BigInteger alpha = group.randomScalar(random);
        aPoint = aPoint.add(exp.multiply(group.h(), alpha)).normalize();
        BigInteger[] sL = new BigInteger[bigN];
        BigInteger[] sR = new BigInteger[bigN];
        for (int i = 0; i < bigN; i++) {
            sL[i] = group.randomScalar(random);
            sR[i] = group.randomScalar(random);
        }
        BigInteger rho = group.randomScalar(random);
        ECPoint[] sPoints = new ECPoint[2 * bigN + 1];
        BigInteger[] sScalars = new BigInteger[2 * bigN + 1];
        System.arraycopy(gv, 0, sPoints, 0, bigN);
        System.arraycopy(hv, 0, sPoints, bigN, bigN);
        System.arraycopy(sL, 0, sScalars, 0, bigN);
        System.arraycopy(sR, 0, sScalars, bigN, bigN);
        sPoints[2 * bigN] = group.h();
        sScalars[2 * bigN] = rho;
        ECPoint sPoint = exp.sum(sPoints, sScalars);
        t.append("A", aPoint);
        t.append("S", sPoint);
        BigInteger y = challenge(t, "y");
        BigInteger z = challenge(t, "z");

        // l(X) = (a_L - z·1) + s_L·X; r(X) = y^N ∘ (a_R + z·1 + s_R·X) + Σ_j z^(1+j)·(0 ‖ 2^n ‖ 0)   (71)
        BigInteger[] yN = Scalars.powers(y, bigN, n);
        BigInteger[] zj = Scalars.powers(z, m + 2, n);
        BigInteger[] twoN = Scalars.powers(BigInteger.TWO, Group.BITS, n);
        BigInteger[] l0 = new BigInteger[bigN];
        BigInteger[] r0 = new BigInteger[bigN];
        BigInteger[] r1 = new BigInteger[bigN];
        for (int k = 0; k < bigN; k++) {
            int j = k / Group.BITS;
            l0[k] = aL[k].subtract(z).mod(n);
            r0[k] = yN[k].multiply(aR[k].add(z)).add(zj[j + 2].multiply(twoN[k % Group.BITS])).mod(n);
            r1[k] = yN[k].multiply(sR[k]).mod(n);
        }
        // t(X) = <l(X), r(X)> = t0 + t1·X + t2·X^2
        BigInteger t1 = Scalars.inner(l0, r1, n).add(Scalars.inner(sL, r0, n)).mod(n);
        BigInteger t2 = Scalars.inner(sL, r1, n);
        BigInteger tau1 = group.randomScalar(random);
        BigInteger tau2 = group.randomScalar(random);
        ECPoint t1Point = Pedersen.commit(group, t1, tau1, exp);
        ECPoint t2Point = Pedersen.commit(group, t2, tau2, exp);
        t.append("T1", t1Point);
        t.append("T2", t2Point);
        BigInteger x = challenge(t, "x");

        // (58)-(62), aggregated (72): τx = τ2·x^2 + τ1·x + Σ_j z^(1+j)·γ_j; μ = α + ρ·x; l = l(x), r = r(x)
        BigInteger taux = tau2.multiply(x).multiply(x).add(tau1.multiply(x));
        for (int j = 0; j < m; j++) {
            taux = taux.add(zj[j + 2].multiply(gamma[j]));
        }
        taux = taux.mod(n);
        BigInteger mu = alpha.add(rho.multiply(x)).mod(n);
        BigInteger[] l = new BigInteger[bigN];
        BigInteger[] r = new BigInteger[bigN];
        for (int k = 0; k < bigN; k++) {
            l[k] = l0[k].add(sL[k].multiply(x)).mod(n);
            r[k] = r0[k].add(r1[k].multiply(x)).mod(n);
        }
        BigInteger tHat = Scalars.inner(l, r, n);
        t.append("taux", taux);
        t.append("mu", mu);
        t.append("t", tHat);
        BigInteger w = challenge(t, "w");

        // the inner-product argument (Protocol 2) for <l, r> = t̂ with generators g_i, h'_i = y^-i·h_i, u = w·g. The
        // generators of a round are kept as points times known factors: g_i = gScale·gs_i, h'_i = hScale·y^-i·hs_i.
        // Folding g' = u^-1·g_lo + u·g_hi is then gScale' = u^-1·gScale, gs' = gs_lo + u^2·gs_hi, and h' = u·h'_lo +
        // u^-1·h'_hi is hScale' = u·hScale, hs' = hs_lo + u^-2·y^-half·hs_hi: one multiplication per pair, not two.
        BigInteger[] yInv = Scalars.powers(y.modInverse(n), bigN, n);
        ECPoint q = exp.multiply(group.g(), w);
        int rounds = Integer.numberOfTrailingZeros(bigN);
        ECPoint[] ls = new ECPoint[rounds];
        ECPoint[] rs = new ECPoint[rounds];
        BigInteger[] a = l;
        BigInteger[] b = r;
        ECPoint[] gs = gv;
        ECPoint[] hs = hv;
        BigInteger gScale = BigInteger.ONE;
        BigInteger hScale = BigInteger.ONE;
        for (int round = 0; round < rounds; round++) {
            int half = a.length / 2;
            BigInteger[] lScalars = new BigInteger[2 * half + 1];
            BigInteger[] rScalars = new BigInteger[2 * half + 1];
            BigInteger cL = BigInteger.ZERO;
            BigInteger cR = BigInteger.ZERO;
            for (int i = 0; i < half; i++) {
                cL = cL.add(a[i].multiply(b[half + i]));
                cR = cR.add(a[half + i].multiply(b[i]));
                // L = <a_lo, g_hi> + <b_hi, h'_lo> + c_L·u;  R = <a_hi, g_lo> + <b_lo, h'_hi> + c_R·u
                lScalars[i] = a[i].multiply(gScale).mod(n);
                lScalars[half + i] = b[half + i].multiply(hScale).multiply(yInv[i]).mod(n);
                rScalars[i] = a[half + i].multiply(gScale).mod(n);
                rScalars[half + i] = b[i].multiply(hScale).multiply(yInv[half + i]).mod(n);
            }
            lScalars[2 * half] = cL.mod(n);
            rScalars[2 * half] = cR.mod(n);
            ECPoint[] lPoints = concat(Arrays.copyOfRange(gs, half, 2 * half), Arrays.copyOfRange(hs, 0, half), q);
            ECPoint[] rPoints = concat(Arrays.copyOfRange(gs, 0, half), Arrays.copyOfRange(hs, half, 2 * half), q);
            ECPoint[] lr = new ECPoint[2];
            IntStream.range(0, 2).parallel().forEach(side -> lr[side] = side == 0 ? exp.sum(lPoints, lScalars)
                    : exp.sum(rPoints, rScalars));
            ls[round] = lr[0];
            rs[round] = lr[1];
            t.append("L", ls[round]);
            t.append("R", rs[round]);
            BigInteger u = challenge(t, "u");
            BigInteger uInv = u.modInverse(n);
            BigInteger[] a2 = new BigInteger[half];
            BigInteger[] b2 = new BigInteger[half];
            for (int i = 0; i < half; i++) {
                a2[i] = a[i].multiply(u).add(a[half + i].multiply(uInv)).mod(n);
                b2[i] = b[i].multiply(uInv).add(b[half + i].multiply(u)).mod(n);
            }
            a = a2;
            b = b2;
            if (round < rounds - 1) { // after the last round only a and b are needed
                ECPoint[] g2 = new ECPoint[half];
                ECPoint[] h2 = new ECPoint[half];
                BigInteger[] gFold = {BigInteger.ONE, u.multiply(u).mod(n)};
                BigInteger[] hFold = {BigInteger.ONE, uInv.multiply(uInv).multiply(yInv[half]).mod(n)};
                ECPoint[] gIn = gs;
                ECPoint[] hIn = hs;
                IntStream pairs = IntStream.range(0, half);
                (half >= 8 ? pairs.parallel() : pairs).forEach(i -> {
                    g2[i] = exp.sum(new ECPoint[] {gIn[i], gIn[half + i]}, gFold);
                    h2[i] = exp.sum(new ECPoint[] {hIn[i], hIn[half + i]}, hFold);
                });
                gs = g2;
                hs = h2;
                gScale = gScale.multiply(uInv).mod(n);
                hScale = hScale.multiply(u).mod(n);
            }
        }
        return new RangeProof(aPoint, sPoint, t1Point, t2Point, taux, mu, tHat, ls, rs, a[0], b[0]);
    }

    /**
     * Whether {@code proof} proves every one of {@code commitments} opens to a value in {@code [0, 2^64)}.
     *
     * @param commitments 1 to 16 commitments, in the order the prover had them
     */
    public static boolean verify(Group group, ECPoint[] commitments, RangeProof proof) {
        return check(group, commitments, proof, new SecureRandom()) == null;
    }

    /**
     * Verifies as {@link #verify}, saying what failed: null when the proof holds, else the check that failed.
     *
     * @param random draws the weight that joins the two checks of the proof into one multi-exponentiation
     */
    public static String check(Group group, ECPoint[] commitments, RangeProof proof, SecureRandom random) {
        return checkBatch(group, java.util.Collections.singletonList(commitments), List.of(proof), random);
    }

    /**
     * Verifies many proofs at once (section 6.2): each proof's equation, times a random weight, goes into one
     * multi-exponentiation, where the vector generators {@code g_i}, {@code h_i} and {@code g}, {@code h} shared by
     * every proof appear once; it is the identity when every proof holds, and otherwise with probability at most
     * about 2^-256 per proof. When it is not, each proof is checked alone to name the first that fails.
     *
     * @return null when every proof holds, else {@code "proof <k>: <what failed>"}
     */
    public static String checkBatch(Group group, List<ECPoint[]> commitments, List<RangeProof> proofs,
            SecureRandom random) {
        if (commitments.size() != proofs.size()) {
            throw new IllegalArgumentException(proofs.size() + " proofs for " + commitments.size() + " commitment lists");
        }
        Batch batch = new Batch(group, random);
        for (int k = 0; k < proofs.size(); k++) {
            String wrong = batch.add(commitments.get(k), proofs.get(k), group.randomScalar(random));
            if (wrong != null) {
                return proofs.size() == 1 ? wrong : "proof " + k + ": " + wrong;
            }
        }
        if (batch.holds()) {
            return null;
        }
        if (proofs.size() == 1) {
            return "the range proof does not hold for these commitments";
        }
        for (int k = 0; k < proofs.size(); k++) {
            Batch one = new Batch(group, random);
            one.add(commitments.get(k), proofs.get(k), group.randomScalar(random));
            if (!one.holds()) {
                return "proof " + k + ": the range proof does not hold for these commitments";
            }
        }
        return "the range proofs do not hold together"; // each held alone: a weight drawn badly, or a fault
    }

    /**
     * Checks many proofs and says of each whether it holds: one batch when all do; when the batch fails, its halves
     * are checked the same way, down to the proofs that fail, so a few bad proofs among many cost a few batches more.
     *
     * @return for each proof, null when it holds, else what failed
     */
    public static String[] checkEach(Group group, List<ECPoint[]> commitments, List<RangeProof> proofs,
            SecureRandom random) {
        if (commitments.size() != proofs.size()) {
            throw new IllegalArgumentException(proofs.size() + " proofs for " + commitments.size() + " commitment lists");
        }
        String[] result = new String[proofs.size()];
        bisect(group, commitments, proofs, 0, proofs.size(), result, random);
        return result;
    }

    private static void bisect(Group group, List<ECPoint[]> commitments, List<RangeProof> proofs, int from, int to,
            String[] result, SecureRandom random) {
        Batch batch = new Batch(group, random);
        boolean shaped = true;
        for (int k = from; k < to; k++) {
            String wrong = batch.add(commitments.get(k), proofs.get(k), group.randomScalar(random));
            if (wrong != null) {
                result[k] = wrong;
                shaped = false;
            }
        }
        if (shaped && batch.holds()) {
            return;
        }
        if (to - from == 1) {
            if (result[from] == null) {
                result[from] = "the range proof does not hold for these commitments";
            }
            return;
        }
        int mid = (from + to) >>> 1;
        bisect(group, commitments, proofs, from, mid, result, random);
        bisect(group, commitments, proofs, mid, to, result, random);
    }

    /** The terms of one multi-exponentiation: the shared generators' scalars, and each proof's own points. */
    private static final class Batch {
        private final Group group;
        private final SecureRandom random;
        private final BigInteger n;
        private final BigInteger[] gShared = new BigInteger[Group.BITS * Group.MAX_AGGREGATION];
        private final BigInteger[] hShared = new BigInteger[Group.BITS * Group.MAX_AGGREGATION];
        private BigInteger gScalar = BigInteger.ZERO;
        private BigInteger hScalar = BigInteger.ZERO;
        private int width;
        private final List<ECPoint> points = new ArrayList<>();
        private final List<BigInteger> scalars = new ArrayList<>();

        Batch(Group group, SecureRandom random) {
            this.group = group;
            this.random = random;
            this.n = group.order();
            Arrays.fill(gShared, BigInteger.ZERO);
            Arrays.fill(hShared, BigInteger.ZERO);
        }

        /**
         * Adds {@code weight} times the proof's equation; returns what is wrong with the proof's shape, or null.
         *
         * <p>{@code c·(t̂·g + τx·h - Σ_j z^(j+2)·V_j - δ·g - x·T1 - x^2·T2)} (72, weighted by a random {@code c}) {@code
         * + A + x·S - μ·h + Σ_i (-z - a·s_i)·g_i + Σ_i (z + (z^(2+j)·2^k - b·s_i^-1)·y^-i)·h_i + w·(t̂ - a·b)·g + Σ_k
         * (u_k^2·L_k + u_k^-2·R_k) = 0} (66, 67 and Protocol 2's last check, with {@code s_i = Π_k u_k^(±1)}).
         */
        String add(ECPoint[] commitments, RangeProof proof, BigInteger weight) {
            if (commitments.length < 1 || commitments.length > Group.MAX_AGGREGATION) {
                return "a range proof covers 1 to " + Group.MAX_AGGREGATION + " commitments, not " + commitments.length;
            }
            int m = commitments.length == 1 ? 1 : Integer.highestOneBit(commitments.length - 1) << 1;
            int bigN = Group.BITS * m;
            int rounds = Integer.numberOfTrailingZeros(bigN);
            if (proof.rounds() != rounds) {
                return "the proof has " + proof.rounds() + " rounds; " + commitments.length + " commitments need "
                        + rounds;
            }
            ECPoint[] v = pad(commitments, m, group.curve().getInfinity());
            Transcript t = transcript(group, v);
            t.append("A", proof.a());
            t.append("S", proof.s());
            BigInteger y = challenge(t, "y");
            BigInteger z = challenge(t, "z");
            t.append("T1", proof.t1());
            t.append("T2", proof.t2());
            BigInteger x = challenge(t, "x");
            t.append("taux", proof.taux());
            t.append("mu", proof.mu());
            t.append("t", proof.tHat());
            BigInteger w = challenge(t, "w");
            ECPoint[] ls = proof.l();
            ECPoint[] rs = proof.r();
            BigInteger[] u = new BigInteger[rounds];
            for (int k = 0; k < rounds; k++) {
                t.append("L", ls[k]);
                t.append("R", rs[k]);
                u[k] = challenge(t, "u");
            }
            if (y.signum() == 0 || z.signum() == 0 || x.signum() == 0 || w.signum() == 0
                    || Arrays.stream(u).anyMatch(c -> c.signum() == 0)) {
                return "a challenge is zero";
            }
            BigInteger[] uInv = new BigInteger[rounds];
            for (int k = 0; k < rounds; k++) {
                uInv[k] = u[k].modInverse(n);
            }
            BigInteger[] s = exponents(u, uInv, bigN);
            BigInteger yInv = y.modInverse(n);
            BigInteger[] zj = Scalars.powers(z, m + 3, n);
            // <1^N, y^N> = (y^N - 1) / (y - 1), or N when y = 1
            BigInteger sumY = y.equals(BigInteger.ONE) ? BigInteger.valueOf(bigN)
                    : y.modPow(BigInteger.valueOf(bigN), n).subtract(BigInteger.ONE)
                            .multiply(y.subtract(BigInteger.ONE).modInverse(n)).mod(n);
            // δ(y, z) = (z - z^2)·<1^N, y^N> - Σ_j z^(j+2)·<1^n, 2^n>   (aggregated form of (39))
            BigInteger delta = z.subtract(zj[2]).multiply(sumY);
            for (int j = 0; j < m; j++) {
                delta = delta.subtract(zj[j + 3].multiply(TWO_64.subtract(BigInteger.ONE)));
            }
            delta = delta.mod(n);
            BigInteger c = group.randomScalar(random);
            BigInteger ab = proof.ipA().multiply(proof.ipB()).mod(n);
            // the generators' scalars, weighted: g_i gets -wz - wa·s_i, h_i gets (wz + (wz_j·2^k - wb·s_i^-1)·y^-i),
            // with wz = w·z, wa = w·a, wb = w·b, wz_j = w·z^(2+j) reduced once; the sums over the batch's proofs are
            // reduced when the batch is checked
            BigInteger wz = weight.multiply(z).mod(n);
            BigInteger wa = weight.multiply(proof.ipA()).mod(n);
            BigInteger wb = weight.multiply(proof.ipB()).mod(n);
            BigInteger[] wzj = new BigInteger[m];
            for (int j = 0; j < m; j++) {
                wzj[j] = weight.multiply(zj[j + 2]).mod(n);
            }
            BigInteger yInvI = BigInteger.ONE;
            for (int i = 0; i < bigN; i++) {
                int j = i / Group.BITS;
                BigInteger sInv = s[bigN - 1 - i]; // s_i^-1 = s_(N-1-i): every bit flipped
                gShared[i] = gShared[i].subtract(wz).subtract(wa.multiply(s[i]));
                BigInteger inner = wzj[j].shiftLeft(i % Group.BITS).subtract(wb.multiply(sInv)).mod(n);
                hShared[i] = hShared[i].add(wz).add(inner.multiply(yInvI));
                yInvI = yInvI.multiply(yInv).mod(n);
            }
            width = Math.max(width, bigN);
            gScalar = gScalar.add(weight.multiply(w.multiply(proof.tHat().subtract(ab))
                    .add(c.multiply(proof.tHat().subtract(delta))))).mod(n);
            hScalar = hScalar.add(weight.multiply(c.multiply(proof.taux()).subtract(proof.mu()))).mod(n);
            for (int k = 0; k < rounds; k++) {
                term(ls[k], weight.multiply(u[k]).multiply(u[k]));
                term(rs[k], weight.multiply(uInv[k]).multiply(uInv[k]));
            }
            for (int j = 0; j < m; j++) {
                if (!v[j].isInfinity()) { // a padding commitment is the identity: its term is zero
                    term(v[j], weight.multiply(c).multiply(zj[j + 2]).negate());
                }
            }
            term(proof.t1(), weight.multiply(c).multiply(x).negate());
            term(proof.t2(), weight.multiply(c).multiply(x).multiply(x).negate());
            term(proof.a(), weight);
            term(proof.s(), weight.multiply(x));
            return null;
        }

        private void term(ECPoint p, BigInteger scalar) {
            points.add(p); // summed by Pippenger's buckets (a batch has over 64 terms), which cache nothing on it
            scalars.add(scalar.mod(n));
        }

        /** Whether the sum of every term is the identity. */
        boolean holds() {
            int size = 2 * width + 2 + points.size();
            ECPoint[] ps = new ECPoint[size];
            BigInteger[] ks = new BigInteger[size];
            ECPoint[] gv = group.gVector(width);
            ECPoint[] hv = group.hVector(width);
            int at = 0;
            for (int i = 0; i < width; i++) {
                ps[at] = gv[i];
                ks[at++] = gShared[i].mod(n);
                ps[at] = hv[i];
                ks[at++] = hShared[i].mod(n);
            }
            ps[at] = group.g();
            ks[at++] = gScalar;
            ps[at] = group.h();
            ks[at++] = hScalar;
            for (int i = 0; i < points.size(); i++) {
                ps[at] = points.get(i);
                ks[at++] = scalars.get(i);
            }
            return Scalars.sum(ps, ks).isInfinity();
        }

        /** {@code s_i = Π_k u_k^(±1)}: {@code u_k} where i is in the upper half at round k (its bit rounds-1-k is set). */
        private BigInteger[] exponents(BigInteger[] u, BigInteger[] uInv, int bigN) {
            int rounds = u.length;
            BigInteger[] s = new BigInteger[bigN];
            // s_0 = Π u_k^-1; each further s_i from a smaller one: setting bit b multiplies by u_k^2 (k = rounds-1-b)
            BigInteger first = BigInteger.ONE;
            for (BigInteger inv : uInv) {
                first = first.multiply(inv).mod(n);
            }
            s[0] = first;
            BigInteger[] squares = new BigInteger[rounds];
            for (int k = 0; k < rounds; k++) {
                squares[k] = u[k].multiply(u[k]).mod(n);
            }
            for (int i = 1; i < bigN; i++) {
                int b = 31 - Integer.numberOfLeadingZeros(i);
                int k = rounds - 1 - b;
                s[i] = s[i - (1 << b)].multiply(squares[k]).mod(n);
            }
            return s;
        }
    }

    /** The transcript both sides start from: the protocol, the number of values and their commitments. */
    private static Transcript transcript(Group group, ECPoint[] commitments) {
        Transcript t = new Transcript(group, "range-proof");
        t.append("m", commitments.length);
        for (ECPoint v : commitments) {
            t.append("V", v.isInfinity() ? new byte[] {0} : group.encode(v));
        }
        return t;
    }

    private static BigInteger challenge(Transcript t, String label) {
        return t.challenge(label);
    }

    /** {@code values} padded with {@code filler} to {@code m} entries (the aggregation needs a power of two). */
    static <T> T[] pad(T[] values, int m, T filler) {
        T[] out = Arrays.copyOf(values, m);
        for (int i = values.length; i < m; i++) {
            out[i] = filler;
        }
        return out;
    }

    private static ECPoint[] concat(ECPoint[] a, ECPoint[] b, ECPoint c) {
        ECPoint[] out = Arrays.copyOf(a, a.length + b.length + 1);
        System.arraycopy(b, 0, out, a.length, b.length);
        out[out.length - 1] = c;
        return out;
    }
}
