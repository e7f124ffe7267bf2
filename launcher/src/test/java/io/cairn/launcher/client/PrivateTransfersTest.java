package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.confidential.Group;
import io.cairn.confidential.Kernel;
import io.cairn.confidential.Opening;
import io.cairn.confidential.Pedersen;
import io.cairn.confidential.RangeProof;
import io.cairn.confidential.SealedOpening;
import io.cairn.crypto.Suites;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The wallet side of the private ledger, checked against docs/privacy.md's body layout and kernel message. */
class PrivateTransfersTest {
    static final CryptoSuite SUITE = Suites.byName("secp256k1", false);
    static final Group GROUP = Group.secp256k1();
    final SecureRandom random = new SecureRandom();
    final CryptoSuite.KeyPair alice = SUITE.generateKeyPair();
    final CryptoSuite.KeyPair bob = SUITE.generateKeyPair();
    final CryptoSuite.KeyPair auditor = SUITE.generateKeyPair();

    @Test
    void aTransferIsLaidOutAsTheDocsSayAndItsKernelHoldsOverTheChainIdAndTheBody() {
        PrivateTransfers.Coin genesisCoin = new PrivateTransfers.Coin(Hash.ZERO, 0, new Opening(1000, BigInteger.ZERO),
                false);
        PrivateTransfers.Made made = PrivateTransfers.transfer(SUITE, GROUP, 7, List.of(genesisCoin),
                bob.publicKey(), 300, 0, alice.privateKey(), alice.publicKey(), auditor.publicKey(), random);
        byte[] body = made.tx().body();
        assertEquals(Envelope.PRIVATE, made.tx().ledger());
        assertEquals(1 + 36 + 1 + 2 * (20 + 33 + 89 + 1 + 89) + 8 + 754 + 65, body.length, "1,329 bytes");
        assertEquals(1329, body.length);
        // outputs: bob 300, alice's change 700, each opening sealed to its owner and the auditor
        int out0 = 1 + 36 + 1;
        assertEquals(SUITE.address(bob.publicKey()), Address.of(Arrays.copyOfRange(body, out0, out0 + 20)));
        ECPoint c0 = GROUP.decode(Arrays.copyOfRange(body, out0 + 20, out0 + 53), "c0");
        Opening toBob = SealedOpening.open(GROUP, new BigInteger(1, bob.privateKey()),
                Arrays.copyOfRange(body, out0 + 53, out0 + 142));
        assertEquals(300, toBob.amount());
        assertEquals(1, body[out0 + 142], "audited");
        Opening toAuditor = SealedOpening.open(GROUP, new BigInteger(1, auditor.privateKey()),
                Arrays.copyOfRange(body, out0 + 143, out0 + 232));
        assertEquals(300, toAuditor.amount());
        assertTrue(toBob.opens(GROUP, c0));
        int out1 = out0 + 232;
        ECPoint c1 = GROUP.decode(Arrays.copyOfRange(body, out1 + 20, out1 + 53), "c1");
        assertEquals(700, made.openings().get(1).amount());
        assertTrue(made.openings().get(1).opens(GROUP, c1));
        // the kernel signs u64 chainId | the body before it, for the excess of the genesis coin less the outputs
        int kernelAt = body.length - Kernel.SIGNATURE_BYTES;
        byte[] message = new byte[8 + kernelAt];
        message[7] = 7;
        System.arraycopy(body, 0, message, 8, kernelAt);
        ECPoint excess = Kernel.excess(GROUP, List.of(Pedersen.commit(GROUP, 1000, BigInteger.ZERO)), List.of(c0, c1),
                BigInteger.ZERO);
        assertNull(Kernel.check(GROUP, excess, message, Arrays.copyOfRange(body, kernelAt, body.length)));
        assertEquals(RangeProof.size(2), kernelAt - (out1 + 232) - 8);
    }

    @Test
    void aHolderOpensItsOwnCoinsOnlyAndSpendsTheLargestFreeOnesFirst() {
        ObjectMapper json = new ObjectMapper();
        ArrayNode coins = json.createArrayNode();
        Address owner = SUITE.address(alice.publicKey());
        coins.add(coin(json, Hash.ZERO, 0, GROUP.encode(Pedersen.commit(GROUP, 500, BigInteger.ZERO)), new byte[89],
                null));
        Opening mine = new Opening(40, GROUP.randomScalar(random));
        byte[] txBytes = new byte[32];
        txBytes[0] = 1;
        Hash other = Hash.of(txBytes);
        coins.add(coin(json, other, 1, GROUP.encode(mine.commitment(GROUP)),
                SealedOpening.seal(GROUP, PrivateTransfers.point(GROUP, alice.publicKey()), mine, random), null));
        Opening notMine = new Opening(70, GROUP.randomScalar(random));
        coins.add(coin(json, other, 2, GROUP.encode(notMine.commitment(GROUP)),
                SealedOpening.seal(GROUP, PrivateTransfers.point(GROUP, bob.publicKey()), notMine, random), null));
        coins.add(coin(json, other, 3, GROUP.encode(mine.commitment(GROUP)),
                SealedOpening.seal(GROUP, PrivateTransfers.point(GROUP, alice.publicKey()), mine, random),
                "0x" + "ab".repeat(32)));
        TreeMap<Address, BigInteger> alloc = new TreeMap<>();
        alloc.put(owner, BigInteger.valueOf(500));
        Genesis genesis = new Genesis(7, "secp256k1", "private", 0, List.of(), alloc);
        List<PrivateTransfers.Coin> opened = PrivateTransfers.open(coins, GROUP, genesis, owner,
                new BigInteger(1, alice.privateKey()));
        assertEquals(3, opened.size(), "the genesis coin and the two sealed to alice (one being spent); bob's is not hers");
        assertEquals(BigInteger.valueOf(580), PrivateTransfers.total(opened));
        List<PrivateTransfers.Coin> chosen = PrivateTransfers.select(opened, BigInteger.valueOf(520));
        assertEquals(List.of(500L, 40L), chosen.stream().map(PrivateTransfers.Coin::amount).toList(),
                "largest first, not the coin a pending transaction spends");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrivateTransfers.select(opened, BigInteger.valueOf(560)));
        assertEquals("the coins this key opens hold 540 unspent, less than 560", e.getMessage());
    }

    private static ObjectNode coin(ObjectMapper json, Hash tx, int index, byte[] commitment, byte[] sealed,
            String spentBy) {
        ObjectNode c = json.createObjectNode();
        c.put("txHash", tx.toHex());
        c.put("index", index);
        c.put("commitment", Bytes.toHex(commitment));
        c.put("sealedToOwner", Bytes.toHex(sealed));
        c.put("spentBy", spentBy);
        return c;
    }
}
