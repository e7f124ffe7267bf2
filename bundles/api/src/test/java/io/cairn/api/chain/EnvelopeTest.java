package io.cairn.api.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private final KeyedSuite suite = new KeyedSuite("keyed");
    private final CryptoSuite.KeyPair alice = suite.key("alice");
    private final CryptoSuite.KeyPair bob = suite.key("bob");
    private final byte[] body = {1, 2, 3, 4};

    @Test
    void aVersion2EnvelopeIsItsPayloadThenOneSignaturePerSigner() {
        Envelope e = Envelope.sign(suite, 7, Envelope.UTXO, body, List.of(alice.privateKey(), bob.privateKey()));
        byte[] payload = Envelope.payload(7, Envelope.UTXO, body, List.of(alice.publicKey(), bob.publicKey()));
        assertEquals(2, e.version());
        assertEquals(7, e.chainId());
        assertEquals(Envelope.UTXO, e.ledger());
        assertArrayEquals(body, e.body());
        assertArrayEquals(payload, e.payload());
        assertEquals(payload.length + 128, e.encoded().length);
        // u8 2 | u64 chainId | u8 ledger | u32 len | body | u8 n | keys
        assertEquals(1 + 8 + 1 + 4 + body.length + 1 + 128, payload.length);
        assertEquals(2, payload[0]);
        assertEquals(Envelope.UTXO, payload[9]);
        assertEquals(2, payload[14 + body.length]);
        byte[] hash = suite.hash(payload);
        assertTrue(suite.verify(hash, e.signatures().get(0), alice.publicKey()));
        assertTrue(suite.verify(hash, e.signatures().get(1), bob.publicKey()));
        assertEquals(e, Envelope.decode(e.encoded().clone()));
    }

    @Test
    void theHashNamesTheSigners() {
        byte[] byAlice = Envelope.payload(7, Envelope.ACCOUNT, body, List.of(alice.publicKey()));
        byte[] byBob = Envelope.payload(7, Envelope.ACCOUNT, body, List.of(bob.publicKey()));
        assertNotEquals(Arrays.toString(suite.hash(byAlice)), Arrays.toString(suite.hash(byBob)));
    }

    @Test
    void aVersion1TransferDecodesAsAnAccountEnvelope() {
        byte[] payload = Transaction.signingPayload(7, 3, alice.publicKey(), Address.ZERO, BigInteger.TEN, new byte[] {9});
        byte[] sig = suite.sign(suite.hash(payload), alice.privateKey());
        byte[] v1 = new Transaction(7, 3, Address.ZERO, BigInteger.TEN, new byte[] {9}, alice.publicKey(), sig).encode();
        Envelope e = Envelope.decode(v1);
        assertEquals(1, e.version());
        assertEquals(7, e.chainId());
        assertEquals(Envelope.ACCOUNT, e.ledger());
        assertArrayEquals(payload, e.payload(), "the hash is the one the first format defined");
        assertArrayEquals(Arrays.copyOfRange(payload, 9, payload.length), e.body(), "nonce | key | to | value | data");
        assertArrayEquals(alice.publicKey(), e.publicKeys().get(0));
        assertArrayEquals(sig, e.signatures().get(0));
        assertArrayEquals(v1, e.encoded());
    }

    @Test
    void decodingIsStrict() {
        byte[] good = Envelope.sign(suite, 7, Envelope.ACCOUNT, body, List.of(alice.privateKey())).encoded();
        assertMalformed(Arrays.copyOf(good, good.length + 1), "trailing");
        assertMalformed(Arrays.copyOf(good, good.length - 1), "signature 0");
        assertMalformed(new byte[0], "empty");
        byte[] v3 = good.clone();
        v3[0] = 3;
        assertMalformed(v3, "unsupported version 3");
        byte[] ledger0 = good.clone();
        ledger0[9] = 0;
        assertMalformed(ledger0, "ledger code 0");
        byte[] noSigners = Arrays.copyOf(good, 14 + body.length + 1);
        noSigners[14 + body.length] = 0;
        assertMalformed(noSigners, "0 signers");
        assertThrows(MalformedDataException.class, () -> Envelope.payload(7, Envelope.ACCOUNT, body, List.of()));
        assertThrows(MalformedDataException.class,
                () -> Envelope.payload(7, Envelope.ACCOUNT, new byte[Envelope.MAX_BODY + 1], List.of(alice.publicKey())));
        assertThrows(MalformedDataException.class, () -> Envelope.payload(7, Envelope.ACCOUNT, body, List.of(new byte[63])));
        byte[] p = Envelope.payload(7, Envelope.ACCOUNT, body, List.of(alice.publicKey()));
        assertThrows(MalformedDataException.class, () -> Envelope.of(p, List.of(new byte[64], new byte[64])));
    }

    @Test
    void ledgerCodesAreRegisteredNames() {
        assertEquals(1, Envelope.ledgerCode("account"));
        assertEquals(2, Envelope.ledgerCode("utxo"));
        assertEquals(3, Envelope.ledgerCode("dag"));
        assertEquals(-1, Envelope.ledgerCode("nosuch"));
        assertEquals(-1, Envelope.ledgerCode(""));
        assertEquals("dag", Envelope.ledgerName(3));
        assertEquals("ledger 9", Envelope.ledgerName(9));
    }

    private static void assertMalformed(byte[] bytes, String expected) {
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> Envelope.decode(bytes));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
