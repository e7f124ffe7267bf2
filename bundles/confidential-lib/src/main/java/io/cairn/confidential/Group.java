package io.cairn.confidential;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The group the confidential amounts live in: a chain's curve (secp256k1, or SM2's sm2p256v1), its order, its hash
 * (SHA-256, or SM3 on SM2 chains) and the generators of docs/privacy.md, none with a known discrete logarithm to
 * another:
 *
 * <ul>
 *   <li>{@code G}, the curve's base point, carries amounts: a commitment is {@code v·G + r·H};
 *   <li>{@code H}, the blinding generator, and the vectors {@code G_i}, {@code H_i} of the range proofs are hashed
 *       to the curve: {@link #hashToCurve(String, int)}.
 * </ul>
 *
 * Instances are shared ({@link #secp256k1()}, {@link #sm2()}) and thread-safe; the vector generators are derived
 * once, on first use.
 */
public final class Group {
    /** The most outputs one aggregated range proof covers. */
    public static final int MAX_AGGREGATION = 16;
    /** Bits of every proven amount: {@code 0 <= v < 2^64}. */
    public static final int BITS = 64;
    static final String DOMAIN = "cairn/confidential/v1";

    private static final Group SECP256K1 = new Group("secp256k1", "secp256k1", SHA256Digest::new);
    private static final Group SM2 = new Group("sm2", "sm2p256v1", SM3Digest::new);

    private final String name;
    private final ECCurve curve;
    private final BigInteger order;
    private final ECPoint g;
    private final ECPoint h;
    private final Supplier<Digest> digest;
    private volatile ECPoint[] gs;
    private volatile ECPoint[] hs;

    private Group(String name, String curveName, Supplier<Digest> digest) {
        X9ECParameters p = CustomNamedCurves.getByName(curveName);
        this.name = name;
        this.curve = p.getCurve();
        this.order = p.getN();
        this.g = p.getG().normalize();
        this.digest = digest;
        this.h = hashToCurve("H", 0);
    }

    public static Group secp256k1() {
        return SECP256K1;
    }

    public static Group sm2() {
        return SM2;
    }

    /** The group of a crypto suite's name ({@code secp256k1} or {@code sm2}). */
    public static Group of(String suite) {
        return switch (suite) {
            case "secp256k1" -> SECP256K1;
            case "sm2" -> SM2;
            default -> throw new IllegalArgumentException("no confidential group for suite '" + suite + "'");
        };
    }

    public String name() {
        return name;
    }

    public ECCurve curve() {
        return curve;
    }

    /** The group's order {@code n}: scalars are integers modulo it. */
    public BigInteger order() {
        return order;
    }

    /** The amount generator: the curve's base point. */
    public ECPoint g() {
        return g;
    }

    /** The blinding generator: {@code hashToCurve("H", 0)}. */
    public ECPoint h() {
        return h;
    }

    /** The range proofs' vector generators {@code G_0 .. G_{count-1}}: {@code hashToCurve("G", i)}. */
    ECPoint[] gVector(int count) {
        ensure(count);
        return Arrays.copyOf(gs, count);
    }

    /** The range proofs' vector generators {@code H_0 .. H_{count-1}}: {@code hashToCurve("Hv", i)}. */
    ECPoint[] hVector(int count) {
        ensure(count);
        return Arrays.copyOf(hs, count);
    }

    /**
     * Derives now the vector generators a range proof over {@code values} values (1 to 16) needs, instead of on the
     * proof's first use: a wallet does it while it waits for the node.
     */
    public void deriveGenerators(int values) {
        ensure(BITS * Math.max(1, Math.min(values, MAX_AGGREGATION)));
    }

    /**
     * Derives the vector generators up to {@code count} (rounded up to a power of two), those before kept: a wallet
     * proving two outputs derives 128 of each, not all 1024 (a cold command's start).
     */
    private void ensure(int count) {
        if (count > BITS * MAX_AGGREGATION) {
            throw new IllegalArgumentException("at most " + BITS * MAX_AGGREGATION + " vector generators, not " + count);
        }
        ECPoint[] have = gs;
        if (have != null && have.length >= count) {
            return;
        }
        synchronized (this) {
            int had = gs == null ? 0 : gs.length;
            if (had >= count) {
                return;
            }
            int n = Math.max(BITS, Integer.highestOneBit(count - 1) << 1);
            ECPoint[] g2 = gs == null ? new ECPoint[n] : Arrays.copyOf(gs, n);
            ECPoint[] h2 = hs == null ? new ECPoint[n] : Arrays.copyOf(hs, n);
            for (int i = had; i < n; i++) {
                g2[i] = hashToCurve("G", i);
                h2[i] = hashToCurve("Hv", i);
            }
            hs = h2;
            gs = g2; // written last: a reader that sees it sees hs too
        }
    }

    /**
     * A point nobody knows the discrete logarithm of, by try-and-increment: for {@code counter = 0, 1, ...}, {@code x
     * = hash(DOMAIN ‖ 0x00 ‖ name ‖ 0x00 ‖ group ‖ u32(index) ‖ u32(counter)) mod p}; the first {@code x} on the curve
     * gives the point {@code (x, y)} with {@code y} even (docs/privacy.md, Generators). About half of the {@code x}
     * are on the curve, so it takes two tries on average.
     */
    public ECPoint hashToCurve(String label, int index) {
        byte[] prefix = (DOMAIN + "\0" + label + "\0" + name).getBytes(StandardCharsets.UTF_8);
        BigInteger p = curve.getField().getCharacteristic();
        for (int counter = 0; ; counter++) {
            Digest d = digest.get();
            d.update(prefix, 0, prefix.length);
            byte[] tail = {(byte) (index >>> 24), (byte) (index >>> 16), (byte) (index >>> 8), (byte) index,
                    (byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter};
            d.update(tail, 0, tail.length);
            byte[] out = new byte[d.getDigestSize()];
            d.doFinal(out, 0);
            BigInteger x = new BigInteger(1, out).mod(p);
            ECFieldElement fx = curve.fromBigInteger(x);
            ECFieldElement rhs = fx.square().add(curve.getA()).multiply(fx).add(curve.getB());
            ECFieldElement y = rhs.sqrt();
            if (y == null) {
                continue;
            }
            if (y.testBitZero()) {
                y = y.negate();
            }
            ECPoint point = curve.createPoint(x, y.toBigInteger()).normalize();
            if (point.isValid() && !point.isInfinity()) {
                return point;
            }
        }
    }

    /** A new digest of the group's hash. */
    Digest digest() {
        return digest.get();
    }

    /** A uniformly random nonzero scalar. */
    public BigInteger randomScalar(SecureRandom random) {
        while (true) {
            BigInteger k = new BigInteger(order.bitLength(), random);
            if (k.signum() > 0 && k.compareTo(order) < 0) {
                return k;
            }
        }
    }

    /** A point's 33-byte compressed encoding (SEC 1). */
    public byte[] encode(ECPoint p) {
        return p.getEncoded(true);
    }

    /**
     * The point of a 33-byte compressed encoding.
     *
     * @throws IllegalArgumentException naming {@code what} when the bytes are not a point of the curve, or are the
     *                                  point at infinity
     */
    public ECPoint decode(byte[] b, String what) {
        if (b.length != 33 || b[0] != 2 && b[0] != 3) {
            throw new IllegalArgumentException(what + " is not a 33-byte compressed point");
        }
        ECPoint p;
        try {
            p = curve.decodePoint(b).normalize();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not a point of " + name, e);
        }
        if (p.isInfinity() || !p.isValid()) {
            throw new IllegalArgumentException(what + " is not a point of " + name);
        }
        return detached(p);
    }

    /**
     * The same point as a new object, without the tables Bouncy Castle caches on a point it validated or multiplied
     * (validity, wNAF multiples, its GLV image). Those tables live as long as the point: kept on a transaction's
     * points while the transaction waits in a pool, they made up most of a busy node's heap (900,000 points for a
     * few thousand transactions) and its collections. Points used many times (the generators) keep theirs.
     */
    ECPoint detached(ECPoint p) {
        if (p.isInfinity()) {
            return p;
        }
        ECPoint n = p.normalize();
        return curve.createPoint(n.getAffineXCoord().toBigInteger(), n.getAffineYCoord().toBigInteger());
    }
}
