package io.cairn.confidential;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The Fiat-Shamir transcript of a proof (docs/privacy.md, Transcript): prover and verifier append the same messages
 * in the same order, and every challenge is the group's hash of everything appended before it. The state is a hash
 * chain: {@code state = hash(state ‖ u32(len(label)) ‖ label ‖ u32(len(data)) ‖ data)}, starting from {@code
 * hash(DOMAIN ‖ 0x00 ‖ protocol)}; a challenge is {@code hash(state ‖ "challenge" ‖ label) mod n}, appended in turn
 * (a zero challenge, which has probability 2^-256, is refused by the caller).
 */
final class Transcript {
    private final Group group;
    private byte[] state;

    Transcript(Group group, String protocol) {
        this.group = group;
        this.state = hash(bytes(Group.DOMAIN + "\0" + protocol));
    }

    void append(String label, byte[] data) {
        Digest d = group.digest();
        d.update(state, 0, state.length);
        lengthPrefixed(d, bytes(label));
        lengthPrefixed(d, data);
        state = new byte[d.getDigestSize()];
        d.doFinal(state, 0);
    }

    void append(String label, ECPoint p) {
        append(label, group.encode(p));
    }

    void append(String label, BigInteger scalar) {
        append(label, Scalars.toBytes(scalar));
    }

    void append(String label, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (56 - 8 * i));
        }
        append(label, b);
    }

    /** The next challenge, a scalar modulo the group's order; it is appended to the transcript. */
    BigInteger challenge(String label) {
        Digest d = group.digest();
        d.update(state, 0, state.length);
        byte[] tag = bytes("challenge" + label);
        d.update(tag, 0, tag.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        BigInteger c = new BigInteger(1, out).mod(group.order());
        append(label, c);
        return c;
    }

    private static void lengthPrefixed(Digest d, byte[] data) {
        int n = data.length;
        d.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n}, 0, 4);
        d.update(data, 0, n);
    }

    private byte[] hash(byte[] data) {
        Digest d = group.digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[d.getDigestSize()];
        d.doFinal(out, 0);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
