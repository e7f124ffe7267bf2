package io.cairn.api.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Address;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Envelope;
import io.cairn.api.chain.Genesis;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.crypto.CryptoSuite.KeyPair;
import io.cairn.api.node.TxRejectedException;
import io.cairn.api.storage.ReadView;
import io.cairn.api.storage.WriteBatch;
import io.cairn.api.testing.KeyedSuite;
import io.cairn.api.testing.Sha256Suite;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LedgerStateTest {
    private static final CryptoSuite SUITE = new Sha256Suite("test");
    private static final byte[] A = {'s', 'a', 1};
    private static final byte[] B = {'s', 'b', 2, 2};
    private static final byte[] C = {'s', 'c'};

    /** Committed state, as storage holds it. */
    private final TreeMap<byte[], byte[]> store = new TreeMap<>(Arrays::compareUnsigned);

    private void commit(WriteBatch batch) {
        for (WriteBatch.Op op : batch.ops()) {
            if (op.isDelete()) {
                store.remove(op.key());
            } else {
                store.put(op.key(), op.value());
            }
        }
    }

    private Hash fullRoot() {
        return LedgerState.stateRootOf(SUITE,
                store.entrySet().stream().map(e -> new ReadView.Entry(e.getKey(), e.getValue())).iterator());
    }

    private static Genesis genesis(long chainId, String suite, String ledger, BigInteger... amounts) {
        Map<Address, BigInteger> alloc = new TreeMap<>();
        for (int i = 0; i < amounts.length; i++) {
            byte[] a = new byte[Address.SIZE];
            a[0] = (byte) (i + 1);
            alloc.put(Address.of(a), amounts[i]);
        }
        return new Genesis(chainId, suite, ledger, 0, List.of(), new TreeMap<>(alloc));
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void theMetaKeysAreThoseOfTheFormatsDoc() {
        assertEquals("0x7323636861696e4964", Bytes.toHex(LedgerState.CHAIN_ID_KEY)); // 's' '#' "chainId"
        assertEquals("0x73236c7468617368", Bytes.toHex(LedgerState.LTHASH_KEY)); // 's' '#' "lthash"
        assertFalse(LedgerState.isAccumulated(LedgerState.CHAIN_ID_KEY));
        assertFalse(LedgerState.isAccumulated(LedgerState.LTHASH_KEY));
    }

    @Test
    void everyStateEntryButMetadataIsAccumulated() {
        assertTrue(LedgerState.isAccumulated(A));
        assertTrue(LedgerState.isAccumulated(C));
        assertFalse(LedgerState.isAccumulated(new byte[] {'s', '#'}), "a metadata key");
        assertFalse(LedgerState.isAccumulated(new byte[] {'s'}), "too short to be an entry");
        assertFalse(LedgerState.isAccumulated(new byte[0]));
        assertFalse(LedgerState.isAccumulated(new byte[] {'c', 'a', 1}), "outside Keys.STATE");
    }

    @Test
    void anEntrysSeedIsTheHashOfItsKeyLengthKeyAndValue() {
        // sha256(00000004 'sa' 01 02 | 0a 0b), worked out apart from the code
        assertEquals("0x6d5637370ad3f4ab62a4ed26e9cb5dc0a42202f4970a679fe422f71299a67059",
                Bytes.toHex(LedgerState.entrySeed(SUITE, bytes('s', 'a', 1, 2), bytes(10, 11))));
        // the key's length keeps the split unambiguous: ("sa", "b") and ("s", "ab") differ
        assertNotEquals(Bytes.toHex(LedgerState.entrySeed(SUITE, bytes('s', 'a'), bytes('b'))),
                Bytes.toHex(LedgerState.entrySeed(SUITE, bytes('s'), bytes('a', 'b'))));
        assertEquals(32, LedgerState.entrySeed(SUITE, A, new byte[0]).length);
    }

    @Test
    void theStoredAccumulatorMustBeThereAndWhole() {
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> LedgerState.accumulator(store::get));
        assertEquals("the state has no accumulator (s#lthash): the genesis state was not written", none.getMessage());
        store.put(LedgerState.LTHASH_KEY, new byte[LtHash16.BYTES - 1]);
        MalformedDataException cut = assertThrows(MalformedDataException.class,
                () -> LedgerState.accumulator(store::get));
        assertEquals("state accumulator s#lthash is 2047 bytes, expected 2048", cut.getMessage());
        byte[] acc = new LtHash16().toBytes();
        store.put(LedgerState.LTHASH_KEY, acc);
        assertSame(acc, LedgerState.accumulator(store::get));
        assertEquals(Hash.of(SUITE.hash(acc)), LedgerState.stateRoot(SUITE, store::get));
    }

    @Test
    void theStoredChainIdIsAU64() {
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> LedgerState.chainId(store::get));
        assertEquals("the state has no chain id (s#chainId): the genesis state was not written", none.getMessage());
        store.put(LedgerState.CHAIN_ID_KEY, bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe));
        assertEquals(-2L, LedgerState.chainId(store::get));
        store.put(LedgerState.CHAIN_ID_KEY, bytes(0, 0, 0, 7));
        assertThrows(MalformedDataException.class, () -> LedgerState.chainId(store::get));
        store.put(LedgerState.CHAIN_ID_KEY, bytes(0, 0, 0, 0, 0, 0, 0, 7, 0));
        assertThrows(MalformedDataException.class, () -> LedgerState.chainId(store::get), "a trailing byte");
    }

    @Test
    void admissionTakesOnlyTransactionsOfTheChainInState() throws TxRejectedException {
        KeyedSuite suite = new KeyedSuite();
        KeyPair k = suite.key("sender");
        Envelope e = Envelope.sign(suite, -1L, Envelope.ACCOUNT, new byte[] {1}, List.of(k.privateKey()));
        VerifiedTransaction tx = new VerifiedTransaction(e, Hash.of(suite.hash(e.payload())),
                List.of(suite.address(k.publicKey())));

        TxRejectedException early = assertThrows(TxRejectedException.class,
                () -> LedgerState.admitChain(tx, store::get));
        assertEquals(TxRejectedException.Reason.NOT_READY, early.reason());
        assertEquals("the chain has no genesis state yet", early.getMessage());

        LedgerState.Writer w = LedgerState.genesis(genesis(7, "test", "m"), "m", SUITE);
        w.finish();
        commit(w.batch());
        TxRejectedException other = assertThrows(TxRejectedException.class,
                () -> LedgerState.admitChain(tx, store::get));
        assertEquals(TxRejectedException.Reason.WRONG_CHAIN, other.reason());
        // chain ids are unsigned
        assertEquals("transaction is for chain 18446744073709551615, this is chain 7", other.getMessage());

        store.put(LedgerState.CHAIN_ID_KEY, bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
        LedgerState.admitChain(tx, store::get);
    }

    @Test
    void aGenesisIsForThisModelAndSuiteAndItsSupplyFitsIn256Bits() {
        BigInteger max = Transaction.MAX_VALUE;
        LedgerState.checkGenesis(genesis(1, "test", "m", max.subtract(BigInteger.ONE), BigInteger.ONE), "m", SUITE);

        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> LedgerState.checkGenesis(genesis(1, "test", "utxo"), "account", SUITE));
        assertEquals("genesis names ledger model 'utxo', this engine is 'account'", model.getMessage());
        IllegalArgumentException suite = assertThrows(IllegalArgumentException.class,
                () -> LedgerState.checkGenesis(genesis(1, "sm2", "m"), "m", SUITE));
        assertEquals("genesis names crypto suite 'sm2' but the crypto component provides 'test' (set suite in "
                + "etc/io.cairn.crypto.cfg)", suite.getMessage());
        IllegalArgumentException supply = assertThrows(IllegalArgumentException.class,
                () -> LedgerState.checkGenesis(genesis(1, "test", "m", max, BigInteger.ONE), "m", SUITE));
        assertEquals("genesis allocations total " + max.add(BigInteger.ONE) + ", more than 2^256-1",
                supply.getMessage());
        // the genesis writer checks first
        assertThrows(IllegalArgumentException.class, () -> LedgerState.genesis(genesis(1, "test", "m"), "x", SUITE));
    }

    @Test
    void aGenesisWriterWritesTheEntriesThenTheChainIdThenTheAccumulator() {
        LedgerState.Writer w = LedgerState.genesis(genesis(7, "test", "m"), "m", SUITE);
        w.put(A, bytes(1));
        w.put(B, bytes(2, 2));
        w.put(C, null); // nothing: an absent entry
        Hash root = w.finish();
        List<WriteBatch.Op> ops = w.batch().ops();
        assertEquals(4, ops.size());
        assertArrayEquals(A, ops.get(0).key());
        assertArrayEquals(B, ops.get(1).key());
        assertArrayEquals(LedgerState.CHAIN_ID_KEY, ops.get(2).key());
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 7), ops.get(2).value());
        assertArrayEquals(LedgerState.LTHASH_KEY, ops.get(3).key());
        commit(w.batch());

        LtHash16 byHand = new LtHash16();
        byHand.add(LedgerState.entrySeed(SUITE, A, bytes(1)));
        byHand.add(LedgerState.entrySeed(SUITE, B, bytes(2, 2)));
        assertArrayEquals(byHand.toBytes(), store.get(LedgerState.LTHASH_KEY));
        assertEquals(Hash.of(SUITE.hash(byHand.toBytes())), root);
        assertEquals(root, fullRoot());
        assertEquals(root, LedgerState.stateRoot(SUITE, store::get));
        assertEquals(7, LedgerState.chainId(store::get));
    }

    @Test
    void aBlockWriterKeepsTheAccumulatorInStepWithItsChanges() {
        LedgerState.Writer g = LedgerState.genesis(genesis(7, "test", "m"), "m", SUITE);
        g.put(A, bytes(1));
        g.put(B, bytes(2));
        g.finish();
        commit(g.batch());

        ExpansionCache cache = new ExpansionCache(16);
        LedgerState.Writer w = LedgerState.block(SUITE, cache, store::get);
        w.change(A, bytes(1), bytes(1)); // unchanged: nothing
        w.change(A, bytes(1), bytes(1, 1)); // replaced
        w.change(B, bytes(2), null); // deleted
        w.change(C, null, bytes(3)); // new
        w.change(new byte[] {'s', 'd'}, null, null); // absent and left so: nothing
        Hash root = w.finish();
        List<WriteBatch.Op> ops = w.batch().ops();
        assertEquals(4, ops.size(), "A put, B deleted, C put, the accumulator");
        assertArrayEquals(A, ops.get(0).key());
        assertArrayEquals(bytes(1, 1), ops.get(0).value());
        assertArrayEquals(B, ops.get(1).key());
        assertTrue(ops.get(1).isDelete());
        assertArrayEquals(C, ops.get(2).key());
        assertArrayEquals(LedgerState.LTHASH_KEY, ops.get(3).key());
        assertEquals(2, cache.size(), "the new entries' expansions are kept");
        commit(w.batch());
        assertNull(store.get(B));
        assertEquals(root, fullRoot(), "the incremental root is the full one");
        assertEquals(root, LedgerState.stateRoot(SUITE, store::get));

        // the next block replaces A again: its cached expansion is used and dropped, the new one kept
        LedgerState.Writer next = LedgerState.block(SUITE, cache, store::get);
        next.change(A, bytes(1, 1), bytes(1, 1, 1));
        Hash nextRoot = next.finish();
        assertEquals(2, cache.size());
        commit(next.batch());
        assertEquals(nextRoot, fullRoot());

        // no genesis chain id outside a genesis writer; an empty block writes the accumulator alone
        LedgerState.Writer empty = LedgerState.block(SUITE, cache, store::get);
        assertEquals(nextRoot, empty.finish());
        assertEquals(1, empty.batch().size());
    }

    @Test
    void aWriterWithoutACacheComputesTheSameRoot() {
        LedgerState.Writer cached = new LedgerState.Writer(SUITE, new LtHash16(), new ExpansionCache(4),
                new WriteBatch());
        LedgerState.Writer uncached = new LedgerState.Writer(SUITE, new LtHash16(), (ExpansionCache) null,
                new WriteBatch());
        LedgerState.Writer byKey = new LedgerState.Writer(SUITE, new LtHash16(), new EntryExpansions(4),
                new WriteBatch());
        for (LedgerState.Writer w : List.of(cached, uncached, byKey)) {
            w.put(A, bytes(1));
            w.change(A, bytes(1), bytes(2));
            w.put(B, bytes(3));
            w.change(B, bytes(3), null);
        }
        Hash root = cached.finish();
        assertEquals(root, uncached.finish());
        assertEquals(root, byKey.finish());
        assertEquals(Hash.of(SUITE.hash(LedgerState.accumulatorOf(SUITE,
                List.of(new ReadView.Entry(A, bytes(2))).iterator()))), root);
    }

    @Test
    void changesSplitOverThreadsGiveTheBatchAndRootOfOneByOne() {
        List<LedgerState.Writer.Change> changes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] key = {'s', 'x', (byte) (i >>> 8), (byte) i};
            switch (i % 4) {
                case 0 -> changes.add(new LedgerState.Writer.Change(key, null, bytes(i, 1))); // new
                case 1 -> changes.add(new LedgerState.Writer.Change(key, bytes(i), bytes(i, 2))); // replaced
                case 2 -> changes.add(new LedgerState.Writer.Change(key, bytes(i), null)); // deleted
                default -> changes.add(new LedgerState.Writer.Change(key, bytes(i), bytes(i))); // unchanged
            }
        }
        io.cairn.api.testing.CallerThreads threads = new io.cairn.api.testing.CallerThreads(2);
        LedgerState.Writer split = new LedgerState.Writer(SUITE, new LtHash16(), new EntryExpansions(64), new WriteBatch());
        split.changeAll(changes, threads);
        LedgerState.Writer one = new LedgerState.Writer(SUITE, new LtHash16(), (ExpansionCache) null, new WriteBatch());
        for (LedgerState.Writer.Change c : changes) {
            one.change(c.key(), c.original(), c.now());
        }
        assertTrue(threads.mostParts.get() > 1, "split into parts");
        assertEquals(one.finish(), split.finish());
        List<WriteBatch.Op> a = one.batch().ops();
        List<WriteBatch.Op> b = split.batch().ops();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).key(), b.get(i).key());
            assertArrayEquals(a.get(i).value(), b.get(i).value());
            assertEquals(a.get(i).isDelete(), b.get(i).isDelete());
        }
        // too few to split: the calling thread alone
        io.cairn.api.testing.CallerThreads few = new io.cairn.api.testing.CallerThreads(2);
        new LedgerState.Writer(SUITE, new LtHash16(), new EntryExpansions(64), new WriteBatch())
                .changeAll(changes.subList(0, LedgerState.Writer.MIN_PARALLEL - 1), few);
        assertEquals(0, few.mostParts.get());
    }

    @Test
    void theFullRecomputationSkipsMetadataAndOtherSpaces() {
        List<ReadView.Entry> entries = List.of(new ReadView.Entry(new byte[] {'c', 'H'}, bytes(9)),
                new ReadView.Entry(A, bytes(1)),
                new ReadView.Entry(LedgerState.CHAIN_ID_KEY, bytes(0, 0, 0, 0, 0, 0, 0, 7)),
                new ReadView.Entry(LedgerState.LTHASH_KEY, new byte[LtHash16.BYTES]));
        LtHash16 onlyA = new LtHash16();
        onlyA.add(LedgerState.entrySeed(SUITE, A, bytes(1)));
        assertArrayEquals(onlyA.toBytes(), LedgerState.accumulatorOf(SUITE, entries.iterator()));
        assertEquals(Hash.of(SUITE.hash(onlyA.toBytes())), LedgerState.stateRootOf(SUITE, entries.iterator()));
        assertArrayEquals(new LtHash16().toBytes(),
                LedgerState.accumulatorOf(SUITE, List.<ReadView.Entry>of().iterator()));
    }
}
