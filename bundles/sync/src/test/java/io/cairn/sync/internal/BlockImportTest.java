package io.cairn.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.ChainSpec;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.TransactionVerifier;
import io.cairn.api.runtime.Metrics;
import io.cairn.api.runtime.NodeThreads;
import io.cairn.api.testing.TestGate;
import io.cairn.sync.internal.Fakes.Chain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The in-order apply step, driven by direct calls. */
class BlockImportTest {
    private final Chain chain = new Chain(Fakes.CHAIN_ID, 4, 20);
    private final Fakes.Store store = chain.store(0);
    private final Fakes.Exec exec = new Fakes.Exec(store);
    private final SyncCounters counters = new SyncCounters(Metrics.NONE);
    private final List<SyncEvent> loop = new ArrayList<>();
    private final AtomicInteger applied = new AtomicInteger();
    private final BlockImport imports = new BlockImport(counters, loop::add, applied::incrementAndGet);
    private final TransactionVerifier verifier = new TransactionVerifier(ChainSpec.of(chain.genesis), Fakes.SUITE);

    private List<BlockCheck.Checked> checked(String peer, long from, List<Block> blocks) {
        BlockCheck.Result r = BlockCheck.check(peer, from, blocks.stream().map(Block::encode).toList(), verifier, null,
                NodeThreads.DIRECT);
        assertTrue(!r.bad(), r.failure());
        return r.blocks();
    }

    private List<BlockCheck.Checked> honest(long from, int count) {
        return checked("peer", from, CatchUpTest.honest(chain, from, count));
    }

    private long applyNext() {
        return imports.applyNext(store, exec, Fakes.SUITE, null);
    }

    /** Applies until there is nothing to apply; returns how many rounds applied, refused or dropped a block. */
    private int applyAll() {
        int n = 0;
        while (applyNext() == 0) {
            n++;
        }
        return n;
    }

    @Test
    void blocksAreAppliedInOrderOnceTheNextOneIsThere() {
        assertEquals(2, imports.offer(honest(3, 2), store.height()));
        assertEquals(BlockImport.IDLE_NANOS, applyNext(), "block 1 is missing");
        assertEquals(0, store.height());
        imports.offer(honest(1, 2), store.height());
        assertEquals(4, applyAll());
        assertEquals(4, store.height());
        assertEquals(chain.hash(4), store.hashes().get(4));
        assertEquals(4, counters.blocksApplied.get());
        assertEquals(4, applied.get(), "the loop heard of each commit");
        assertEquals(0, imports.size());
        assertEquals(List.of(), loop);
    }

    @Test
    void onlyBlocksAboveTheHeadAreTakenAndWhatTheChainHasIsDropped() {
        imports.offer(honest(1, 4), store.height());
        store.commit(chain.executed.get(0), chain.seals.get(0));
        store.commit(chain.executed.get(1), chain.seals.get(1));
        imports.dropThrough(store.height());
        assertEquals(List.of(3L, 4L), List.copyOf(imports.numbers()));
        assertEquals(1, imports.offer(honest(2, 2), store.height()), "block 2 is on the chain already");
    }

    @Test
    void aBlockThatDoesNotLinkToTheHeadIsTheSendersFault() {
        Block b1 = chain.blocks.get(1);
        Block unlinked = CatchUpTest.resealed(chain, CatchUpTest.withParent(b1.header(), Hash.ZERO), b1);
        imports.offer(checked("rogue", 1, List.of(unlinked)), 0);
        assertEquals(1, applyAll());
        assertEquals(0, store.height());
        assertEquals(1, counters.badBlocks.get());
        SyncEvent.BadBlock bad = (SyncEvent.BadBlock) loop.get(0);
        assertEquals("rogue", bad.peerId());
        assertTrue(bad.why().startsWith("block 1 has parent " + Hash.ZERO + ", the head block 0 is "), bad.why());
    }

    @Test
    void aBlockThatExecutesToAnotherHeaderIsTheSendersFault() {
        Block b1 = chain.blocks.get(1);
        Block wrongRoot = CatchUpTest.resealed(chain, CatchUpTest.withStateRoot(b1.header(), Hash.ZERO), b1);
        imports.offer(checked("rogue", 1, List.of(wrongRoot)), 0);
        applyAll();
        assertEquals(0, store.height());
        SyncEvent.BadBlock bad = (SyncEvent.BadBlock) loop.get(0);
        assertTrue(bad.why().startsWith("executing block 1 gives block hash " + chain.hash(1)), bad.why());
        assertTrue(bad.why().contains("(state root " + Hash.ZERO + ")"), bad.why());
    }

    @Test
    void aHeadMovedByConsensusCountsAsCommittedByOthers() {
        java.util.concurrent.atomic.AtomicBoolean raced = new java.util.concurrent.atomic.AtomicBoolean();
        store.beforeCommit = executed -> {
            if (executed.header().number() == 2 && raced.compareAndSet(false, true)) {
                store.commit(chain.executed.get(1), chain.seals.get(1));
            }
        };
        imports.offer(honest(1, 3), 0);
        applyAll();
        assertEquals(3, store.height());
        assertEquals(1, counters.committedByOthers.get());
        assertEquals(2, counters.blocksApplied.get());
        assertEquals(0, counters.badBlocks.get());
        assertEquals(List.of(), loop);
    }

    @Test
    void aStoreThatIsNotReadyMeansWaitAndRetryNotCommittedByOthers() {
        imports.offer(honest(1, 2), 0);
        store.notReady = true;
        assertEquals(BlockImport.IDLE_NANOS, applyNext());
        assertEquals(BlockImport.IDLE_NANOS, applyNext());
        assertEquals(0, counters.committedByOthers.get());
        assertEquals(2, imports.size(), "the blocks wait");
        store.notReady = false;
        assertEquals(2, applyAll());
        assertEquals(2, store.height());
        assertEquals(0, counters.committedByOthers.get());
    }

    @Test
    void aClosedGateHoldsTheBlockAtTheBoundary() {
        TestGate gate = new TestGate();
        gate.closed = true;
        imports.offer(honest(1, 1), 0);
        assertEquals(BlockImport.GATE_NANOS, imports.applyNext(store, exec, Fakes.SUITE, gate));
        assertEquals(0, store.height());
        gate.closed = false;
        assertEquals(0, imports.applyNext(store, exec, Fakes.SUITE, gate));
        assertEquals(1, store.height());
        assertEquals(1, gate.entered.get());
        assertEquals(0, gate.inside.get(), "one exit, for the one entry");
    }

    @Test
    void withoutItsComponentsNothingIsApplied() {
        imports.offer(honest(1, 1), 0);
        assertEquals(BlockImport.IDLE_NANOS, imports.applyNext(null, exec, Fakes.SUITE, null));
        assertEquals(BlockImport.IDLE_NANOS, imports.applyNext(store, null, Fakes.SUITE, null));
        assertEquals(BlockImport.IDLE_NANOS, imports.applyNext(store, exec, null, null));
        assertEquals(1, imports.size());
    }

    @Test
    void whatAPeerSentIsDroppedWhenItProvesBad() {
        imports.offer(checked("a", 1, CatchUpTest.honest(chain, 1, 2)), 0);
        imports.offer(checked("b", 3, CatchUpTest.honest(chain, 3, 2)), 0);
        imports.dropFrom("a");
        assertEquals(List.of(3L, 4L), List.copyOf(imports.numbers()));
    }
}
