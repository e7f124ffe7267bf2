package io.cairn.ledger.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Uint256;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.crypto.Suites;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worked example of docs/ledgers.md, "DAG", is what this code makes, byte for byte (secp256k1, RFC 6979). */
class LedgersDocVectorTest {
    private static final String KEY = "0x4646464646464646464646464646464646464646464646464646464646464646";
    private static final String TO = "0x3535353535353535353535353535353535353535";
    private static final String SENDER = "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f";
    static final String BODY = "0x010000000000000000000000000000000000000000000000000000000000000000353535353535353535"
            + "353535353535353535353500000000000000000000000000000000000000000000000000000000000003e8";
    static final String HASH = "0xa38e3f0ef2025fceadb0ac43bae906336ea1594db118f563ed6889c2fe487404";
    static final String SIGNATURE = "0x5540749e5b3ae204ad9dabf6523ca31a5353f006499213ef2b741d3818171aa25e0ac948afd5e5"
            + "6fefafe75d99c701816981f1a88819c478adc66f4d4e36e7b6";
    static final String ENCODED = "0x020000000000000001030000005501000000000000000000000000000000000000000000000000000"
            + "0000000000000353535353535353535353535353535353535353500000000000000000000000000000000000000000000000000000"
            + "000000003e8014bc2a31265153f07e70e0bab08724e6b85e217f8cd628ceb62974247bb493382ce28cab79ad7119ee1ad3ebcdb98a"
            + "16805211530ecc6cfefa1b88e6dff99232a5540749e5b3ae204ad9dabf6523ca31a5353f006499213ef2b741d3818171aa25e0ac94"
            + "8afd5e56fefafe75d99c701816981f1a88819c478adc66f4d4e36e7b6";
    /** What the send leaves in state: its receivable, its index entry. */
    static final String RECEIVABLE_KEY = "0x7372a38e3f0ef2025fceadb0ac43bae906336ea1594db118f563ed6889c2fe487404";
    static final String RECEIVABLE = "0x353535353535353535353535353535353535353500000000000000000000000000000000000000000"
            + "000000000000000000003e8";
    static final String TX_KEY = "0x7374a38e3f0ef2025fceadb0ac43bae906336ea1594db118f563ed6889c2fe487404";
    static final String TX_INDEX = "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f000000000000000101"
            + "0000000000000000000000000000000000000000000000000000000000000000";
    static final String RECEIVE_BODY = "0x02000000000000000000000000000000000000000000000000000000000000000"
            + "0a38e3f0ef2025fceadb0ac43bae906336ea1594db118f563ed6889c2fe487404";

    private static final List<String> ALL = List.of(BODY, HASH, SIGNATURE, ENCODED, RECEIVABLE_KEY, RECEIVABLE,
            TX_KEY, TX_INDEX, RECEIVE_BODY);

    @Test
    void theSendOfTheExampleIsTheseBytes() {
        CryptoSuite suite = Suites.byName("secp256k1");
        byte[] key = Bytes.fromHex(KEY);
        Address to = Address.fromHex(TO);
        byte[] body = DagBody.send(Hash.ZERO, to, BigInteger.valueOf(1000));
        Envelope e = Envelope.sign(suite, 1, Envelope.DAG, body, List.of(key));
        Hash hash = Hash.of(suite.hash(e.payload()));
        Address sender = suite.address(suite.publicKey(key));

        assertEquals(BODY, Bytes.toHex(body));
        assertEquals(HASH, hash.toHex());
        assertEquals(SIGNATURE, Bytes.toHex(e.signatures().get(0)));
        assertEquals(ENCODED, Bytes.toHex(e.encoded()));
        assertEquals(e, Envelope.decode(Bytes.fromHex(ENCODED)));
        assertEquals(SENDER, sender.toHex());
        assertEquals(RECEIVABLE_KEY, Bytes.toHex(DagState.receivableKey(hash)));
        assertEquals(RECEIVABLE, Bytes.toHex(DagState.Receivable.encode(to, Uint256.toBytes(BigInteger.valueOf(1000)))));
        assertEquals(TX_KEY, Bytes.toHex(DagState.txKey(hash)));
        assertEquals(TX_INDEX, Bytes.toHex(DagState.TxIndex.encode(sender, 1, DagBody.SEND, Hash.ZERO)));
        assertEquals(RECEIVE_BODY, Bytes.toHex(DagBody.receive(Hash.ZERO, hash)));
    }

    @Test
    void docsLedgersShowsTheExampleOnceItHasADagSection() throws IOException {
        Path doc = Path.of(System.getProperty("user.dir")).resolve("../../docs/ledgers.md").normalize();
        assumeTrue(Files.exists(doc), "no docs/ledgers.md beside this module");
        String text = Files.readString(doc);
        assumeTrue(text.contains("## DAG"), "docs/ledgers.md has no DAG section yet");
        for (String bytes : ALL) {
            assertTrue(text.contains(bytes), "docs/ledgers.md shows " + bytes);
        }
    }
}
