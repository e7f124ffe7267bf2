package io.cairn.api.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MerkleRoot;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.testing.KeyedSuite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

class TransactionVerifierTest {
    static final long CHAIN = 5;
    private final KeyedSuite suite = new KeyedSuite("keyed");
    private final CryptoSuite.KeyPair alice = suite.key("alice");
    private final ChainSpec spec = new ChainSpec(CHAIN, "keyed", "account", 1000, List.of());
    private final TransactionVerifier verifier = new TransactionVerifier(spec, suite);

    private byte[] tx(long chainId, long nonce, CryptoSuite.KeyPair signer, CryptoSuite.KeyPair key) {
        byte[] payload = Transaction.signingPayload(chainId, nonce, key.publicKey(), Address.ZERO, BigInteger.TEN, new byte[0]);
        byte[] sig = suite.sign(suite.hash(payload), signer.privateKey());
        return new Transaction(chainId, nonce, Address.ZERO, BigInteger.TEN, new byte[0], key.publicKey(), sig).encode();
    }

    private byte[] tx(long nonce) {
        return tx(CHAIN, nonce, alice, alice);
    }

    private BlockHeader header(List<byte[]> txs, long chainId) {
        List<Hash> hashes = new ArrayList<>();
        for (byte[] t : txs) {
            hashes.add(suite.digest(Transaction.decode(t).signingPayload()));
        }
        return new BlockHeader(1, chainId, 1, Hash.ZERO, 1000, MerkleRoot.of(hashes, suite::hash), Hash.ZERO, Hash.ZERO,
                txs.size(), new byte[0], new byte[0]);
    }

    @Test
    void aValidTransactionIsVerifiedWithItsHashSenderAndBytes() throws TxRejectedException {
        byte[] encoded = tx(0);
        VerifiedTransaction v = verifier.verify(encoded);
        assertEquals(suite.digest(Transaction.decode(encoded).signingPayload()), v.hash());
        assertEquals(suite.address(alice.publicKey()), v.sender());
        assertArrayEquals(encoded, v.encoded());
    }

    @Test
    void eachRuleHasItsReason() {
        assertEquals(TxRejectedException.Reason.MALFORMED,
                assertThrows(TxRejectedException.class, () -> verifier.verify(new byte[] {1, 2, 3})).reason());
        assertEquals(TxRejectedException.Reason.MALFORMED,
                assertThrows(TxRejectedException.class, () -> verifier.verify((byte[]) null)).reason());
        TxRejectedException wrongChain = assertThrows(TxRejectedException.class, () -> verifier.verify(tx(6, 0, alice, alice)));
        assertEquals(TxRejectedException.Reason.WRONG_CHAIN, wrongChain.reason());
        assertTrue(wrongChain.getMessage().contains("for chain 6, this node runs chain 5"), wrongChain.getMessage());
        CryptoSuite.KeyPair mallory = suite.key("mallory");
        assertEquals(TxRejectedException.Reason.BAD_SIGNATURE,
                assertThrows(TxRejectedException.class, () -> verifier.verify(tx(CHAIN, 0, mallory, alice))).reason());
    }

    @Test
    void anEnvelopeOfAnotherLedgerOrWithAKeySigningTwiceIsRefused() {
        byte[] utxo = Envelope.sign(suite, CHAIN, Envelope.UTXO, new byte[8], List.of(alice.privateKey())).encoded();
        TxRejectedException wrongLedger = assertThrows(TxRejectedException.class, () -> verifier.verify(utxo));
        assertEquals(TxRejectedException.Reason.WRONG_LEDGER, wrongLedger.reason());
        assertTrue(wrongLedger.getMessage().contains("for the utxo ledger (code 2), this chain runs the account ledger"),
                wrongLedger.getMessage());
        byte[] twice = Envelope.sign(suite, CHAIN, Envelope.ACCOUNT, new byte[8],
                List.of(alice.privateKey(), alice.privateKey())).encoded();
        TxRejectedException dup = assertThrows(TxRejectedException.class, () -> verifier.verify(twice));
        assertEquals(TxRejectedException.Reason.DUPLICATE_SIGNER, dup.reason());
        assertTrue(dup.getMessage().contains("signers 0 and 1 are the same public key"), dup.getMessage());
    }

    @Test
    void everySignerSignsTheHashOfThePayload() throws TxRejectedException {
        CryptoSuite.KeyPair bob = suite.key("bob");
        Envelope two = Envelope.sign(suite, CHAIN, Envelope.ACCOUNT, new byte[8], List.of(alice.privateKey(), bob.privateKey()));
        VerifiedTransaction v = verifier.verify(two.encoded());
        assertEquals(List.of(suite.address(alice.publicKey()), suite.address(bob.publicKey())), v.signers());
        assertEquals(suite.digest(two.payload()), v.hash());
        byte[] forged = two.encoded().clone();
        forged[forged.length - 1] ^= 1; // bob's signature
        TxRejectedException bad = assertThrows(TxRejectedException.class, () -> verifier.verify(forged));
        assertEquals(TxRejectedException.Reason.BAD_SIGNATURE, bad.reason());
        assertTrue(bad.getMessage().contains("signature 1 does not verify"), bad.getMessage());
        VerifiedTransaction committed = verifier.committed(forged);
        assertEquals(v.hash(), committed.hash(), "a committed block's transaction is named without a signature check");
        assertEquals(v.signers(), committed.signers());
    }

    @Test
    void onlyTheChainsSuiteMakesAVerifier() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TransactionVerifier(spec, new KeyedSuite("sm2")));
        assertTrue(e.getMessage().contains("its genesis names 'keyed'"), e.getMessage());
    }

    @Test
    void aPooledCopyIsReusedOnlyForTheSameBytes() {
        byte[] first = tx(0);
        byte[] second = tx(1);
        List<byte[]> body = List.of(first, second);
        Map<Hash, VerifiedTransaction> pool = new HashMap<>();
        VerifiedTransaction pooledFirst = verify(first);
        pool.put(pooledFirst.hash(), pooledFirst);
        // The pool holds the second transaction with other signature bytes: same payload, same hash.
        byte[] resigned = second.clone();
        resigned[resigned.length - 1] ^= 1;
        VerifiedTransaction pooledOther = new VerifiedTransaction(Envelope.decode(resigned), verify(second).hash(),
                List.of(suite.address(alice.publicKey())));
        pool.put(pooledOther.hash(), pooledOther);
        List<VerifiedTransaction> out = verifier.verifyBody(header(body, CHAIN), body,
                h -> Optional.ofNullable(pool.get(h)), NodeThreads.DIRECT);
        assertSame(pooledFirst, out.get(0));
        assertNotSame(pooledOther, out.get(1));
        assertArrayEquals(second, out.get(1).encoded(), "the block's bytes, not the pool's");
    }

    @Test
    void aBodyThatDoesNotMatchItsHeaderIsRefusedNamingWhy() {
        List<byte[]> body = List.of(tx(0), tx(1));
        BlockHeader h = header(body, CHAIN);
        assertTrue(assertThrows(InvalidBlockException.class,
                () -> verifier.verifyBody(header(body, 9), body, null, null)).getMessage().contains("is of chain 9"));
        assertTrue(assertThrows(InvalidBlockException.class,
                () -> verifier.verifyBody(h, List.of(tx(0)), null, null)).getMessage().contains("counts 2 transactions"));
        assertTrue(assertThrows(InvalidBlockException.class,
                () -> verifier.verifyBody(h, List.of(tx(1), tx(0)), null, null)).getMessage().contains("transaction root"));
        List<byte[]> forged = List.of(tx(0), tx(CHAIN, 1, suite.key("mallory"), alice));
        InvalidBlockException bad = assertThrows(InvalidBlockException.class,
                () -> verifier.verifyBody(header(forged, CHAIN), forged, null, null));
        assertTrue(bad.getMessage().startsWith("transaction 1 of block 1: "), bad.getMessage());
        assertTrue(bad.getMessage().contains("signature does not verify"), bad.getMessage());
    }

    @Test
    void aBlockAboutToBeReExecutedLeavesItsRootToTheComparisonButNotItsSignatures() {
        List<byte[]> body = List.of(tx(0), tx(1));
        BlockHeader wrongRoot = header(List.of(tx(1), tx(0)), CHAIN);
        assertEquals(2, verifier.verifyForExecution(wrongRoot, body, null, null).size());
        List<byte[]> forged = List.of(tx(0), tx(CHAIN, 1, suite.key("mallory"), alice));
        assertTrue(assertThrows(InvalidBlockException.class,
                () -> verifier.verifyForExecution(header(forged, CHAIN), forged, null, null)).getMessage()
                .contains("signature does not verify"));
        assertTrue(assertThrows(InvalidBlockException.class,
                () -> verifier.verifyForExecution(header(body, 9), body, null, null)).getMessage().contains("is of chain 9"));
        assertTrue(assertThrows(InvalidBlockException.class,
                () -> verifier.verifyForExecution(wrongRoot, List.of(tx(0)), null, null)).getMessage().contains("counts 2"));
    }

    @Test
    void manyTransactionsAreVerifiedInPartsAndABadOneIsFoundInAnyPart() {
        List<byte[]> body = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            body.add(i == 150 ? tx(CHAIN, i, suite.key("mallory"), alice) : tx(i));
        }
        AtomicInteger parts = new AtomicInteger();
        NodeThreads counting = new NodeThreads() {
            @Override public java.util.concurrent.Executor compute() { return Runnable::run; }
            @Override public int parallelism() { return 2; }
            @Override public void parallel(int n, IntConsumer part) {
                parts.set(n);
                for (int i = n - 1; i >= 0; i--) {
                    part.accept(i);
                }
            }
            @Override public Thread start(String name, Runnable loop) { throw new UnsupportedOperationException(); }
        };
        InvalidBlockException e = assertThrows(InvalidBlockException.class,
                () -> verifier.verifyBody(header(body, CHAIN), body, null, counting));
        assertTrue(e.getMessage().startsWith("transaction 150 of block 1"), e.getMessage());
        assertEquals(3, parts.get(), "parallelism + the caller");
        List<byte[]> good = body.subList(0, 150);
        assertEquals(150, verifier.verifyBody(header(good, CHAIN), good, null, counting).size());
    }

    private VerifiedTransaction verify(byte[] encoded) {
        try {
            return verifier.verify(encoded);
        } catch (TxRejectedException e) {
            throw new AssertionError(e);
        }
    }
}
