package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Transaction;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The worked example in docs/formats.md is what this code produces, byte for byte. */
class FormatsDocVectorTest {
    private static final String KEY = "0x4646464646464646464646464646464646464646464646464646464646464646";
    private static final String HASH = "0x25a19efc57e783ec582d25aa040f83e2cbf6e3a4477e5c5aabb3e8c86bc0fdeb";
    private static final String ENCODED = "0x01000000000000000100000000000000094bc2a31265153f07e70e0bab08724e6b85e217"
            + "f8cd628ceb62974247bb493382ce28cab79ad7119ee1ad3ebcdb98a16805211530ecc6cfefa1b88e6dff99232a3535353535353535"
            + "35353535353535353535353500000000000000000000000000000000000000000000000000000000000003e8000000001e9463ad"
            + "4e81ad71feda52c64a83374779e7a02b8e8d47de59a4ae3077a0738f3395e328f4ceab84881584ffbba6f29c3f9bca47a9119934"
            + "dd04ba345ce780a8";

    @Test
    void transferVectorMatchesTheDoc() throws IOException {
        CryptoSuite suite = Suites.byName("secp256k1");
        byte[] key = Bytes.fromHex(KEY);
        byte[] pub = suite.publicKey(key);
        Address to = Address.fromHex("0x3535353535353535353535353535353535353535");
        byte[] payload = Transaction.signingPayload(1, 9, pub, to, BigInteger.valueOf(1000), new byte[0]);
        byte[] hash = suite.hash(payload);
        Transaction tx = new Transaction(1, 9, to, BigInteger.valueOf(1000), new byte[0], pub, suite.sign(hash, key));

        assertEquals(HASH, Bytes.toHex(hash));
        assertEquals(ENCODED, Bytes.toHex(tx.encode()));
        assertEquals("0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f", suite.address(pub).toHex());

        Path doc = Path.of(System.getProperty("user.dir")).resolve("../../docs/formats.md").normalize();
        if (Files.exists(doc)) {
            String text = Files.readString(doc);
            assertTrue(text.contains(HASH) && text.contains(ENCODED), "docs/formats.md shows this vector");
        }
    }
}
