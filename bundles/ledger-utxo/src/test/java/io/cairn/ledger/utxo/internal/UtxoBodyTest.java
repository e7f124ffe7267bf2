package io.cairn.ledger.utxo.internal;

import io.cairn.api.ledger.CoinId;
import static io.cairn.ledger.utxo.internal.Spends.CHAIN;
import static io.cairn.ledger.utxo.internal.Spends.SUITE;
import static io.cairn.ledger.utxo.internal.Spends.addr;
import static io.cairn.ledger.utxo.internal.Spends.coin;
import static io.cairn.ledger.utxo.internal.Spends.out;
import static io.cairn.ledger.utxo.internal.Spends.signed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Uint256;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.ledger.Claims;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The body's encoding and the rules that need no state, as {@link UtxoLedger#claims} applies them. */
class UtxoBodyTest {
    private static final Address ALICE = addr(1);
    private static final Address BOB = addr(2);
    private static final Hash T = Hash.of(SUITE.hash("t".getBytes()));
    private static final Hash U = Hash.of(SUITE.hash("u".getBytes()));
    private static final BigInteger MAX = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

    private final UtxoLedger model = new UtxoLedger(SUITE);

    private TxRejectedException refusal(byte[] body) {
        VerifiedTransaction tx = signed(CHAIN, body, List.of(ALICE));
        return assertThrows(TxRejectedException.class, () -> model.claims(tx));
    }

    private void malformed(byte[] body, String... words) {
        TxRejectedException e = refusal(body);
        assertEquals(Reason.MALFORMED, e.reason());
        assertEquals(-32010, e.reason().code);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' in: " + e.getMessage());
        }
    }

    private static Encoder input(Encoder e, Hash h, int index) {
        return e.fixed(h.toByteArray()).u32(index);
    }

    private static Encoder output(Encoder e, Address owner, BigInteger amount) {
        return e.fixed(owner.toByteArray()).fixed(Uint256.toBytes(amount));
    }

    @Test
    void layoutIsCountsThenFixedWidthRecords() {
        byte[] body = UtxoBody.encode(List.of(coin(T, 3), coin(U, 0x01020304)),
                List.of(out(BOB, 5), out(ALICE, 7)));
        byte[] expected = output(output(input(input(new Encoder().u8(2), T, 3), U, 0x01020304).u8(2), BOB,
                BigInteger.valueOf(5)), ALICE, BigInteger.valueOf(7)).toByteArray();
        assertArrayEquals(expected, body);
        assertEquals(2 + 2 * 36 + 2 * 52, body.length);
        UtxoBody b = UtxoBody.decode(body);
        assertEquals(List.of(coin(T, 3), coin(U, 0x01020304)), b.inputs);
        assertEquals(List.of(out(BOB, 5), out(ALICE, 7)), b.outputs);
        assertEquals(BigInteger.valueOf(12), b.totalOut);
    }

    @Test
    void claimsConsumeTheInputsAndProduceTheOutputs() throws TxRejectedException {
        VerifiedTransaction tx = signed(CHAIN, UtxoBody.encode(List.of(coin(T, 1), coin(U, 0)),
                List.of(out(BOB, 5), out(ALICE, 7), out(BOB, 1))), List.of(ALICE));
        Claims c = model.claims(tx);
        assertEquals(List.of(coin(T, 1).poolKey(), coin(U, 0).poolKey()), c.consumes());
        assertEquals(List.of(coin(tx.hash(), 0).poolKey(), coin(tx.hash(), 1).poolKey(), coin(tx.hash(), 2).poolKey()),
                c.produces());
        // the pool key: 'c' | txHash | u32 index
        byte[] k = coin(T, 0x0a0b0c0d).poolKey().bytes();
        assertEquals(37, k.length);
        assertEquals('c', k[0]);
        assertArrayEquals(T.toByteArray(), Arrays.copyOfRange(k, 1, 33));
        assertArrayEquals(new byte[] {0x0a, 0x0b, 0x0c, 0x0d}, Arrays.copyOfRange(k, 33, 37));
        assertEquals(coin(T, 0x0a0b0c0d), CoinId.of(coin(T, 0x0a0b0c0d).poolKey()));
        // decoded once, kept in the transaction
        assertSame(UtxoBody.of(tx), UtxoBody.of(tx));
    }

    @Test
    void inputListedTwiceIsMalformed() {
        byte[] body = UtxoBody.encode(List.of(coin(T, 1), coin(U, 0), coin(T, 1)), List.of(out(BOB, 5)));
        malformed(body, "input 2", "coin " + T + ":1", "input 0");
        // the same hash with another index is another coin
        UtxoBody.decode(UtxoBody.encode(List.of(coin(T, 1), coin(T, 2)), List.of(out(BOB, 5))));
    }

    @Test
    void outputOfZeroIsMalformed() {
        malformed(UtxoBody.encode(List.of(coin(T, 1)), List.of(out(BOB, 5), out(ALICE, 0))), "output 1", "amount is 0");
    }

    @Test
    void outputsAboveTwoTo256MinusOneAreMalformed() {
        byte[] max = UtxoBody.encode(List.of(coin(T, 1)), List.of(new UtxoBody.Output(BOB, MAX)));
        assertEquals(MAX, UtxoBody.decode(max).totalOut);
        byte[] over = UtxoBody.encode(List.of(coin(T, 1)),
                List.of(new UtxoBody.Output(BOB, MAX), new UtxoBody.Output(ALICE, BigInteger.ONE)));
        malformed(over, "outputs total " + MAX.add(BigInteger.ONE), "2^256-1");
    }

    @Test
    void countsAreOneTo255() {
        malformed(new Encoder().u8(0).u8(1).toByteArray(), "input count is 0");
        malformed(output(input(new Encoder().u8(1), T, 0).u8(0), BOB, BigInteger.ONE).toByteArray(), "output count is 0");
        Encoder e = new Encoder().u8(255);
        for (int i = 0; i < 255; i++) {
            input(e, T, i);
        }
        e.u8(255);
        for (int i = 0; i < 255; i++) {
            output(e, BOB, BigInteger.ONE);
        }
        UtxoBody b = UtxoBody.decode(e.toByteArray());
        assertEquals(255, b.inputs.size());
        assertEquals(255, b.outputs.size());
        assertThrows(IllegalArgumentException.class, () -> UtxoBody.encode(List.of(), List.of(out(BOB, 1))));
    }

    @Test
    void truncatedOrTrailingBytesAreMalformed() {
        byte[] body = UtxoBody.encode(List.of(coin(T, 1)), List.of(out(BOB, 5)));
        malformed(Arrays.copyOf(body, body.length + 1), "1 unexpected trailing bytes");
        malformed(Arrays.copyOf(body, body.length - 1), "truncated at output 0 amount");
        malformed(Arrays.copyOf(body, 30), "truncated at input 0 txHash");
        malformed(Arrays.copyOf(body, 35), "truncated at input 0 index");
        malformed(Arrays.copyOf(body, 37), "truncated at output count");
        malformed(Arrays.copyOf(body, 40), "truncated at output 0 owner");
        malformed(new byte[0], "truncated at input count");
    }

    @Test
    void anotherLedgersTransactionIsRefused() {
        byte[] body = UtxoBody.encode(List.of(coin(T, 1)), List.of(out(BOB, 5)));
        VerifiedTransaction account = Spends.VERIFIER.committed(Envelope.sign(SUITE, CHAIN, Envelope.ACCOUNT, body,
                List.of(Spends.keyOf(ALICE).privateKey())).encoded());
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> model.claims(account));
        assertEquals(Reason.WRONG_LEDGER, e.reason());
        assertTrue(e.getMessage().contains("account ledger"), e.getMessage());
        assertThrows(TxRejectedException.class, () -> model.describe(account));
    }
}
