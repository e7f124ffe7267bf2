package io.cairn.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class UtxoTransfersTest {
    private static final Address ALICE = Address.of(filled(0x11, 20));
    private static final Address BOB = Address.of(filled(0x22, 20));

    private static byte[] filled(int b, int n) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    private static UtxoTransfers.Coin coin(int id, long amount) {
        return new UtxoTransfers.Coin(Hash.of(filled(id, 32)), id, BigInteger.valueOf(amount));
    }

    @Test
    void theLargestCoinsAreSpentFirstAndTheChangeGoesBack() {
        List<UtxoTransfers.Coin> coins = List.of(coin(1, 5), coin(2, 50), coin(3, 20), coin(4, 20));
        List<UtxoTransfers.Coin> chosen = UtxoTransfers.select(coins, BigInteger.valueOf(60));
        assertEquals(List.of(coin(2, 50), coin(3, 20)), chosen);
        assertEquals(List.of(new UtxoTransfers.Output(BOB, BigInteger.valueOf(60)),
                new UtxoTransfers.Output(ALICE, BigInteger.TEN)), UtxoTransfers.outputs(chosen, ALICE, BOB, BigInteger.valueOf(60)));
        assertEquals(List.of(coin(2, 50)), UtxoTransfers.select(coins, BigInteger.valueOf(50)), "no change needed");
        assertEquals(List.of(new UtxoTransfers.Output(BOB, BigInteger.valueOf(50))),
                UtxoTransfers.outputs(List.of(coin(2, 50)), ALICE, BOB, BigInteger.valueOf(50)));
    }

    @Test
    void coinsThatDoNotCoverTheAmountAreRefusedNamingTheShortfall() {
        assertEquals("the unspent coins add up to 25, less than 26", assertThrows(IllegalArgumentException.class,
                () -> UtxoTransfers.select(List.of(coin(1, 5), coin(2, 20)), BigInteger.valueOf(26))).getMessage());
        assertEquals("the unspent coins add up to 0, less than 1", assertThrows(IllegalArgumentException.class,
                () -> UtxoTransfers.select(List.of(), BigInteger.ONE)).getMessage());
        List<UtxoTransfers.Coin> dust = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            dust.add(coin(i % 250, 1));
        }
        assertThrows(IllegalArgumentException.class, () -> UtxoTransfers.select(dust, BigInteger.valueOf(256)));
    }

    @Test
    void theBodyIsInputsThenOutputs() {
        byte[] body = UtxoTransfers.body(List.of(coin(7, 9)), List.of(new UtxoTransfers.Output(BOB, BigInteger.valueOf(9))));
        String hex = Bytes.toHex(body);
        assertEquals("0x01" + "07".repeat(32) + "00000007" + "01" + "22".repeat(20) + "00".repeat(31) + "09", hex);
    }
}
