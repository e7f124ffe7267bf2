package io.cairn.api.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.testing.KeyedSuite;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ChainSpecTest {
    private final KeyedSuite suite = new KeyedSuite("keyed");

    private List<String> sealers(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Bytes.toHex(suite.key("s" + i).publicKey()).toUpperCase().replace("0X", "0x"));
        }
        return out;
    }

    @Test
    void quorumAndFaultToleranceFollowTheSealerCount() {
        int[][] expected = {{1, 0, 1}, {3, 0, 3}, {4, 1, 3}, {7, 2, 5}, {10, 3, 7}};
        for (int[] e : expected) {
            ChainSpec spec = new ChainSpec(1, "keyed", "account", 0, sealers(e[0]));
            assertEquals(e[1], spec.f(), "f of " + e[0]);
            assertEquals(e[2], spec.quorum(), "quorum of " + e[0]);
        }
    }

    @Test
    void sealersAreNormalisedAndLookedUpInAnyCase() {
        List<String> keys = sealers(4);
        ChainSpec spec = ChainSpec.of(new Genesis(7, "keyed", "account", 5, keys, new TreeMap<>()));
        assertEquals(keys.get(2).toLowerCase(), spec.sealers().get(2));
        assertTrue(spec.isSealer(keys.get(2)));
        assertTrue(spec.isSealer(keys.get(2).toLowerCase()));
        assertFalse(spec.isSealer(Bytes.toHex(suite.key("stranger").publicKey())));
        assertFalse(spec.isSealer(null));
        assertEquals(Optional.of(3), spec.sealerIndex(keys.get(3)));
        assertEquals("7", spec.chainIdText());
        assertEquals("18446744073709551615", new ChainSpec(-1, "keyed", "account", 0, List.of()).chainIdText());
        List<String> twice = List.of(keys.get(0), keys.get(0).toLowerCase());
        assertThrows(MalformedDataException.class, () -> new ChainSpec(1, "keyed", "account", 0, twice));
    }

    @Test
    void aBlockIsFinalWithAQuorumOfDistinctValidSeals() {
        ChainSpec spec = new ChainSpec(1, "keyed", "account", 0, sealers(4));
        Hash block = suite.digest(new byte[] {1});
        List<byte[]> seals = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var k = suite.key("s" + i);
            seals.add(Seals.of(k.publicKey(), suite.sign(block.toByteArray(), k.privateKey())));
        }
        seals.add(seals.get(0));
        assertFalse(spec.isFinal(block, seals, suite), "a repeated seal counts once");
        var k = suite.key("s3");
        seals.add(Seals.of(k.publicKey(), suite.sign(block.toByteArray(), k.privateKey())));
        assertTrue(spec.isFinal(block, seals, suite));
        assertTrue(spec.usesSuite(suite));
        assertFalse(spec.usesSuite(new KeyedSuite("sm2")));
        assertFalse(spec.usesSuite(null));
    }
}
