package io.cairn.crypto.internal;

import io.cairn.crypto.Suites;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private static final String V2_HASH = "0xcaca7915e8495ceab8c7d8cf9fabedb2cf44cefea40ae6a875f476cbab3e51fd";
    private static final String V2_ENCODED = "0x020000000000000001010000004000000000000000093535353535353535353535353535353535"
            + "35353500000000000000000000000000000000000000000000000000000000000003e800000000014bc2a31265153f07e70e0bab0872"
            + "4e6b85e217f8cd628ceb62974247bb493382ce28cab79ad7119ee1ad3ebcdb98a16805211530ecc6cfefa1b88e6dff99232aa4a10411"
            + "73e5c3b20a07a78a5468b45d36e67d405417ec5e5b9adf78d8f4a7c87ed781b605dacbe236b16da7b564f9650a57681b082346f80ec5"
            + "f7a21c8cb99c";

    /** The same transfer as a version 2 envelope of the account ledger. */
    @Test
    void envelopeVectorMatchesTheDoc() throws IOException {
        CryptoSuite suite = Suites.byName("secp256k1");
        byte[] key = Bytes.fromHex(KEY);
        byte[] body = new Encoder(64).u64(9)
                .fixed(Address.fromHex("0x3535353535353535353535353535353535353535").toByteArray())
                .fixed(Uint256.toBytes(BigInteger.valueOf(1000))).bytes(new byte[0]).toByteArray();
        Envelope e = Envelope.sign(suite, 1, Envelope.ACCOUNT, body, List.of(key));

        assertEquals(V2_HASH, Bytes.toHex(suite.hash(e.payload())));
        assertEquals(V2_ENCODED, Bytes.toHex(e.encoded()));
        assertEquals(e, Envelope.decode(Bytes.fromHex(V2_ENCODED)));

        Path doc = Path.of(System.getProperty("user.dir")).resolve("../../docs/formats.md").normalize();
        if (Files.exists(doc)) {
            String text = Files.readString(doc);
            assertTrue(text.contains(V2_HASH) && text.contains(V2_ENCODED), "docs/formats.md shows this vector");
        }
    }

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
