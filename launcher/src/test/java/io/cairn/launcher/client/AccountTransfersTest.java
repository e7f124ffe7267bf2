package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.crypto.Suites;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the CLI and the bench send: version 2 account envelopes a node's verifier accepts. */
class AccountTransfersTest {
    private static final long CHAIN_ID = 1234;

    @Test
    void theBodyIsNonceRecipientValueAndData() {
        Address to = Address.of(filled(20, 0x22));
        byte[] body = AccountTransfers.body(-2L, to, BigInteger.valueOf(300), new byte[] {7});
        Decoder d = new Decoder(body, "body");
        assertEquals(-2L, d.u64("nonce"), "u64, unsigned: 2^64 - 2");
        assertEquals(to, Address.of(d.fixed(20, "to")));
        assertEquals(BigInteger.valueOf(300), Uint256.fromBytes(d.fixed(32, "value")));
        assertArrayEquals(new byte[] {7}, d.bytes(Transaction.MAX_DATA, "data"));
        d.end();
        assertThrows(IllegalArgumentException.class,
                () -> AccountTransfers.body(0, to, BigInteger.ONE, new byte[Transaction.MAX_DATA + 1]));
    }

    @Test
    void aSignedTransferIsAVersion2AccountEnvelopeTheNodesVerifierAccepts() throws Exception {
        for (String name : List.of(CryptoSuite.SECP256K1, CryptoSuite.SM2)) {
            CryptoSuite suite = Suites.byName(name);
            CryptoSuite.KeyPair sender = suite.generateKeyPair();
            Address to = Address.of(filled(20, 0x33));
            Envelope tx = AccountTransfers.sign(suite, CHAIN_ID, 5, to, BigInteger.TEN, new byte[0], sender.privateKey(),
                    sender.publicKey());
            assertEquals(Envelope.VERSION, tx.version());
            assertEquals(Envelope.ACCOUNT, tx.ledger());
            assertEquals(CHAIN_ID, tx.chainId());
            assertEquals(1, tx.publicKeys().size(), "signed by the sender alone");
            assertArrayEquals(sender.publicKey(), tx.publicKeys().get(0));
            assertArrayEquals(AccountTransfers.body(5, to, BigInteger.TEN, new byte[0]), tx.body());
            assertArrayEquals(AccountTransfers.payload(CHAIN_ID, 5, to, BigInteger.TEN, new byte[0], sender.publicKey()),
                    tx.payload());
            assertArrayEquals(tx.payload(), Arrays.copyOf(tx.encoded(), tx.encoded().length - 64),
                    "the payload is the encoding without its one signature");
            assertTrue(suite.verify(suite.hash(tx.payload()), tx.signatures().get(0), sender.publicKey()));

            ChainSpec spec = ChainSpec.of(new Genesis(CHAIN_ID, suite.name(), "account", 1000, List.of(), new TreeMap<>()));
            VerifiedTransaction vt = new TransactionVerifier(spec, suite).verify(tx.encoded());
            assertEquals(suite.address(sender.publicKey()), vt.sender());
            assertArrayEquals(suite.hash(tx.payload()), vt.hash().toByteArray());
        }
    }

    private static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }
}
