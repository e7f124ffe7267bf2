package io.cairn.consensus.pbft.internal;

import static io.cairn.consensus.pbft.internal.Cluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Seals;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.consensus.pbft.internal.Cluster.Identity;
import io.cairn.consensus.pbft.internal.Cluster.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PbftConsensusTest {
    private Cluster cluster;

    private Cluster cluster(int blockTxs, long intervalMs, long viewTimeoutMs, int... scripted) {
        cluster = new Cluster(4, Cluster.config(blockTxs, intervalMs, viewTimeoutMs)).start(scripted);
        return cluster;
    }

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void assertSameChain(List<Node> nodes, long upTo) {
        for (long h = 1; h <= upTo; h++) {
            Set<Hash> hashes = new HashSet<>();
            for (Node n : nodes) {
                if (n.height() >= h) {
                    hashes.add(n.store.hash(h).orElseThrow());
                }
            }
            assertEquals(1, hashes.size(), "one block at height " + h + " on every node: " + hashes);
        }
    }

    private void assertFinal(Node n, long h) {
        Block b = n.store.block(h).orElseThrow();
        Hash hash = n.store.hash(h).orElseThrow();
        assertTrue(Seals.isFinal(hash, b.seals(), cluster.genesis.sealers(), cluster.suite), "block " + h + " is final");
        assertTrue(Seals.validSealers(hash, b.seals(), cluster.genesis.sealers(), cluster.suite) >= 3,
                "3 valid distinct seals on block " + h);
    }

    /** A proposal body as the leader sends it: the Block encoding with no seals. */
    private static byte[] proposal(ExecutedBlock b) {
        Encoder e = new Encoder().bytes(b.header().encode()).u32(b.transactions().size());
        for (VerifiedTransaction t : b.transactions()) {
            e.bytes(t.encoded());
        }
        return e.u32(0).toByteArray();
    }

    private PbftMessage signed(Identity id, int type, long h, long v, Hash hash, byte[] body) {
        return PbftMessage.sign(id, type, Cluster.CHAIN, h, v, hash, body);
    }

    /** PREPAREs of {@code from} for {@code hash} on the wire (one entry per receiver). */
    private long prepares(Node from, Hash hash) {
        return cluster.log.stream().filter(s -> s.from().equals(from.id.hex()) && s.message() != null
                && s.message().type() == PbftMessage.PREPARE && s.message().blockHash().equals(hash)).count();
    }

    @Test
    void blocksCommitOnEveryNodeWithAQuorumOfSeals() {
        cluster(5, 20, 2000);
        Node observer = cluster.observer("observer");
        cluster.submitToAll(5);
        await(() -> cluster.nodes.stream().allMatch(n -> n.height() >= 1), 20, "block 1 everywhere");
        cluster.submitToAll(3);
        await(() -> cluster.nodes.stream().allMatch(n -> n.height() >= 2), 20, "block 2 everywhere");
        assertSameChain(cluster.nodes, 2);
        for (Node n : cluster.nodes) {
            assertFinal(n, 1);
            assertFinal(n, 2);
        }
        Node n0 = cluster.node(0);
        // leader of (h, v) = sealers[(h + v) mod n]
        assertEquals(cluster.sealerIds.get(1).hex(), Bytes.toHex(n0.store.header(1).orElseThrow().sealer()));
        assertEquals(cluster.sealerIds.get(2).hex(), Bytes.toHex(n0.store.header(2).orElseThrow().sealer()));
        assertEquals(5, n0.store.block(1).orElseThrow().transactions().size());
        await(() -> cluster.nodes.stream().allMatch(n -> n.stat("height") == 3), 10, "engines at height 3");
        var s = n0.status();
        assertEquals("pbft", s.get("engine"));
        assertEquals("sealer", s.get("role"));
        assertEquals(1, s.get("f"));
        assertEquals(3, s.get("quorum"));
        assertEquals(0L, s.get("view"));
        assertEquals(cluster.sealerIds.get(3).hex(), s.get("leader"));
        assertEquals(cluster.genesis.sealers(), s.get("sealers"));
        assertEquals(n0.store.hash(2).orElseThrow().toHex(), s.get("lastBlockHash"));
        assertEquals(0L, s.get("viewChanges"));
        assertEquals(0L, s.get("equivocationsSeen"));
        assertEquals("pbft", n0.engine.engine());
        assertTrue(n0.engine.health().ready(), n0.engine.health().detail());
        // the observer follows, and never votes
        assertEquals("observer", observer.status().get("role"));
        assertTrue(cluster.log.stream().noneMatch(x -> x.from().equals(observer.id.hex())), "the observer sent nothing");
    }

    @Test
    void aDownLeaderIsReplacedByAViewChange() {
        cluster(3, 20, 300);
        cluster.node(1).stop(); // leader of height 1, view 0
        cluster.submitToAll(3);
        List<Node> live = List.of(cluster.node(0), cluster.node(2), cluster.node(3));
        await(() -> live.stream().allMatch(n -> n.height() >= 1), 30, "block 1 without the leader");
        assertSameChain(live, 1);
        assertFinal(cluster.node(0), 1);
        // view 1's leader made it
        assertEquals(cluster.sealerIds.get(2).hex(),
                Bytes.toHex(cluster.node(0).store.header(1).orElseThrow().sealer()));
        assertTrue(cluster.node(0).stat("viewChanges") >= 1);
        cluster.submitToAll(3);
        await(() -> live.stream().allMatch(n -> n.height() >= 2), 30, "block 2");
        cluster.submitToAll(3);
        await(() -> live.stream().allMatch(n -> n.height() >= 3), 30, "block 3 (whose view-0 leader is down again)");
        assertSameChain(live, 3);
    }

    @Test
    void aLeaderWhoseProposalReachedNobodySendsItAgainOnceConnected() {
        cluster(3, 20, 20_000);
        Node leader = cluster.node(1); // leader of height 1, view 0
        leader.net.isolated = true; // its network engine is being swapped: no peer connected
        cluster.submitToAll(3);
        await(() -> leader.net.refused.stream().anyMatch(m -> m.type() == PbftMessage.PRE_PREPARE), 10,
                "the leader's proposal, refused for want of peers");
        long reconnected = System.nanoTime();
        leader.net.isolated = false;
        await(() -> cluster.nodes.stream().allMatch(n -> n.height() >= 1), 30, "block 1 on every node");
        long tookMs = (System.nanoTime() - reconnected) / 1_000_000;
        // The view timeout is 20 s and the periodic re-send a quarter of it: only re-sending on reconnection is this quick.
        assertTrue(tookMs < 4_000, "block 1 committed " + tookMs + " ms after the leader reconnected");
        assertSameChain(cluster.nodes, 1);
        for (Node n : cluster.nodes) {
            assertFinal(n, 1);
            assertEquals(0, n.stat("viewChanges"), "no view change on " + n.id.hex());
            assertEquals(0, n.stat("equivocationsSeen"));
        }
        assertTrue(leader.stat("messagesResent") >= 1);
    }

    @Test
    void aProposalLostOnTheWayIsSentAgainBeforeTheViewTimeout() {
        cluster(3, 20, 4_000);
        Node leader = cluster.node(1);
        Set<String> lostTo = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // The network took the proposal (broadcast reports every peer) but lost it: only a timed re-send helps.
        cluster.filter = s -> !(s.from().equals(leader.id.hex()) && s.message().type() == PbftMessage.PRE_PREPARE
                && lostTo.add(s.to()));
        long start = System.nanoTime();
        cluster.submitToAll(3);
        await(() -> cluster.nodes.stream().allMatch(n -> n.height() >= 1), 30, "block 1 on every node");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 3_500, "block 1 committed after " + tookMs + " ms, view timeout 4 s");
        assertEquals(3, lostTo.size(), "the first proposal was lost to every peer");
        for (Node n : cluster.nodes) {
            assertFinal(n, 1);
            assertEquals(0, n.stat("viewChanges"));
            assertEquals(0, n.stat("equivocationsSeen"), "a re-sent vote is the same vote");
        }
    }

    @Test
    void aRepeatedVoteCountsOnce() {
        cluster(10, 20, 60_000, 0, 2, 3); // only node 1, the leader of (1, 0), runs an engine
        Node leader = cluster.node(1);
        List<VerifiedTransaction> txs = cluster.submitToAll(2);
        await(() -> cluster.log.stream().anyMatch(s -> s.message() != null && s.message().type() == PbftMessage.PRE_PREPARE),
                10, "the proposal");
        Hash proposed = cluster.log.stream().filter(s -> s.message() != null && s.message().type() == PbftMessage.PRE_PREPARE)
                .findFirst().orElseThrow().message().blockHash();
        Node n2 = cluster.node(2);
        byte[] prepare2 = signed(n2.id, PbftMessage.PREPARE, 1, 0, proposed, new byte[0]).encode();
        for (int i = 0; i < 3; i++) {
            n2.net.send(leader.id.hex(), "pbft", prepare2);
        }
        cluster.settle(leader);
        assertEquals(0, cluster.log.stream().filter(s -> s.from().equals(leader.id.hex()) && s.message() != null
                && s.message().type() == PbftMessage.COMMIT).count(), "two distinct prepares are no quorum, however often one repeats");
        Node n3 = cluster.node(3);
        n3.net.send(leader.id.hex(), "pbft", signed(n3.id, PbftMessage.PREPARE, 1, 0, proposed, new byte[0]).encode());
        await(() -> cluster.log.stream().anyMatch(s -> s.from().equals(leader.id.hex()) && s.message() != null
                && s.message().type() == PbftMessage.COMMIT), 10, "the leader commits on the third distinct prepare");
        byte[] commit2 = signed(n2.id, PbftMessage.COMMIT, 1, 0, proposed, n2.id.sign(proposed.toByteArray())).encode();
        for (int i = 0; i < 3; i++) {
            n2.net.send(leader.id.hex(), "pbft", commit2);
        }
        cluster.settle(leader);
        assertEquals(0, leader.height(), "two distinct commits are no quorum, however often one repeats");
        n3.net.send(leader.id.hex(), "pbft", signed(n3.id, PbftMessage.COMMIT, 1, 0, proposed,
                n3.id.sign(proposed.toByteArray())).encode());
        await(() -> leader.height() == 1, 10, "block 1 on the third distinct commit");
        assertFinal(leader, 1);
        assertEquals(0, leader.stat("equivocationsSeen"));
    }

    @Test
    void aProposalOfTransactionsNotYetGossipedIsVerifiedAndOneBadSignatureRefusesIt() {
        cluster(500, 20, 60_000, 1);
        Node n0 = cluster.node(0);
        Node leader = cluster.node(1);
        List<VerifiedTransaction> good = cluster.txs(200); // in no pool: the proposal outran gossip
        List<VerifiedTransaction> bad = new ArrayList<>(good);
        VerifiedTransaction t = good.get(150);
        io.cairn.api.chain.Transaction forged = new io.cairn.api.chain.Transaction(t.tx().chainId(), t.tx().nonce(),
                t.tx().to(), t.tx().value(), t.tx().data(), t.tx().publicKey(), good.get(149).tx().signature());
        bad.set(150, new VerifiedTransaction(forged, t.hash(), t.sender(), forged.encode()));
        BlockHeader genesis = n0.store.header(0).orElseThrow();
        ExecutedBlock b = leader.exec.execute(genesis, 5000, leader.id.publicKey(), bad);
        Hash hb = Hash.of(cluster.suite.hash(b.header().encode()));
        leader.net.send(n0.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, hb, proposal(b)).encode());
        await(() -> n0.stat("messagesRejected") == 1, 10, "the proposal with a forged signature refused");
        assertTrue(String.valueOf(n0.status().get("lastRejection")).contains("the signature does not verify"),
                String.valueOf(n0.status().get("lastRejection")));
        assertEquals(0, prepares(n0, hb));
        ExecutedBlock a = leader.exec.execute(genesis, 5000, leader.id.publicKey(), good);
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        leader.net.send(n0.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a)).encode());
        await(() -> prepares(n0, ha) >= 1, 10, "node 0 prepares the proposal of 200 verified transactions");
        assertTrue(cluster.suite.verifyingThreads.stream().anyMatch(n -> n.startsWith(PbftConsensus.THREAD_NAME + "-verify-")),
                "signatures checked by the verifier threads: " + cluster.suite.verifyingThreads);
    }

    @Test
    void twoOfFourDownStopsTheChainWithoutForkAndOneReturningRestartsIt() {
        cluster(3, 20, 200);
        cluster.node(2).stop();
        cluster.node(3).stop();
        cluster.submitToAll(3);
        Node n0 = cluster.node(0);
        Node n1 = cluster.node(1);
        await(() -> n0.stat("viewChanges") + cluster.log.stream()
                .filter(s -> s.message() != null && s.message().type() == PbftMessage.VIEW_CHANGE).count() >= 4, 20,
                "view change attempts");
        assertEquals(0, n0.height(), "no commit with 2 of 4");
        assertEquals(0, n1.height(), "no commit with 2 of 4");
        assertTrue(cluster.log.stream().noneMatch(s -> s.message() != null && s.message().type() == PbftMessage.COMMIT),
                "no commit votes without a quorum of prepares");
        Node n2 = cluster.node(2).start();
        n2.pool.add(n0.pool.pending(100));
        List<Node> live = List.of(n0, n1, n2);
        await(() -> live.stream().allMatch(n -> n.height() >= 1), 60, "block 1 once a third node returns");
        assertSameChain(live, 1);
        assertFinal(n2, 1);
        cluster.submitToAll(2);
        await(() -> live.stream().allMatch(n -> n.height() >= 2), 60, "block 2");
        assertSameChain(live, 2);
    }

    @Test
    void aLeaderSendingTwoProposalsGetsAtMostOneCommitted() {
        cluster(10, 20, 400, 1); // node 1, leader of (1, 0), is byzantine and scripted here
        Node byz = cluster.node(1);
        List<VerifiedTransaction> txs = cluster.submitToAll(2);
        BlockHeader genesis = cluster.node(0).store.header(0).orElseThrow();
        ExecutedBlock a = byz.exec.execute(genesis, 5000, byz.id.publicKey(), txs);
        ExecutedBlock b = byz.exec.execute(genesis, 6000, byz.id.publicKey(), txs.subList(0, 1));
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        Hash hb = Hash.of(cluster.suite.hash(b.header().encode()));
        assertNotEquals(ha, hb);
        PbftMessage ppa = signed(byz.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a));
        PbftMessage ppb = signed(byz.id, PbftMessage.PRE_PREPARE, 1, 0, hb, proposal(b));
        PbftMessage pa = signed(byz.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]);
        PbftMessage pb = signed(byz.id, PbftMessage.PREPARE, 1, 0, hb, new byte[0]);
        String n0 = cluster.node(0).id.hex();
        String n2 = cluster.node(2).id.hex();
        String n3 = cluster.node(3).id.hex();
        byz.net.send(n0, "pbft", ppa.encode());
        byz.net.send(n2, "pbft", ppa.encode());
        byz.net.send(n3, "pbft", ppb.encode());
        byz.net.send(n0, "pbft", pa.encode());
        byz.net.send(n2, "pbft", pa.encode());
        byz.net.send(n3, "pbft", pb.encode());
        byz.net.send(n0, "pbft", ppb.encode()); // the second proposal reaches node 0 too
        byz.net.send(n0, "pbft", pb.encode());
        List<Node> honest = List.of(cluster.node(0), cluster.node(2), cluster.node(3));
        await(() -> honest.stream().allMatch(n -> n.height() >= 1), 30, "block 1 on the honest nodes");
        assertSameChain(honest, 1);
        Hash committed = cluster.node(0).store.hash(1).orElseThrow();
        assertTrue(committed.equals(ha) || committed.equals(hb));
        for (Node n : honest) {
            assertFinal(n, 1);
        }
        assertTrue(cluster.node(0).stat("equivocationsSeen") >= 1, "node 0 saw two proposals for (1, 0)");
        assertEquals(0, prepares(cluster.node(0), hb), "node 0 never prepared the second proposal");
        // the chain goes on past the byzantine node
        cluster.submitToAll(2);
        await(() -> honest.stream().allMatch(n -> n.height() >= 2), 30, "block 2");
        assertSameChain(honest, 2);
    }

    @Test
    void forgedUnsignedAndForeignMessagesAreIgnored() {
        cluster(10, 20, 60_000, 1);
        Node target = cluster.node(0);
        Node leader = cluster.node(1); // scripted: its key is a sealer's
        Identity rogue = new Identity(cluster.suite, "rogue");
        Cluster.Endpoint rogueNet = cluster.new Endpoint(rogue.hex());
        cluster.endpoints.put(rogue.hex(), rogueNet);
        List<VerifiedTransaction> txs = cluster.submitToAll(1);
        ExecutedBlock a = leader.exec.execute(target.store.header(0).orElseThrow(), 5000, leader.id.publicKey(), txs);
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        PbftMessage real = signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a));
        List<byte[]> bad = new ArrayList<>();
        // claims the leader's key, signed by the rogue
        PbftMessage byRogue = signed(rogue, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a));
        bad.add(new PbftMessage(real.type(), real.chainId(), 1, 0, ha, leader.id.publicKey(), real.body(),
                byRogue.signature()).encode());
        // unsigned (zero signature)
        bad.add(new PbftMessage(real.type(), real.chainId(), 1, 0, ha, leader.id.publicKey(), real.body(),
                new byte[64]).encode());
        // correctly signed by a key that is not a sealer
        bad.add(byRogue.encode());
        bad.add(signed(rogue, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        // another chain
        bad.add(PbftMessage.sign(leader.id, PbftMessage.PRE_PREPARE, Cluster.CHAIN + 1, 1, 0, ha, proposal(a)).encode());
        // garbage and a truncated message
        bad.add(new byte[] {1, 2, 3});
        byte[] enc = real.encode();
        bad.add(java.util.Arrays.copyOf(enc, enc.length - 10));
        // a replay of the target's own vote
        bad.add(signed(target.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        for (byte[] m : bad) {
            rogueNet.send(target.id.hex(), "pbft", m);
        }
        await(() -> target.stat("messagesRejected") == bad.size(), 10, "every bad message rejected");
        cluster.settle(target);
        assertEquals(0, prepares(target, ha), "nothing forged made node 0 vote");
        assertEquals(0, target.height());
        // the genuine proposal is still accepted
        leader.net.send(target.id.hex(), "pbft", real.encode());
        try {
            await(() -> prepares(target, ha) >= 1, 10, "node 0 prepares the real proposal");
        } catch (AssertionError e) {
            throw new AssertionError(target.status().toString(), e);
        }
        assertEquals(bad.size(), target.stat("messagesRejected"));
    }

    @Test
    void aRestartedNodeDoesNotVoteForAnotherBlockAtTheSameHeightAndView() {
        cluster(10, 20, 60_000, 1);
        Node n0 = cluster.node(0);
        Node leader = cluster.node(1);
        List<VerifiedTransaction> txs = cluster.submitToAll(2);
        BlockHeader genesis = n0.store.header(0).orElseThrow();
        ExecutedBlock a = leader.exec.execute(genesis, 5000, leader.id.publicKey(), txs);
        ExecutedBlock b = leader.exec.execute(genesis, 6000, leader.id.publicKey(), txs);
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        Hash hb = Hash.of(cluster.suite.hash(b.header().encode()));
        leader.net.send(n0.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a)).encode());
        await(() -> prepares(n0, ha) >= 1, 10, "node 0 prepares A");
        assertNotNull(n0.storage.get(VoteLog.VOTES), "the vote was written before it was sent");

        n0.stop();
        n0.start(); // same storage: a restart or a swapped-in engine
        leader.net.send(n0.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, hb, proposal(b)).encode());
        cluster.settle(n0);
        cluster.settle(n0);
        assertEquals(0, prepares(n0, hb), "after the restart node 0 refuses B at (1, 0)");

        // Without the persisted vote the same engine would have prepared B: the log is what prevents it.
        n0.stop();
        n0.storage = new Cluster.MemoryStorage();
        n0.start();
        leader.net.send(n0.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, hb, proposal(b)).encode());
        await(() -> prepares(n0, hb) >= 1, 10, "a node with no vote log prepares B");
    }

    @Test
    void aRestartedLeaderReProposesTheSameBlock() {
        cluster(10, 20, 60_000);
        Node leader = cluster.node(1);
        // nobody hears the first proposal
        cluster.filter = s -> false;
        cluster.submitToAll(2);
        await(() -> cluster.log.stream().anyMatch(s -> s.message().type() == PbftMessage.PRE_PREPARE), 10, "a proposal");
        Hash first = cluster.log.stream().filter(s -> s.message().type() == PbftMessage.PRE_PREPARE).findFirst()
                .orElseThrow().message().blockHash();
        leader.stop();
        cluster.filter = null;
        leader.start();
        await(() -> cluster.nodes.stream().allMatch(n -> n.height() >= 1), 20, "block 1");
        assertEquals(first, cluster.node(0).store.hash(1).orElseThrow(), "the restarted leader proposed the same block");
        assertTrue(cluster.log.stream().filter(s -> s.message().type() == PbftMessage.PRE_PREPARE)
                .allMatch(s -> s.message().blockHash().equals(first)), "never another proposal at (1, 0)");
    }

    /** A gate that counts who is inside and refuses entry while closed. */
    static final class Gate implements io.cairn.api.pipeline.PipelineGate {
        volatile boolean closed;
        final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public boolean tryEnter() {
            if (closed) {
                return false;
            }
            inside.incrementAndGet();
            return true;
        }

        @Override
        public void exit() {
            inside.decrementAndGet();
        }
    }

    @Test
    void aClosedGatePausesBlocksAndEveryCommitHappensInsideIt() {
        cluster(10, 20, 60_000);
        List<Gate> gates = new ArrayList<>();
        for (Node n : cluster.nodes) {
            Gate g = new Gate();
            g.closed = true;
            gates.add(g);
            n.engine.bindGate(g);
        }
        cluster.submitToAll(2);
        for (Node n : cluster.nodes) {
            long r = n.engine.rounds();
            await(() -> n.engine.rounds() > r + 20, 10, "engine turns at the closed gate");
        }
        assertTrue(cluster.nodes.stream().allMatch(n -> n.height() == 0), "no block while the gates are closed");
        assertEquals(2, cluster.node(0).pool.size(), "the pool keeps what waits");
        gates.forEach(g -> g.closed = false);
        await(() -> cluster.nodes.stream().allMatch(n -> n.height() >= 1), 20, "block 1 once the gates reopen");
        await(() -> gates.stream().allMatch(g -> g.inside.get() == 0), 10, "every engine out of its gate after the commit");
    }

    @Test
    void messagesRoundTripAndBadOnesNameTheProblem() {
        Cluster.KeySuite suite = new Cluster.KeySuite();
        Identity id = new Identity(suite, "x");
        PbftMessage m = PbftMessage.sign(id, PbftMessage.COMMIT, 9, 5, 2, Hash.of(new byte[32]), new byte[64]);
        PbftMessage back = PbftMessage.decode(m.encode());
        assertTrue(back.verify(suite));
        assertEquals(5, back.height());
        assertEquals(2, back.view());
        byte[] enc = m.encode();
        enc[1] = 42;
        assertEquals("pbft message: unknown type 42",
                assertThrows(io.cairn.api.chain.MalformedDataException.class, () -> PbftMessage.decode(enc)).getMessage());
        byte[] tampered = m.encode();
        tampered[10] ^= 1;
        assertFalse(PbftMessage.decode(tampered).verify(suite));
    }

    @Test
    void badConfigurationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PbftConsensus(Cluster.config(0, 10, 1000)));
        assertEquals("io.cairn.consensus.pbft: blockTxs must be at least 1, got 0", e.getMessage());
    }

    @Test
    void stopsItsThreadOnDeactivate() {
        PbftConsensus p = new PbftConsensus(Cluster.config(10, 10, 1000));
        Thread t = p.eventThread();
        assertTrue(t.isAlive());
        p.deactivate();
        assertFalse(t.isAlive());
    }
}
