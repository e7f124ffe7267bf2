package io.cairn.sync.internal;

import static io.cairn.sync.internal.Fakes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.network.MessageHandler;
import io.cairn.sync.internal.Fakes.Chain;
import io.cairn.sync.internal.Fakes.Hub;
import io.cairn.sync.internal.Fakes.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several sync engines over an in-memory network, with honest and rogue peers. */
class BlockSyncEngineTest {
    private static final int PAYLOAD = 8 << 20;
    private static final long WAIT_MS = 30000;
    private static final BlockSyncEngine.Config CONFIG = Fakes.config(50, 8, 4, 400);

    private final Hub hub = new Hub(3);
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        hub.close();
    }

    private Node node(String id, Fakes.Store store) {
        Node n = new Node(hub, id, store, CONFIG, PAYLOAD);
        open.add(n);
        return n;
    }

    private static void assertSameChain(Chain chain, Node node) {
        List<Hash> hashes = node.store.hashes();
        assertEquals(chain.length() + 1, hashes.size());
        for (int n = 0; n < hashes.size(); n++) {
            assertEquals(chain.hash(n), hashes.get(n), "block " + n);
        }
    }

    @Test
    void laggingNodeCatchesUpFromThreePeersInParallel() throws Exception {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 240);
        Node a = node("a", chain.store(240));
        Node b = node("b", chain.store(240));
        Node c = node("c", chain.store(240));
        Node late = node("late", chain.store(0));

        await("the lagging node reaches block 240", WAIT_MS, () -> late.height() == 240);

        assertSameChain(chain, late);
        for (Node peer : List.of(a, b, c)) {
            assertTrue(hub.count("late", peer.id, SyncMessage.GET_BLOCKS) > 0, "peer " + peer.id + " was never asked");
            assertEquals(240, peer.height());
        }
        assertTrue(hub.maxOutstanding("late") >= 3, "requests to 3 peers were never in flight together: "
                + hub.maxOutstanding("late"));
        assertEquals(0, late.stat("badBlocks"));
        assertEquals(240, late.stat("blocksApplied"));
        await("the lagging node reports itself in step", WAIT_MS, () -> !(Boolean) late.sync.status().get("syncing"));
        Map<?, ?> peers = (Map<?, ?>) late.sync.status().get("peers");
        assertEquals(Map.of("a", 240L, "b", 240L, "c", 240L), peers);
    }

    @Test
    void transactionsTheExecutorGetsAreVerifiedOnceWithTheirSenders() throws Exception {
        Chain chain = new Chain(Fakes.CHAIN_ID, 1, 12);
        node("a", chain.store(12));
        Node late = node("late", chain.store(0));
        await("the lagging node reaches block 12", WAIT_MS, () -> late.height() == 12);
        // Solo chain: one sealer, quorum 1.
        assertEquals(1, Seals.quorum(1));
        assertSameChain(chain, late);
        Block b3 = late.store.block(3).orElseThrow();
        assertEquals(3, b3.transactions().size());
        assertEquals(chain.blocks.get(3).encode().length, b3.encode().length);
    }

    /** A peer answering STATUS as if it held the honest chain, and GET_BLOCKS with whatever the test makes. */
    private final class Rogue implements MessageHandler {
        final String id;
        final Chain chain;
        final BiFunction<Long, Integer, byte[]> answer;
        final Hub.Net net;
        final AtomicBoolean asked = new AtomicBoolean();

        Rogue(String id, Chain chain, BiFunction<Long, Integer, byte[]> answer) {
            this.id = id;
            this.chain = chain;
            this.answer = answer;
            this.net = hub.join(id, this, PAYLOAD);
        }

        @Override
        public void onMessage(String peerId, String topic, byte[] payload) {
            SyncMessage m = SyncMessage.decode(payload, 1 << 20);
            if (m instanceof SyncMessage.Status) {
                net.send(peerId, topic, new SyncMessage.Status(chain.length(), chain.hash(chain.length()), chain.hash(0)).encode());
            } else if (m instanceof SyncMessage.GetBlocks g) {
                asked.set(true);
                byte[] reply = answer.apply(g.from(), g.count());
                if (reply != null) {
                    net.send(peerId, topic, reply);
                }
            }
        }
    }

    private static byte[] blocks(long from, List<Block> blocks) {
        return SyncMessage.Blocks.encode(from, blocks.stream().map(Block::encode).toList());
    }

    private static List<Block> honest(Chain chain, long from, int count) {
        List<Block> out = new ArrayList<>();
        for (long n = from; n < from + count && n <= chain.length(); n++) {
            out.add(chain.blocks.get((int) n));
        }
        return out;
    }

    private static Block resealed(Chain chain, BlockHeader header, Block like) {
        return new Block(header, like.transactions(), chain.seal(header, Seals.quorum(chain.sealers.size())));
    }

    private static BlockHeader withParent(BlockHeader h, Hash parent) {
        return new BlockHeader(h.version(), h.chainId(), h.number(), parent, h.timestamp(), h.txRoot(), h.receiptRoot(),
                h.stateRoot(), h.txCount(), h.sealer(), h.extra());
    }

    private static BlockHeader withStateRoot(BlockHeader h, Hash stateRoot) {
        return new BlockHeader(h.version(), h.chainId(), h.number(), h.parentHash(), h.timestamp(), h.txRoot(),
                h.receiptRoot(), stateRoot, h.txCount(), h.sealer(), h.extra());
    }

    @Test
    void badPeersArePenalisedAndCatchUpCompletesFromOthers() throws Exception {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 60);
        Node late = node("late", chain.store(0));
        Fakes.Suite outsider = Fakes.SUITE;
        List<Rogue> rogues = List.of(
                // Seals by a key that is not a genesis sealer: the blocks are not final.
                new Rogue("badSeals", chain, (from, count) -> {
                    List<Block> out = new ArrayList<>();
                    for (Block b : honest(chain, from, count)) {
                        byte[] hash = outsider.hash(b.header().encode());
                        var k = outsider.key(99);
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

        await("every rogue peer is penalised", WAIT_MS, () -> rogues.stream().allMatch(r -> late.sync.isPenalised(r.id)));
        assertEquals(0, late.height(), "nothing a rogue sent may be committed");
        assertTrue(rogues.stream().allMatch(r -> r.asked.get()));
        assertTrue(late.stat("badBlocks") >= 3, "bad blocks: " + late.stat("badBlocks"));
        assertTrue(late.stat("badMessages") >= 1, "bad messages: " + late.stat("badMessages"));
        List<?> penalised = (List<?>) late.sync.status().get("penalisedPeers");
        assertEquals(4, penalised.size(), penalised.toString());

        node("honest1", chain.store(60));
        node("honest2", chain.store(60));
        await("the lagging node reaches block 60 from the honest peers", WAIT_MS, () -> late.height() == 60);
        assertSameChain(chain, late);
        for (Rogue r : rogues) {
            assertTrue(late.sync.isPenalised(r.id), r.id + " is still ignored");
        }
    }

    @Test
    void aBadPeerAmongHonestOnesDoesNotStopCatchUp() throws Exception {
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
        await("the lagging node reaches block 120", WAIT_MS, () -> late.height() == 120);
        assertSameChain(chain, late);
        assertTrue(late.sync.isPenalised("mismatch"), "the rogue was asked and caught");
        assertTrue(late.stat("badBlocks") >= 1);
    }

    @Test
    void anUnansweredRequestGoesToAnotherPeer() throws Exception {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 30);
        Node late = node("late", chain.store(0));
        Rogue silent = new Rogue("silent", chain, (from, count) -> null);
        await("the silent peer is asked", WAIT_MS, () -> silent.asked.get());
        node("honest", chain.store(30));
        await("the lagging node reaches block 30", WAIT_MS, () -> late.height() == 30);
        assertSameChain(chain, late);
        assertTrue(late.stat("timeouts") >= 1);
        assertFalse(late.sync.isPenalised("silent"), "a slow peer is asked less, not treated as malicious");
    }

    @Test
    void peersOfAnotherChainAreIgnored() throws Exception {
        Chain ours = new Chain(Fakes.CHAIN_ID, 4, 5);
        Chain theirs = new Chain(Fakes.CHAIN_ID + 1, 4, 40);
        Node late = node("late", ours.store(0));
        Node foreign = node("foreign", theirs.store(40));
        await("several STATUS messages from the foreign peer arrived", WAIT_MS,
                () -> hub.count("foreign", "late", SyncMessage.STATUS) >= 5);
        assertEquals(0, hub.count("late", "foreign", SyncMessage.GET_BLOCKS));
        assertEquals(Map.of(), late.sync.status().get("peers"));
        assertEquals(0, late.height());
        assertEquals(40, foreign.height());
    }

    @Test
    void consensusCommittingTheSameBlocksMeanwhileIsNoFault() throws Exception {
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
        await("the lagging node reaches block 40", WAIT_MS, () -> late.height() == 40);
        assertTrue(raced.get());
        assertSameChain(chain, late);
        assertEquals(1, late.stat("committedByOthers"));
        assertEquals(0, late.stat("badBlocks"));
        assertFalse(late.sync.isPenalised(a.id));
    }

    @Test
    void servingIsBoundedByBatchAndPayload() throws Exception {
        Chain chain = new Chain(Fakes.CHAIN_ID, 4, 100);
        Node server = node("server", chain.store(100));
        List<SyncMessage.Blocks> replies = new java.util.concurrent.CopyOnWriteArrayList<>();
        Hub.Net probe = hub.join("probe", (peer, topic, payload) -> {
            if (SyncMessage.decode(payload, 1 << 20) instanceof SyncMessage.Blocks b) {
                replies.add(b);
            }
        }, PAYLOAD);

        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(1, 1000).encode());
        await("a reply", WAIT_MS, () -> replies.size() == 1);
        SyncMessage.Blocks r = replies.get(0);
        assertEquals(8, r.blocks().size(), "at most batchBlocks are served");
        assertEquals(1, r.from());
        for (int i = 0; i < 8; i++) {
            assertEquals(chain.hash(1 + i), Fakes.SUITE.digest(Block.decode(r.blocks().get(i)).header().encode()));
        }

        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(97, 8).encode());
        await("a second reply", WAIT_MS, () -> replies.size() == 2);
        assertEquals(4, replies.get(1).blocks().size(), "blocks 97..100: nothing past the head");

        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(101, 8).encode());
        await("a third reply", WAIT_MS, () -> replies.size() == 3);
        assertEquals(0, replies.get(2).blocks().size());

        int limit = SyncMessage.Blocks.OVERHEAD + 3 * (SyncMessage.Blocks.PER_BLOCK + chain.blocks.get(5).encode().length) + 10;
        server.net.maxPayload = limit;
        probe.send("server", SyncMessage.TOPIC, new SyncMessage.GetBlocks(4, 8).encode());
        await("a fourth reply", WAIT_MS, () -> replies.size() == 4);
        SyncMessage.Blocks small = replies.get(3);
        assertTrue(small.blocks().size() >= 1 && small.blocks().size() < 8, "blocks: " + small.blocks().size());
        assertTrue(small.encode().length <= limit, small.encode().length + " bytes over the payload limit " + limit);
        assertEquals(4, server.stat("requestsServed"));
    }

    @Test
    void withoutItsComponentsSyncWaitsAndReportsWhy() throws Exception {
        BlockSyncEngine sync = new BlockSyncEngine(CONFIG);
        open.add(sync::deactivate);
        assertFalse(sync.health().ready());
        assertEquals("no network", sync.health().detail());
        sync.onMessage("x", SyncMessage.TOPIC, new byte[] {1, 1});
        assertEquals(-1L, sync.status().get("height"));
        assertEquals(false, sync.status().get("syncing"));
    }

    @Test
    void badConfigurationNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BlockSyncEngine(Fakes.config(50, 0, 4, 400)));
        assertTrue(e.getMessage().contains("batchBlocks"), e.getMessage());
    }

    @Test
    void deactivateStopsEveryThread() throws Exception {
        BlockSyncEngine sync = new BlockSyncEngine(CONFIG);
        sync.deactivate();
        await("no sync thread is left", WAIT_MS, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("cairn-sync") && t.isAlive()));
    }
}
