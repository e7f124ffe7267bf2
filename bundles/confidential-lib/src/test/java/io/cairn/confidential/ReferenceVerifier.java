package io.cairn.confidential;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A second, slow verifier written straight from the paper's equations, sharing nothing with {@link Bulletproofs}'s
 * verifier but the transcript: it checks (72) as it stands, builds {@code P} of (66)/(73) point by point, and runs
 * the verifier of Protocol 2 round by round, folding the generators ({@code g' = g_lo^(u^-1) ∘ g_hi^u}, {@code h' =
 * h_lo^u ∘ h_hi^(u^-1)}, {@code P' = L^(u^2) P R^(u^-2)}) until it checks {@code P = g^a h^b u^(a·b)}.
 */
final class ReferenceVerifier {
    private ReferenceVerifier() {}

    static boolean verify(Group group, ECPoint[] commitments, RangeProof proof) {
        BigInteger n = group.order();
        int m = commitments.length == 1 ? 1 : Integer.highestOneBit(commitments.length - 1) << 1;
        int bigN = 64 * m;
        ECPoint[] v = Bulletproofs.pad(commitments, m, group.curve().getInfinity());
        Transcript t = new Transcript(group, "range-proof");
        t.append("m", m);
        for (ECPoint p : v) {
            t.append("V", p.isInfinity() ? new byte[] {0} : group.encode(p));
        }
        t.append("A", proof.a());
        t.append("S", proof.s());
        BigInteger y = t.challenge("y");
        BigInteger z = t.challenge("z");
        t.append("T1", proof.t1());
        t.append("T2", proof.t2());
        BigInteger x = t.challenge("x");
        t.append("taux", proof.taux());
        t.append("mu", proof.mu());
        t.append("t", proof.tHat());
        BigInteger w = t.challenge("w");

        // (72): g^t̂ · h^τx == V^(z^2 · z^m) · g^δ(y,z) · T1^x · T2^(x^2)
        BigInteger delta = BigInteger.ZERO;
        BigInteger yi = BigInteger.ONE;
        for (int i = 0; i < bigN; i++) {
            delta = delta.add(z.subtract(z.pow(2)).multiply(yi));
            yi = yi.multiply(y).mod(n);
        }
        for (int j = 1; j <= m; j++) {
            delta = delta.subtract(z.pow(j + 2).multiply(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)));
        }
        delta = delta.mod(n);
        ECPoint left = group.g().multiply(proof.tHat()).add(group.h().multiply(proof.taux()));
        ECPoint right = group.g().multiply(delta).add(proof.t1().multiply(x)).add(proof.t2().multiply(x.pow(2).mod(n)));
        for (int j = 1; j <= m; j++) {
            right = right.add(v[j - 1].multiply(z.pow(j + 1).mod(n)));
        }
        if (!left.normalize().equals(right.normalize())) {
            return false;
        }

        // (73): P = A · S^x · g^(-z) · h'^(z·y^N + Σ_j z^(j+1)·2^n_j), h'_i = h_i^(y^-i); then P·h^(-μ)·u^t̂
        ECPoint[] g = group.gVector(bigN);
        ECPoint[] h = group.hVector(bigN);
        BigInteger yInv = y.modInverse(n);
        ECPoint p = proof.a().add(proof.s().multiply(x));
        for (int i = 0; i < bigN; i++) {
            int j = i / 64 + 1;
            h[i] = h[i].multiply(yInv.modPow(BigInteger.valueOf(i), n));
            BigInteger e = z.multiply(y.modPow(BigInteger.valueOf(i), n))
                    .add(z.pow(j + 1).multiply(BigInteger.TWO.pow(i % 64))).mod(n);
            p = p.add(g[i].multiply(z.negate().mod(n))).add(h[i].multiply(e));
        }
        ECPoint u = group.g().multiply(w);
        p = p.subtract(group.h().multiply(proof.mu())).add(u.multiply(proof.tHat()));

        // Protocol 2, the verifier's side of each round
        ECPoint[] ls = proof.l();
        ECPoint[] rs = proof.r();
        for (int k = 0; k < ls.length; k++) {
            t.append("L", ls[k]);
            t.append("R", rs[k]);
            BigInteger uk = t.challenge("u");
            BigInteger ukInv = uk.modInverse(n);
            int half = g.length / 2;
            ECPoint[] g2 = new ECPoint[half];
            ECPoint[] h2 = new ECPoint[half];
            for (int i = 0; i < half; i++) {
                g2[i] = g[i].multiply(ukInv).add(g[i + half].multiply(uk));
                h2[i] = h[i].multiply(uk).add(h[i + half].multiply(ukInv));
            }
            g = g2;
            h = h2;
            p = ls[k].multiply(uk.pow(2).mod(n)).add(p).add(rs[k].multiply(ukInv.pow(2).mod(n)));
        }
        ECPoint expected = g[0].multiply(proof.ipA()).add(h[0].multiply(proof.ipB()))
                .add(u.multiply(proof.ipA().multiply(proof.ipB()).mod(n)));
        return expected.normalize().equals(p.normalize());
    }
}
