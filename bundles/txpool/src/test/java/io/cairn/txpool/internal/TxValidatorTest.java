package io.cairn.txpool.internal;

import static io.cairn.txpool.internal.Fakes.CHAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.node.TxRejectedException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chain's transaction rules as the pool applies them: decoding, chain id, duplicates, then the signature. */
class TxValidatorTest {
    private final Fakes.Suite suite = new Fakes.Suite();
    private final Fakes.Chain chain = new Fakes.Chain(1_000_000).withGenesis();
    private final Fakes.Model model = new Fakes.Model();
    private final TxValidator validator = new TxValidator();
    private final PendingTransactions pending = new PendingTransactions((n, limit) -> {}, 1000);

    private TransactionVerifier verifier() throws TxRejectedException {
        return validator.verifier(chain, suite);
    }

    private TxRejectedException rejected(byte[] tx, Reason reason) {
        TxRejectedException e = assertThrows(TxRejectedException.class,
                () -> TxValidator.validate(tx, verifier(), chain, pending));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    private Fakes.Account account(int n) {
        return Fakes.Account.of(suite, n);
    }

    @Test
    void malformedCarriesTheDecoderMessage() {
        byte[] truncated = java.util.Arrays.copyOf(account(1).tx(suite, 0), 50);
        String decoderSays = assertThrows(MalformedDataException.class, () -> Transaction.decode(truncated)).getMessage();
        assertEquals(decoderSays, rejected(truncated, Reason.MALFORMED).getMessage());
        assertEquals("transaction bytes are missing", rejected(null, Reason.MALFORMED).getMessage());
        assertEquals(0, suite.verifies.get());
    }

    @Test
    void wrongChain() {
        byte[] tx = account(1).tx(suite, CHAIN + 1, 0, 1);
        assertEquals("transaction is for chain 8, this node runs chain 7", rejected(tx, Reason.WRONG_CHAIN).getMessage());
        assertEquals(0, suite.verifies.get());
    }

    @Test
    void duplicatePendingAndCommittedAreCaughtBeforeTheSignatureCheck() throws Exception {
        byte[] tx = account(1).tx(suite, 0);
        VerifiedTransaction v = TxValidator.validate(tx, verifier(), chain, pending);
        pending.admit(v, chain, model, 100);
        assertEquals("transaction " + v.hash() + " is already pending", rejected(tx, Reason.DUPLICATE).getMessage());
        TransactionVerifier verifier = verifier();
        chain.commit((block, hash, txs) -> pending.committed(block, txs, verifier, chain, model), List.of(v));
        assertEquals(0, pending.size());
        assertEquals("transaction " + v.hash() + " is already committed in block 1",
                rejected(tx, Reason.DUPLICATE).getMessage());
        assertEquals(1, suite.verifies.get(), "duplicates are caught before the signature check");
    }

    @Test
    void badSignature() {
        byte[] tx = account(1).tx(suite, 0);
        tx[tx.length - 1] ^= 1;
        TxRejectedException e = rejected(tx, Reason.BAD_SIGNATURE);
        assertTrue(e.getMessage().endsWith("the signature does not verify for its public key"), e.getMessage());
    }

    @Test
    void theVerifierIsTheChainsAndKeptUntilTheStoreOrSuiteChanges() throws Exception {
        TransactionVerifier v = verifier();
        assertEquals(CHAIN, v.spec().chainId());
        assertSame(v, verifier(), "read once per store and suite");
        Fakes.Suite other = new Fakes.Suite();
        TransactionVerifier w = validator.verifier(chain, other);
        assertSame(other, w.suite());
        Fakes.Chain empty = new Fakes.Chain(0);
        assertNull(validator.rules(empty, suite));
        assertEquals("txpool not ready: no genesis block yet", assertThrows(TxRejectedException.class,
                () -> validator.verifier(empty, suite)).getMessage());
        empty.suite = "sm2";
        empty.withGenesis();
        TxRejectedException e = assertThrows(TxRejectedException.class, () -> validator.verifier(empty, suite));
        assertEquals(Reason.NOT_READY, e.reason());
        assertEquals("txpool not ready: the crypto suite 'test-keyed' is not the chain's: its genesis names 'sm2'",
                e.getMessage());
    }
}
