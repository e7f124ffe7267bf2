package io.cairn.confidential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Openings encrypted to an owner: only the owner's key opens them, and an altered one opens to nothing. */
class SealedOpeningTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void onlyTheRecipientsKeyOpensTheAmountOnBothCurves() {
        for (Group g : new Group[] {Group.secp256k1(), Group.sm2()}) {
            BigInteger owner = g.randomScalar(random);
            BigInteger stranger = g.randomScalar(random);
            ECPoint ownerKey = g.g().multiply(owner).normalize();
            Opening opening = new Opening(-2L, g.randomScalar(random)); // 2^64 - 2
            byte[] sealed = SealedOpening.seal(g, ownerKey, opening, random);
            assertEquals(SealedOpening.size(g), sealed.length, g.name());
            assertEquals(opening, SealedOpening.open(g, owner, sealed));
            assertTrue(SealedOpening.open(g, owner, sealed).opens(g, opening.commitment(g)));
            assertNull(SealedOpening.open(g, stranger, sealed), "a stranger reads nothing");
            for (int i : new int[] {0, 20, 40, sealed.length - 1}) {
                byte[] altered = sealed.clone();
                altered[i] ^= 1;
                assertNull(SealedOpening.open(g, owner, altered), g.name() + " byte " + i);
            }
            assertFalse(opening.toString().contains(opening.blinding().toString()), "the blinding is not printed");
        }
        assertEquals(89, SealedOpening.SECP256K1_BYTES);
        assertEquals(137, SealedOpening.SM2_BYTES);
    }
}
