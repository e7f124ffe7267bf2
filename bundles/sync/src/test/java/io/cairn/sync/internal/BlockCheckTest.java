package io.cairn.sync.internal;

import io.cairn.api.testing.LegacyTransfers;
import io.cairn.api.chain.Envelope;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.sync.internal.Fakes.Chain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What a fetched batch must pass before it may be executed: framing, numbering, linkage, seals, body. */
class BlockCheckTest {
    /** The keyed suite, counting transaction signature checks. */
    static final class Counting implements CryptoSuite {
        final AtomicInteger verifies = new AtomicInteger();

        @Override public String name() { return Fakes.SUITE.name(); }
        @Override public byte[] hash(byte[] data) { return Fakes.SUITE.hash(data); }
        @Override public byte[] sign(byte[] hash32, byte[] privateKey) { return Fakes.SUITE.sign(hash32, privateKey); }
        @Override public KeyPair generateKeyPair() { return Fakes.SUITE.generateKeyPair(); }
        @Override public byte[] publicKey(byte[] privateKey) { return Fakes.SUITE.publicKey(privateKey); }

        @Override
        public boolean verify(byte[] hash32, byte[] signature, byte[] publicKey) {
            verifies.incrementAndGet();
            return Fakes.SUITE.verify(hash32, signature, publicKey);
        }
    }

    private final Chain chain = new Chain(Fakes.CHAIN_ID, 4, 12);
    private final Counting suite = new Counting();
    private final TransactionVerifier verifier = new TransactionVerifier(ChainSpec.of(chain.genesis), suite);

    private BlockCheck.Result check(long from, List<Block> blocks, Function<Hash, Optional<VerifiedTransaction>> pool) {
        return BlockCheck.check("peer", from, blocks.stream().map(Block::encode).toList(), verifier, pool,
                NodeThreads.DIRECT);
    }

    private BlockCheck.Result check(long from, List<Block> blocks) {
        return check(from, blocks, null);
    }

    private static String failure(BlockCheck.Result r) {
        assertTrue(r.bad(), "should have failed");
        assertEquals(List.of(), r.blocks());
        return r.failure();
    }

    @Test
    void anHonestBatchPassesWithEveryTransactionVerifiedAndItsSender() {
        BlockCheck.Result r = check(1, CatchUpTest.honest(chain, 1, 8));
        assertFalse(r.bad(), r.failure());
        assertEquals(8, r.blocks().size());
        for (BlockCheck.Checked c : r.blocks()) {
            Block sealed = chain.blocks.get((int) c.number());
            assertEquals(chain.hash(c.number()), c.hash());
            assertEquals("peer", c.source());
            assertEquals(sealed.seals().size(), c.seals().size());
            for (int i = 0; i < c.txs().size(); i++) {
                Envelope t = sealed.transactions().get(i);
                assertArrayEquals(t.encoded(), c.txs().get(i).encoded(), "the block's own bytes");
                assertEquals(Fakes.SUITE.address(t.publicKeys().get(0)), c.txs().get(i).sender());
            }
        }
        int txs = r.blocks().stream().mapToInt(c -> c.txs().size()).sum();
        assertEquals(txs, suite.verifies.get() - seals(r), "each transaction verified once");
    }

    /** Seal checks: a quorum (3 of 4) per block, each verified once. */
    private static int seals(BlockCheck.Result r) {
        return r.blocks().size() * Seals.quorum(4);
    }

    @Test
    void aPooledCopyIsReusedOnlyWhenItIsTheVeryBytesOfTheBlock() {
        Block b3 = chain.blocks.get(3);
        Transaction t0 = Transaction.decode(b3.transactions().get(0).encoded());
        VerifiedTransaction pooled = Fakes.transaction(Fakes.CHAIN_ID, 100, 3); // the same transaction
        assertArrayEquals(t0.encode(), pooled.encoded());
        BlockCheck.Result same = check(3, List.of(b3), h -> h.equals(pooled.hash()) ? Optional.of(pooled) : Optional.empty());
        assertFalse(same.bad(), same.failure());
        assertSame(pooled, same.blocks().get(0).txs().get(0), "verified on admission: reused");
        assertEquals(2 + Seals.quorum(4), suite.verifies.get(), "the other two verified, the pooled one not");

        // Same payload and hash, other signature bytes (what a pool could hold if a sender signed twice): the
        // block's bytes are checked and kept, never swapped for the pool's.
        byte[] sig = t0.signature();
        sig[0] ^= 1;
        Transaction other = new Transaction(t0.chainId(), t0.nonce(), t0.to(), t0.value(), t0.data(), t0.publicKey(), sig);
        VerifiedTransaction lookalike = LegacyTransfers.verified(other, pooled.hash(), pooled.sender());
        suite.verifies.set(0);
        BlockCheck.Result differ = check(3, List.of(b3), h -> h.equals(pooled.hash()) ? Optional.of(lookalike) : Optional.empty());
        assertFalse(differ.bad(), differ.failure());
        assertArrayEquals(t0.encode(), differ.blocks().get(0).txs().get(0).encoded());
        assertEquals(3 + Seals.quorum(4), suite.verifies.get());
    }

    @Test
    void aBadSignatureUnderAPooledHashIsRefused() {
        Block b3 = chain.blocks.get(3);
        VerifiedTransaction pooled = Fakes.transaction(Fakes.CHAIN_ID, 100, 3);
        Transaction t0 = Transaction.decode(b3.transactions().get(0).encoded());
        byte[] sig = t0.signature();
        sig[5] ^= 1;
        List<Envelope> txs = new ArrayList<>(b3.transactions());
        txs.set(0, Envelope.decode(new Transaction(t0.chainId(), t0.nonce(), t0.to(), t0.value(), t0.data(), t0.publicKey(),
                sig).encode()));
        // The hash covers the payload, not the signature: the root and the seals still hold.
        Block forged = new Block(b3.header(), txs, b3.seals());
        String why = failure(check(3, List.of(forged), h -> h.equals(pooled.hash()) ? Optional.of(pooled) : Optional.empty()));
        assertTrue(why.startsWith("transaction 0 of block 3: "), why);
        assertTrue(why.endsWith("the signature does not verify for its public key"), why);
    }

    @Test
    void sealsOfOutsidersOrTooFewSealersAreNotFinal() {
        Block b1 = chain.blocks.get(1);
        byte[] hash = Fakes.SUITE.hash(b1.header().encode());
        var outsider = Fakes.key(99);
        Block foreign = new Block(b1.header(), b1.transactions(),
                List.of(Seals.of(outsider.publicKey(), Fakes.SUITE.sign(hash, outsider.privateKey()))));
        assertEquals("block 1 (" + chain.hash(1) + ") carries valid seals of 0 sealers, the quorum is 3 of 4",
                failure(check(1, List.of(foreign))));
        Block two = new Block(b1.header(), b1.transactions(), chain.seal(b1.header(), 2));
        assertTrue(failure(check(1, List.of(two))).contains("valid seals of 2 sealers"));
    }

    @Test
    void aBatchIsNumberedAsAskedAndLinkedInItself() {
        assertEquals("sent block 2 where block 1 was asked for", failure(check(1, CatchUpTest.honest(chain, 2, 2))));
        Block b2 = chain.blocks.get(2);
        Block unlinked = CatchUpTest.resealed(chain, CatchUpTest.withParent(b2.header(), Hash.ZERO), b2);
        String why = failure(check(1, List.of(chain.blocks.get(1), unlinked)));
        assertTrue(why.startsWith("block 2 has parent " + Hash.ZERO + ", not block 1"), why);
    }

    @Test
    void anotherChainsBlockIsRefused() {
        Chain theirs = new Chain(Fakes.CHAIN_ID + 1, 4, 2);
        assertEquals("block 1 is of chain 8, this chain is 7", failure(check(1, List.of(theirs.blocks.get(1)))));
    }

    @Test
    void anUndecodableBlockIsNamed() {
        BlockCheck.Result r = BlockCheck.check("peer", 4, List.of(new byte[] {0, 0, 0, 9}), verifier, null, NodeThreads.DIRECT);
        assertTrue(failure(r).startsWith("block 4 does not decode: "), r.failure());
    }

    @Test
    void aBodySwappedUnderASealedHeaderCostsNoSignatureCheck() {
        Block b2 = chain.blocks.get(2);
        Block b6 = chain.blocks.get(6);
        BlockHeader h = b6.header();
        List<Envelope> other = new ArrayList<>(b2.transactions()); // same count (2), other transactions
        Block swapped = new Block(h, other, b6.seals());
        suite.verifies.set(0);
        String why = failure(check(6, List.of(swapped)));
        assertEquals("block 6: the transactions do not match the transaction root of its header", why);
        assertEquals(Seals.quorum(4), suite.verifies.get(), "only the seals were verified");
        Block fewer = new Block(h, b2.transactions().subList(0, 1), b6.seals());
        assertEquals("block 6: the header counts 2 transactions, the body has 1", failure(check(6, List.of(fewer))));
    }

    @Test
    void theCheckedBlockCommitsByteForByte() {
        BlockCheck.Checked c = check(5, List.of(chain.blocks.get(5))).blocks().get(0);
        Block rebuilt = new Block(c.header(), c.txs().stream().map(VerifiedTransaction::envelope).toList(), c.seals());
        assertTrue(Arrays.equals(chain.blocks.get(5).encode(), rebuilt.encode()));
    }
}
