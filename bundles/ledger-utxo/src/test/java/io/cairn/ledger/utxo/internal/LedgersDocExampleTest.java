package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.ledger.Pending;
import io.cairn.api.node.StateTransition;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.crypto.Suites;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The worked example of docs/ledgers.md ("UTXO"): a one-input, two-output spend with secp256k1 and the key of
 * docs/formats.md, byte for byte, and the state roots it leads to. The doc is checked when it has a UTXO section
 * (system property {@code cairn.ledgersDoc} names another file to check).
 */
class LedgersDocExampleTest {
    static final String KEY = "0x4646464646464646464646464646464646464646464646464646464646464646";
    static final String SENDER = "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f";
    static final String TO = "0x3535353535353535353535353535353535353535";

    static final String BODY = "0x0100000000000000000000000000000000000000000000000000000000000000000000000002353535353535353535"
            + "353535353535353535353500000000000000000000000000000000000000000000000000000000000002589d8a62f656"
            + "a8d1615c1294fd71e9cfb3e4855a4f0000000000000000000000000000000000000000000000000000000000000186";
    static final String HASH = "0x6b672dc975381c0239abeea129d47e22a1a5266770d5c9501f89e78318b94047";
    static final String SIGNATURE = "0xcff59fc77aee4d02a7c34249814fe10361e8db54f99718dfc94f8ba70d630826476d6307a1897cd946bc053cbb4458"
            + "75488ec68f7bb5d19f97da1ea188a4f721";
    static final String ENCODED = "0x020000000000000001020000008e010000000000000000000000000000000000000000000000000000000000000000"
            + "000000000235353535353535353535353535353535353535350000000000000000000000000000000000000000000000"
            + "0000000000000002589d8a62f656a8d1615c1294fd71e9cfb3e4855a4f00000000000000000000000000000000000000"
            + "00000000000000000000000186014bc2a31265153f07e70e0bab08724e6b85e217f8cd628ceb62974247bb493382ce28"
            + "cab79ad7119ee1ad3ebcdb98a16805211530ecc6cfefa1b88e6dff99232acff59fc77aee4d02a7c34249814fe10361e8"
            + "db54f99718dfc94f8ba70d630826476d6307a1897cd946bc053cbb445875488ec68f7bb5d19f97da1ea188a4f721";
    static final String GENESIS_ROOT = "0x9065228f179b5347f39047b65a34004006c08cfdf9fb17fc589284fcf85b8188";
    static final String BLOCK_ROOT = "0x6dfeb2895e4159f9e252bfe4813c3fcc1950608204a9a1ec83949c0b9ab6a350";

    @Test
    void theExampleIsWhatTheCodeMakes() throws Exception {
        CryptoSuite suite = Suites.byName("secp256k1", false);
        byte[] key = Bytes.fromHex(KEY);
        Address sender = suite.address(suite.publicKey(key));
        assertEquals(SENDER, sender.toHex());
        Address to = Address.fromHex(TO);

        UtxoLedger model = new UtxoLedger(suite);
        Spends.Store store = new Spends.Store();
        Genesis genesis = new Genesis(1, "secp256k1", "utxo", 0, List.of(),
                new TreeMap<>(Map.of(sender, BigInteger.valueOf(1000))));
        StateTransition g = store.commit(model.genesis(genesis));

        byte[] body = UtxoBody.encode(List.of(new CoinId(Hash.ZERO, 0)),
                List.of(new UtxoBody.Output(to, BigInteger.valueOf(600)), new UtxoBody.Output(sender,
                        BigInteger.valueOf(390))));
        Envelope e = Envelope.sign(suite, 1, Envelope.UTXO, body, List.of(key));
        VerifiedTransaction tx = new TransactionVerifier(ChainSpec.of(genesis), suite).verify(e.encoded());
        model.admit(tx, store.pointReads(), Pending.NONE);
        StateTransition b = store.commit(model.apply(1, List.of(tx), store.pointReads()));

        assertEquals(BODY, Bytes.toHex(body));
        assertEquals(HASH, tx.hash().toHex());
        assertEquals(SIGNATURE, Bytes.toHex(e.signatures().get(0)));
        assertEquals(ENCODED, Bytes.toHex(e.encoded()));
        assertEquals(Bytes.toHex(suite.hash(e.payload())), HASH);
        assertEquals(GENESIS_ROOT, g.stateRoot().toHex());
        assertEquals(BLOCK_ROOT, b.stateRoot().toHex());
        assertEquals(BLOCK_ROOT, store.fullRoot(model).toHex());
        assertEquals(SENDER, b.receipts().get(0).from().toHex());
        // the coins the example names
        assertEquals(new Coin(to, BigInteger.valueOf(600)), Coin.load(store, new CoinId(tx.hash(), 0)));
        assertEquals(new Coin(sender, BigInteger.valueOf(390)), Coin.load(store, new CoinId(tx.hash(), 1)));
        assertEquals(BigInteger.valueOf(390), model.balance(store, sender));
        assertEquals(BigInteger.valueOf(600), model.balance(store, to));
        assertEquals(List.of(Map.of("txHash", HASH, "index", 1L, "amount", "390")),
                ((List<?>) model.queries().get(0).answer(List.of(SENDER), store, Pending.NONE)).stream()
                        .map(o -> withoutNulls((Map<?, ?>) o)).toList());
        assertEquals("{inputs=[{txHash=" + Hash.ZERO.toHex() + ", index=0}], outputs=[{owner=" + TO
                + ", amount=600}, {owner=" + SENDER + ", amount=390}]}", model.describe(tx).toString());
    }

    private static Map<Object, Object> withoutNulls(Map<?, ?> m) {
        Map<Object, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Test
    void theDocShowsTheExample() throws IOException {
        String named = System.getProperty("cairn.ledgersDoc");
        Path doc = named != null && !named.isBlank() ? Path.of(named)
                : Path.of(System.getProperty("user.dir")).resolve("../../docs/ledgers.md").normalize();
        Assumptions.assumeTrue(Files.exists(doc), doc + " does not exist");
        String text = Files.readString(doc);
        Assumptions.assumeTrue(text.contains("## UTXO"), doc + " has no UTXO section yet");
        for (String v : List.of(SENDER, BODY, HASH, SIGNATURE, ENCODED, GENESIS_ROOT, BLOCK_ROOT)) {
            assertTrue(text.contains(v), doc + " shows " + v);
        }
    }
}
