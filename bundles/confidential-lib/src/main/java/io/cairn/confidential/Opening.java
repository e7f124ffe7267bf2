package io.cairn.confidential;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECPoint;

/**
 * What opens a commitment: its amount and blinding. Encoded as {@code u64(amount) ‖ blinding} (8 + 32 bytes), the
 * plaintext an output carries encrypted to its owner and the auditor ({@link SealedOpening}).
 *
 * @param amount   the amount, read unsigned
 * @param blinding the blinding scalar
 */
public record Opening(long amount, BigInteger blinding) {
    public static final int BYTES = 40;

    public ECPoint commitment(Group group) {
        return Pedersen.commit(group, amount, blinding);
    }

    /** Whether this opens {@code commitment}: a decrypted opening is trusted only when it does. */
    public boolean opens(Group group, ECPoint commitment) {
        return commitment(group).equals(commitment.normalize());
    }

    public byte[] encode() {
        byte[] out = new byte[BYTES];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (amount >>> (56 - 8 * i));
        }
        System.arraycopy(Scalars.toBytes(blinding), 0, out, 8, 32);
        return out;
    }

    /** The opening of 40 bytes; null when the blinding is not below the group's order. */
    public static Opening decode(Group group, byte[] b) {
        if (b.length != BYTES) {
            return null;
        }
        long amount = 0;
        for (int i = 0; i < 8; i++) {
            amount = amount << 8 | (b[i] & 0xff);
        }
        try {
            return new Opening(amount, Scalars.fromBytes(b, 8, group.order(), "blinding"));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "Opening[amount=" + Long.toUnsignedString(amount) + ", blinding=<hidden>]";
    }
}
