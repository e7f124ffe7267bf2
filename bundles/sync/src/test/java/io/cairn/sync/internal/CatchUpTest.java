package io.cairn.sync.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.crypto.CryptoSuite;
import io.cairn.api.network.MessageHandler;
import io.cairn.api.sync.SyncStatus;
import io.cairn.api.testing.CallerThreads;
import io.cairn.api.testing.TestReputation;
import io.cairn.sync.internal.Fakes.Chain;
import io.cairn.sync.internal.Fakes.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several sync engines with honest and rogue peers, on the deterministic harness: stepped time, no threads. */
class CatchUpTest {
    private static final int PAYLOAD = 8 << 20;
    /** Rounds of 10 ms: generous, and the same run every time. */
    private static final int ROUNDS = 3000;
    static final BlockSyncEngine.Config CONFIG = Fakes.config(50, 8, 4, 400);

    private final SyncHarness net = new SyncHarness();

    @AfterEach
    void close() {
        net.close();
    }

    private Node node(String id, Fakes.Store store) {
        return net.node(id, store, CONFIG, PAYLOAD);
    }

    static void assertSameChain(Chain chain, Node node) {
        List<Hash> hashes = node.store.hashes();
        assertEquals(chain.length() + 1, hashes.size());
        for (int n = 0; n < hashes.size(); n++) {
            assertEquals(chain.hash(n), hashes.get(n), "block " + n);
        }
    }

    @Test
    void laggingNodeCatchesUpFromThreePeersInParallel() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 240);
        Node a = node("a", chain.store(240));
        Node b = node("b", chain.store(240));
        Node c = node("c", chain.store(240));
        Node late = node("late", chain.store(0));

        net.runUntil("the lagging node reaches block 240", ROUNDS, () -> late.height() == 240);

        assertSameChain(chain, late);
        for (Node peer : List.of(a, b, c)) {
            assertTrue(net.count("late", peer.id, SyncMessage.GET_BLOCKS) > 0, "peer " + peer.id + " was never asked");
            assertEquals(240, peer.height());
        }
        assertTrue(net.maxOutstanding("late") >= 3, "requests to 3 peers were never in flight together: "
                + net.maxOutstanding("late"));
        assertEquals(0, late.status().badBlocks());
        assertEquals(240, late.status().blocksApplied());
        assertEquals(240, late.metrics.count("sync_blocks_applied"));
        net.runUntil("the lagging node reports itself in step", ROUNDS, () -> !late.status().syncing());
        assertEquals(Map.of("a", 240L, "b", 240L, "c", 240L), late.status().peers());
        assertEquals(0.0, late.metrics.gauge("sync_lag_blocks"));
        assertTrue(a.status().requestsServed() + b.status().requestsServed() + c.status().requestsServed() >= 30);
        assertEquals(a.status().requestsServed(), a.metrics.count("sync_requests_served"));
    }

    @Test
    void theLagIsTheHighestKnownHeadAboveOurs() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 100);
        node("a", chain.store(100));
        Node late = node("late", chain.store(0));
        late.sync.executor = null; // it can learn the peers' heads, not apply
        net.runUntil("the peer's head is known", ROUNDS, () -> late.status().highestKnown() == 100);
        assertEquals(100.0, late.metrics.gauge("sync_lag_blocks"));
        SyncStatus s = late.status();
        assertEquals(0, s.height());
        assertTrue(s.syncing());
        late.sync.executor = late.exec;
        net.runUntil("caught up", ROUNDS, () -> late.height() == 100);
        assertEquals(0.0, late.metrics.gauge("sync_lag_blocks"));
    }

    @Test
    void transactionsTheExecutorGetsAreVerifiedOnceWithTheirSenders() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 1, 12);
        node("a", chain.store(12));
        Node late = node("late", chain.store(0));
        net.runUntil("the lagging node reaches block 12", ROUNDS, () -> late.height() == 12);
        // Solo chain: one sealer, quorum 1.
        assertEquals(1, Seals.quorum(1));
        assertSameChain(chain, late);
        Block b3 = late.store.block(3).orElseThrow();
        assertEquals(3, b3.transactions().size());
        assertTrue(java.util.Arrays.equals(chain.blocks.get(3).encode(), b3.encode()), "the very block that was sealed");
        assertEquals(List.of(Fakes.transaction(Fakes.CHAIN_ID, 100, 3).sender(), Fakes.transaction(Fakes.CHAIN_ID, 101, 3).sender(),
                Fakes.transaction(Fakes.CHAIN_ID, 102, 3).sender()), late.exec.senders.get(3L),
                "the executor got each transaction with its sender");
    }

    @Test
    void checksRunOnTheComputePool() {
        CallerThreads counting = new CallerThreads(1);
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 20);
        node("a", chain.store(20));
        Node late = net.node("late", chain.store(0), CONFIG, PAYLOAD, counting);
        net.runUntil("caught up", ROUNDS, () -> late.height() == 20);
        assertTrue(counting.tasks.get() >= 20 / 8, "each response checked as one compute task: " + counting.tasks.get());
    }

    /** A peer answering STATUS as if it held the honest chain, and GET_BLOCKS with whatever the test makes. */
    private final class Rogue implements MessageHandler {
        final String id;
        final Chain chain;
        final BiFunction<Long, Integer, byte[]> answer;
        final MemoryNet wire;
        final AtomicBoolean asked = new AtomicBoolean();

        Rogue(String id, Chain chain, BiFunction<Long, Integer, byte[]> answer) {
            this.id = id;
            this.chain = chain;
            this.answer = answer;
            this.wire = net.join(id, this, PAYLOAD);
        }

        @Override
        public void onMessage(String peerId, String topic, byte[] payload) {
            SyncMessage m = SyncMessage.decode(payload, 1 << 20);
            if (m instanceof SyncMessage.Status) {
                wire.send(peerId, topic, new SyncMessage.Status(chain.length(), chain.hash(chain.length()), chain.hash(0)).encode());
            } else if (m instanceof SyncMessage.GetBlocks g) {
                asked.set(true);
                byte[] reply = answer.apply(g.from(), g.count());
                if (reply != null) {
                    wire.send(peerId, topic, reply);
                }
            }
        }
    }

    static byte[] blocks(long from, List<Block> blocks) {
        return SyncMessage.Blocks.encode(from, blocks.stream().map(Block::encode).toList());
    }

    static List<Block> honest(Chain chain, long from, int count) {
        List<Block> out = new ArrayList<>();
        for (long n = from; n < from + count && n <= chain.length(); n++) {
            out.add(chain.blocks.get((int) n));
        }
        return out;
    }

    static Block resealed(Chain chain, BlockHeader header, Block like) {
        return new Block(header, like.transactions(), chain.seal(header, Seals.quorum(chain.sealers.size())));
    }

    static BlockHeader withParent(BlockHeader h, Hash parent) {
        return new BlockHeader(h.version(), h.chainId(), h.number(), parent, h.timestamp(), h.txRoot(), h.receiptRoot(),
                h.stateRoot(), h.txCount(), h.sealer(), h.extra());
    }

    static BlockHeader withStateRoot(BlockHeader h, Hash stateRoot) {
        return new BlockHeader(h.version(), h.chainId(), h.number(), h.parentHash(), h.timestamp(), h.txRoot(),
                h.receiptRoot(), stateRoot, h.txCount(), h.sealer(), h.extra());
    }

    @Test
    void badPeersAreReportedAndCatchUpCompletesFromOthers() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 60);
        Node late = node("late", chain.store(0));
        CryptoSuite outsider = Fakes.SUITE;
        List<Rogue> rogues = List.of(
                // Seals by a key that is not a genesis sealer: the blocks are not final.
                new Rogue("badSeals", chain, (from, count) -> {
                    List<Block> out = new ArrayList<>();
                    for (Block b : honest(chain, from, count)) {
                        byte[] hash = outsider.hash(b.header().encode());
                        var k = Fakes.key(99);
                        out.add(new Block(b.header(), b.transactions(), List.of(Seals.of(k.publicKey(), outsider.sign(hash, k.privateKey())))));
                    }
                    return blocks(from, out);
                }),
                // Properly sealed, but not a child of the head.
                new Rogue("wrongParent", chain, (from, count) -> {
                    Block b = chain.blocks.get((int) (long) from);
                    return blocks(from, List.of(resealed(chain, withParent(b.header(), Hash.of(Fakes.sha256(new byte[] {1}))), b)));
                }),
                // Properly sealed and linked, but its state root is not what executing it gives.
                new Rogue("mismatch", chain, (from, count) -> {
                    Block b = chain.blocks.get((int) (long) from);
                    return blocks(from, List.of(resealed(chain, withStateRoot(b.header(), Hash.of(Fakes.sha256(new byte[] {2}))), b)));
                }),
                new Rogue("garbage", chain, (from, count) -> new byte[] {1, 3, 0, 0, 0, 0, 0, 0, 0, 1, (byte) 0xff, 0, 0, 0}));

        net.runUntil("every rogue peer is reported", ROUNDS, () -> rogues.stream().allMatch(r -> late.sync.isPenalised(r.id)));
        assertEquals(0, late.height(), "nothing a rogue sent may be committed");
        assertTrue(rogues.stream().allMatch(r -> r.asked.get()));
        assertTrue(late.status().badBlocks() >= 3, "bad blocks: " + late.status().badBlocks());
        assertEquals(late.status().badBlocks(), late.metrics.count("sync_bad_blocks"));
        assertTrue(late.status().badMessages() >= 1, "bad messages: " + late.status().badMessages());
        assertEquals(4, late.status().penalisedPeers().size(), late.status().penalisedPeers().toString());
        TestReputation reputation = late.reputation;
        for (Rogue r : rogues) {
            assertEquals("sync", reputation.reports.stream().filter(x -> x.peerId().equals(r.id)).findFirst()
                    .orElseThrow().reporter(), "the network hears of it through the reputation");
        }
        assertTrue(reputation.reasons("badSeals").get(0).contains("carries valid seals of 0 sealers, the quorum is 3 of 4"),
                reputation.reasons("badSeals").toString());
        assertTrue(reputation.reasons("wrongParent").get(0).contains("has parent"), reputation.reasons("wrongParent").toString());
        assertTrue(reputation.reasons("mismatch").get(0).startsWith("executing block 1 gives block hash"),
                reputation.reasons("mismatch").toString());
        assertTrue(reputation.reasons("garbage").get(0).startsWith("sent a malformed sync message"),
                reputation.reasons("garbage").toString());

        node("honest1", chain.store(60));
        node("honest2", chain.store(60));
        net.runUntil("the lagging node reaches block 60 from the honest peers", ROUNDS, () -> late.height() == 60);
        assertSameChain(chain, late);
        for (Rogue r : rogues) {
            assertTrue(late.sync.isPenalised(r.id), r.id + " is still ignored");
            assertEquals(1, reputation.reasons(r.id).size(), r.id + " is not asked again while banned");
        }
    }

    @Test
    void aBadPeerAmongHonestOnesDoesNotStopCatchUp() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 120);
        Node late = node("late", chain.store(0));
        new Rogue("mismatch", chain, (from, count) -> {
            List<Block> out = new ArrayList<>(honest(chain, from, count));
            Block last = out.remove(out.size() - 1);
            out.add(resealed(chain, withStateRoot(last.header(), Hash.ZERO), last));
            return blocks(from, out);
        });
        node("honest1", chain.store(120));
        node("honest2", chain.store(120));
        net.runUntil("the lagging node reaches block 120", ROUNDS, () -> late.height() == 120);
        assertSameChain(chain, late);
        assertTrue(late.sync.isPenalised("mismatch"), "the rogue was asked and caught");
        assertTrue(late.status().badBlocks() >= 1);
    }

    @Test
    void aPeerBannedForWhatItDidElsewhereIsNeitherHeardNorAsked() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 30);
        Node late = node("late", chain.store(0));
        node("banned", chain.store(30));
        late.reputation.penalise("banned", "pbft", "equivocated");
        net.rounds(50);
        assertEquals(0, net.count("late", "banned", SyncMessage.GET_BLOCKS));
        assertEquals(Map.of(), late.status().peers());
        assertEquals(0, late.height());
        node("honest", chain.store(30));
        net.runUntil("caught up from the honest peer", ROUNDS, () -> late.height() == 30);
        assertEquals(0, net.count("late", "banned", SyncMessage.GET_BLOCKS));
        assertEquals(1, late.reputation.reports.size(), "sync itself reported nothing");
    }

    @Test
    void anUnansweredRequestGoesToAnotherPeer() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 30);
        Node late = node("late", chain.store(0));
        Rogue silent = new Rogue("silent", chain, (from, count) -> null);
        net.runUntil("the silent peer is asked", ROUNDS, () -> silent.asked.get());
        node("honest", chain.store(30));
        net.runUntil("the lagging node reaches block 30", ROUNDS, () -> late.height() == 30);
        assertSameChain(chain, late);
        assertTrue(late.status().timeouts() >= 1);
        assertEquals(late.status().timeouts(), late.metrics.count("sync_timeouts"));
        assertFalse(late.sync.isPenalised("silent"), "a slow peer is asked less, not treated as malicious");
        assertTrue(late.reputation.reports.isEmpty());
    }

    @Test
    void peersOfAnotherChainAreIgnored() {
        Chain ours = new Chain(Fakes.CHAIN_ID, 4, 5);
        Chain theirs = new Chain(Fakes.CHAIN_ID + 1, 4, 40);
        Node late = node("late", ours.store(0));
        Node foreign = node("foreign", theirs.store(40));
        net.runUntil("several STATUS messages from the foreign peer arrived", ROUNDS,
                () -> net.count("foreign", "late", SyncMessage.STATUS) >= 5);
        assertEquals(0, net.count("late", "foreign", SyncMessage.GET_BLOCKS));
        assertEquals(Map.of(), late.status().peers());
        assertEquals(0, late.height());
        assertEquals(40, foreign.height());
        assertTrue(late.reputation.reports.isEmpty(), "another chain's node is not misbehaving");
    }

    @Test
    void consensusCommittingTheSameBlocksMeanwhileIsNoFault() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 40);
        Fakes.Store store = chain.store(0);
        AtomicBoolean raced = new AtomicBoolean();
        // "Consensus" commits block 10 just before sync does: sync's commit must fail and sync go on.
        store.beforeCommit = executed -> {
            if (executed.header().number() == 10 && raced.compareAndSet(false, true)) {
                store.commit(chain.executed.get(9), chain.seals.get(9));
            }
        };
        Node late = node("late", store);
        Node a = node("a", chain.store(40));
        net.runUntil("the lagging node reaches block 40", ROUNDS, () -> late.height() == 40);
        assertTrue(raced.get());
        assertSameChain(chain, late);
        assertEquals(1, late.status().committedByOthers());
        assertEquals(39, late.status().blocksApplied());
        assertEquals(0, late.status().badBlocks());
        assertFalse(late.sync.isPenalised(a.id));
    }

    @Test
    void oneBlockBehindIsLeftToConsensusForTwiceTheRecentBlockTimeThenFetched() {
        // status every 50 ms: one block behind, sync waits 50 ms, or twice the recent block time up to 250 ms
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 12);
        Fakes.Store ahead = chain.store(0);
        Fakes.Store store = chain.store(0);
        Node a = node("a", ahead);
        Node late = node("late", store);
        // "consensus" commits a block every 200 ms on both (the block time the node learns), then here 100 ms after
        // the node ahead: one behind for 100 ms each time
        for (int n = 0; n < 10; n++) {
            ahead.commit(chain.executed.get(n), chain.seals.get(n));
            net.rounds(n < 3 ? 0 : 10);
            store.commit(chain.executed.get(n), chain.seals.get(n));
            net.rounds(n < 2 ? 20 : 10);
        }
        assertEquals(10, late.height());
        assertEquals(0, net.count("late", a.id, SyncMessage.GET_BLOCKS),
                "a block consensus was committing here within twice the block time was fetched as well");
        // block 11 never comes by consensus: sync fetches it once the head has stood still for 250 ms (100 ms of
        // which had passed when the node ahead committed it)
        ahead.commit(chain.executed.get(10), chain.seals.get(10));
        int rounds = net.runUntil("sync brings block 11", ROUNDS, () -> late.height() == 11);
        assertTrue(rounds >= 15 && rounds <= 30, "fetched after " + rounds * SyncHarness.ROUND_MS + " ms");
        assertEquals(1, late.status().blocksApplied());
    }

    @Test
    void servingIsBoundedByBatchAndPayload() {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 100);
        Node server = node("server", chain.store(100));
        List<SyncMessage.Blocks> replies = new ArrayList<>();
        MemoryNet probe = net.join("probe", (peer, topic, payload) -> {
            if (SyncMessage.decode(payload, 1 << 20) instanceof SyncMessage.Blocks b) {
                replies.add(b);
            }
        }, PAYLOAD);

        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(1, 1000).encode());
        net.runUntil("a reply", 10, () -> replies.size() == 1);
        SyncMessage.Blocks r = replies.get(0);
        assertEquals(8, r.blocks().size(), "at most batchBlocks are served");
        assertEquals(1, r.from());
        for (int i = 0; i < 8; i++) {
            assertEquals(chain.hash(1 + i), Fakes.SUITE.digest(Block.decode(r.blocks().get(i)).header().encode()));
        }

        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(97, 8).encode());
        net.runUntil("a second reply", 10, () -> replies.size() == 2);
        assertEquals(4, replies.get(1).blocks().size(), "blocks 97..100: nothing past the head");

        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(101, 8).encode());
        net.runUntil("a third reply", 10, () -> replies.size() == 3);
        assertEquals(0, replies.get(2).blocks().size());

        int limit = SyncMessage.Blocks.OVERHEAD + 3 * (SyncMessage.Blocks.PER_BLOCK + chain.blocks.get(5).encode().length) + 10;
        ((MemoryNet) server.net).maxPayload = limit;
        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(4, 8).encode());
        net.runUntil("a fourth reply", 10, () -> replies.size() == 4);
        SyncMessage.Blocks small = replies.get(3);
        assertTrue(small.blocks().size() >= 1 && small.blocks().size() < 8, "blocks: " + small.blocks().size());
        assertTrue(small.encode().length <= limit, small.encode().length + " bytes over the payload limit " + limit);
        assertEquals(4, server.status().requestsServed());
    }
}
