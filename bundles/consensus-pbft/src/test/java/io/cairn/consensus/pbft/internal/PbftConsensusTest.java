package io.cairn.consensus.pbft.internal;

import static io.cairn.consensus.pbft.internal.Cluster.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /** Honest nodes, however late or early their messages, never get one another penalised. */
    private static void assertNoPenalties(List<Node> nodes) {
        for (Node n : nodes) {
            if (n.engine != null) {
                assertEquals(0, n.stat("peersDisconnected"), "peers penalised by " + n.id.hex() + ": " + n.status());
                assertEquals(List.of(), n.status().get("penalisedPeers"));
            }
            assertEquals(List.of(), n.net.disconnects.stream().map(d -> d[0] + ": " + d[1]).toList());
        }
    }

    /** COMMITs {@code from} sent. */
    private long commits(Node from) {
        return cluster.log.stream().filter(s -> s.from().equals(from.id.hex()) && s.message() != null
                && s.message().type() == PbftMessage.COMMIT).count();
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
        assertNoPenalties(cluster.nodes);
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
        assertNoPenalties(cluster.nodes);
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
        assertNoPenalties(cluster.nodes);
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
    void aBlockFetchedAgainIsAnsweredWithTheMessageSignedTheFirstTime() {
        cluster(3, 20, 60_000, 3); // node 3 is scripted: a sealer that lags and asks for block 1
        Node n0 = cluster.node(0);
        Node lagging = cluster.node(3);
        cluster.submitToAll(3);
        await(() -> n0.height() >= 1 && n0.stat("height") >= 2, 20, "block 1 committed on node 0");
        cluster.settle(n0);
        java.util.function.IntSupplier answers = () -> (int) cluster.log.stream().filter(x -> x.from().equals(n0.id.hex())
                && x.to().equals(lagging.id.hex()) && x.message().type() == PbftMessage.DECIDED).count();
        byte[] fetch = PbftMessage.sign(lagging.id, PbftMessage.FETCH, Cluster.CHAIN, 1, 0, Hash.ZERO, new byte[0]).encode();
        lagging.net.send(n0.id.hex(), "pbft", fetch);
        await(() -> answers.getAsInt() == 1, 10, "block 1 sent to the lagging node");
        int signed = n0.id.signatures.get();
        // answers to one peer are paced: ask until the second answer comes
        long until = System.nanoTime() + 10_000_000_000L;
        while (answers.getAsInt() < 2 && System.nanoTime() < until) {
            lagging.net.send(n0.id.hex(), "pbft", fetch);
            long next = System.nanoTime() + 50_000_000L;
            while (answers.getAsInt() < 2 && System.nanoTime() < next) {
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
        }
        assertEquals(2, answers.getAsInt(), "asked again, answered again");
        assertEquals(signed, n0.id.signatures.get(), "the second answer was not signed (nor hashed) again");
        List<PbftMessage> sent = cluster.log.stream().filter(x -> x.from().equals(n0.id.hex())
                && x.message().type() == PbftMessage.DECIDED).map(Cluster.Sent::message).toList();
        assertArrayEquals(sent.get(0).encode(), sent.get(1).encode());
        assertEquals(n0.store.hash(1).orElseThrow(), sent.get(0).blockHash());
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
        assertNoPenalties(cluster.nodes);
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
        assertEquals(1, cluster.node(0).net.disconnectReasons(byz.id.hex()).size(), "node 0 asked to disconnect the equivocating leader");
        assertTrue(cluster.node(0).net.disconnectReasons(byz.id.hex()).get(0).contains("equivocation"));
        assertNoPenalties(List.of(cluster.node(2), cluster.node(3)));
        assertEquals(0, prepares(cluster.node(0), hb), "node 0 never prepared the second proposal");
        // the chain goes on past the byzantine node
        cluster.submitToAll(2);
        await(() -> honest.stream().allMatch(n -> n.height() >= 2), 30, "block 2");
        assertSameChain(honest, 2);
    }

    @Test
    void forgedUnsignedAndForeignMessagesAreIgnoredAndEachSenderIsPenalised() {
        cluster(10, 20, 60_000, 1);
        Node target = cluster.node(0);
        Node leader = cluster.node(1); // scripted: its key is a sealer's
        Identity rogue = new Identity(cluster.suite, "rogue");
        Identity rogue2 = new Identity(cluster.suite, "rogue-2");
        List<VerifiedTransaction> txs = cluster.submitToAll(1);
        ExecutedBlock a = leader.exec.execute(target.store.header(0).orElseThrow(), 5000, leader.id.publicKey(), txs);
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        PbftMessage real = signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a));
        // Each from a peer of its own: after its first bad message a peer is not listened to any more.
        record Bad(Identity from, byte[] payload, String reason) {}
        List<Bad> bad = new ArrayList<>();
        int[] k = {0};
        java.util.function.Supplier<Identity> fresh = () -> new Identity(cluster.suite, "peer-" + k[0]++);
        // claims the leader's key, signed by the rogue
        PbftMessage byRogue = signed(rogue, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a));
        bad.add(new Bad(rogue2, new PbftMessage(real.type(), real.chainId(), 1, 0, ha, leader.id.publicKey(), real.body(),
                byRogue.signature()).encode(), "not by the peer that sent it"));
        // unsigned (zero signature)
        bad.add(new Bad(fresh.get(), new PbftMessage(real.type(), real.chainId(), 1, 0, ha, leader.id.publicKey(), real.body(),
                new byte[64]).encode(), "not by the peer that sent it"));
        // correctly signed by a key that is not a sealer, sent by its holder
        bad.add(new Bad(rogue, byRogue.encode(), "the sender is not a sealer"));
        Identity voter = fresh.get();
        bad.add(new Bad(voter, signed(voter, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode(), "the sender is not a sealer"));
        // another chain
        bad.add(new Bad(fresh.get(), PbftMessage.sign(leader.id, PbftMessage.PRE_PREPARE, Cluster.CHAIN + 1, 1, 0, ha,
                proposal(a)).encode(), "is for chain 10"));
        // garbage and a truncated message
        bad.add(new Bad(fresh.get(), new byte[] {1, 2, 3}, "pbft message"));
        byte[] enc = real.encode();
        bad.add(new Bad(fresh.get(), java.util.Arrays.copyOf(enc, enc.length - 10), "pbft message"));
        // a replay of the target's own vote
        bad.add(new Bad(fresh.get(), signed(target.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode(),
                "not by the peer that sent it"));
        for (Bad b : bad) {
            cluster.endpoint(b.from()).send(target.id.hex(), "pbft", b.payload());
        }
        await(() -> target.stat("messagesRejected") == bad.size(), 10, "every bad message rejected");
        cluster.settle(target);
        assertEquals(0, prepares(target, ha), "nothing forged made node 0 vote");
        assertEquals(0, target.height());
        assertEquals(bad.size(), target.stat("peersDisconnected"), target.status().toString());
        for (Bad b : bad) {
            List<String> reasons = target.net.disconnectReasons(b.from().hex());
            assertEquals(1, reasons.size(), "disconnect asked once for " + b.reason() + ": " + reasons);
            assertTrue(reasons.get(0).startsWith("pbft: ") && reasons.get(0).contains(b.reason()), reasons.get(0));
        }
        assertEquals(bad.size(), ((List<?>) target.status().get("penalisedPeers")).size());
        // the genuine proposal is still accepted: its sender signed it
        leader.net.send(target.id.hex(), "pbft", real.encode());
        try {
            await(() -> prepares(target, ha) >= 1, 10, "node 0 prepares the real proposal");
        } catch (AssertionError e) {
            throw new AssertionError(target.status().toString(), e);
        }
        assertEquals(bad.size(), target.stat("messagesRejected"));
        assertEquals(List.of(), target.net.disconnectReasons(leader.id.hex()));
    }

    @Test
    void aVoteSignedByOneSealerButSentByAnotherIsRejectedAndItsSenderPenalised() {
        cluster(10, 20, 60_000, 1, 2, 3); // only node 0 runs an engine
        Node target = cluster.node(0);
        Node leader = cluster.node(1);
        Node n2 = cluster.node(2);
        Node n3 = cluster.node(3);
        List<VerifiedTransaction> txs = cluster.submitToAll(1);
        ExecutedBlock a = leader.exec.execute(target.store.header(0).orElseThrow(), 5000, leader.id.publicKey(), txs);
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        leader.net.send(target.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a)).encode());
        leader.net.send(target.id.hex(), "pbft", signed(leader.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        await(() -> prepares(target, ha) >= 1, 10, "node 0 prepares");
        // node 3 passes on node 2's genuine PREPARE: a quorum (node 0, 1, 2) if it counted
        n3.net.send(target.id.hex(), "pbft", signed(n2.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        await(() -> target.stat("peersDisconnected") == 1, 10, "node 3 penalised");
        cluster.settle(target);
        assertEquals(0, commits(target), "a vote passed on by another peer does not count");
        List<String> reasons = target.net.disconnectReasons(n3.id.hex());
        assertEquals(1, reasons.size());
        assertTrue(reasons.get(0).contains("PREPARE(h=1, v=0") && reasons.get(0).contains("is signed by " + n2.id.hex()
                + ", not by the peer that sent it"), reasons.get(0));
        @SuppressWarnings("unchecked")
        List<java.util.Map<String, Object>> penalised = (List<java.util.Map<String, Object>>) target.status().get("penalisedPeers");
        assertEquals(1, penalised.size());
        assertEquals(n3.id.hex(), penalised.get(0).get("peer"));
        assertTrue(target.engine.health().detail().contains("1 peer(s) penalised"), target.engine.health().detail());
        // node 3's own vote is ignored while it is penalised
        long ignoredBefore = target.stat("messagesIgnored");
        n3.net.send(target.id.hex(), "pbft", signed(n3.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        await(() -> target.stat("messagesIgnored") > ignoredBefore, 10, "node 3's vote ignored");
        cluster.settle(target);
        assertEquals(0, commits(target));
        // node 2's own vote, from node 2, counts
        n2.net.send(target.id.hex(), "pbft", signed(n2.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        await(() -> commits(target) >= 1, 10, "node 0 commits on node 2's own prepare");
        assertEquals(List.of(), target.net.disconnectReasons(n2.id.hex()));
        assertEquals(List.of(), target.net.disconnectReasons(leader.id.hex()));
        assertEquals(1, target.stat("peersDisconnected"));
    }

    @Test
    void aBadSignatureOrGarbageFromASealerPenalisesItForThePenaltyPeriodOnly() {
        cluster = new Cluster(4, Cluster.config(10, 20, 60_000, 2_000)).start(1, 2, 3);
        Node target = cluster.node(0);
        Node leader = cluster.node(1);
        Node n2 = cluster.node(2);
        Node n3 = cluster.node(3);
        List<VerifiedTransaction> txs = cluster.submitToAll(1);
        ExecutedBlock a = leader.exec.execute(target.store.header(0).orElseThrow(), 5000, leader.id.publicKey(), txs);
        Hash ha = Hash.of(cluster.suite.hash(a.header().encode()));
        leader.net.send(target.id.hex(), "pbft", signed(leader.id, PbftMessage.PRE_PREPARE, 1, 0, ha, proposal(a)).encode());
        leader.net.send(target.id.hex(), "pbft", signed(leader.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]).encode());
        await(() -> prepares(target, ha) >= 1, 10, "node 0 prepares");
        PbftMessage good2 = signed(n2.id, PbftMessage.PREPARE, 1, 0, ha, new byte[0]);
        byte[] flipped = good2.signature().clone();
        flipped[5] ^= 1;
        n2.net.send(target.id.hex(), "pbft", new PbftMessage(good2.type(), good2.chainId(), 1, 0, ha, n2.id.publicKey(),
                new byte[0], flipped).encode());
        n3.net.send(target.id.hex(), "pbft", new byte[] {1, 3, 0, 0});
        await(() -> target.stat("peersDisconnected") == 2, 10, "nodes 2 and 3 penalised");
        assertTrue(target.net.disconnectReasons(n2.id.hex()).get(0).contains("the signature does not verify"),
                target.net.disconnectReasons(n2.id.hex()).toString());
        assertTrue(target.net.disconnectReasons(n3.id.hex()).get(0).contains("pbft message"),
                target.net.disconnectReasons(n3.id.hex()).toString());
        // while penalised, node 2's genuine vote is ignored
        long ignoredBefore = target.stat("messagesIgnored");
        n2.net.send(target.id.hex(), "pbft", good2.encode());
        await(() -> target.stat("messagesIgnored") > ignoredBefore, 10, "node 2's vote ignored");
        cluster.settle(target);
        assertEquals(0, commits(target));
        // after the penalty period it is heard again
        await(() -> ((List<?>) target.status().get("penalisedPeers")).isEmpty(), 10, "the penalties end");
        n2.net.send(target.id.hex(), "pbft", good2.encode());
        await(() -> commits(target) >= 1, 10, "node 0 commits on node 2's prepare after its penalty");
        assertEquals(1, target.net.disconnectReasons(n2.id.hex()).size(), "one disconnect per offence");
        assertEquals(2, target.stat("peersDisconnected"));
    }

    @Test
    void honestLateEarlyAndUncheckableMessagesPenaliseNobody() {
        cluster(10, 20, 500, 3); // node 3 is scripted: it sends what a lagging or hurried sealer might
        List<Node> live = List.of(cluster.node(0), cluster.node(1), cluster.node(2));
        Node n3 = cluster.node(3);
        cluster.submitToAll(2);
        await(() -> live.stream().allMatch(n -> n.height() >= 1), 20, "block 1");
        cluster.submitToAll(2);
        await(() -> live.stream().allMatch(n -> n.height() >= 2 && n.stat("height") == 3), 20, "block 2, engines at height 3");
        Hash h1 = cluster.node(0).store.hash(1).orElseThrow();
        BlockHeader b1 = cluster.node(0).store.header(1).orElseThrow();
        // node 3 leads (3, 0) but builds on block 1 (it has not seen block 2): a proposal nobody can accept
        ExecutedBlock stale = n3.exec.execute(b1, 9000, n3.id.publicKey(), List.of());
        Hash hs = Hash.of(cluster.suite.hash(stale.header().encode()));
        Identity observer = new Identity(cluster.suite, "observer");
        Cluster.Endpoint observerNet = cluster.endpoint(observer);
        List<byte[]> honest = List.of(
                signed(n3.id, PbftMessage.PREPARE, 1, 0, h1, new byte[0]).encode(),                      // an old height
                signed(n3.id, PbftMessage.COMMIT, 1, 0, h1, n3.id.sign(h1.toByteArray())).encode(),     // an old commit
                signed(n3.id, PbftMessage.PREPARE, 50, 0, h1, new byte[0]).encode(),                     // far ahead
                signed(n3.id, PbftMessage.PREPARE, 3, 6, h1, new byte[0]).encode(),                      // a later view
                signed(n3.id, PbftMessage.VIEW_CHANGE, 3, 2, Hash.ZERO, PreparedCert.encode(null)).encode(),
                signed(n3.id, PbftMessage.FETCH, 2, 0, Hash.ZERO, new byte[0]).encode(),
                signed(n3.id, PbftMessage.PRE_PREPARE, 3, 0, hs, proposal(stale)).encode());
        for (Node n : live) {
            for (byte[] m : honest) {
                n3.net.send(n.id.hex(), "pbft", m);
            }
            observerNet.send(n.id.hex(), "pbft", PbftMessage.sign(observer, PbftMessage.FETCH, Cluster.CHAIN, 1, 0, Hash.ZERO,
                    new byte[0]).encode());
        }
        for (Node n : live) {
            await(() -> n.stat("messagesRejected") >= 2, 10, "the stale proposal and the observer's fetch refused by " + n.id.hex());
        }
        // the chain goes on without node 3 (a view change, whose NEW-VIEW sealers pass on to laggards)
        cluster.submitToAll(2);
        await(() -> live.stream().allMatch(n -> n.height() >= 3), 30, "block 3 after a view change");
        assertSameChain(live, 3);
        assertNoPenalties(cluster.nodes);
        assertEquals(List.of(), observerNet.disconnects);
    }

    @Test
    void aNewViewPassedOnByASealerIsAcceptedButNotByAnyoneElse() {
        cluster(10, 20, 60_000, 1, 2, 3);
        Node target = cluster.node(0);
        Encoder body = new Encoder().u32(3);
        for (int i = 1; i <= 3; i++) {
            body.bytes(signed(cluster.node(i).id, PbftMessage.VIEW_CHANGE, 1, 1, Hash.ZERO, PreparedCert.encode(null)).encode());
        }
        // the leader of (1, 1) is node 2; node 3 shows node 0 the NEW-VIEW, as a sealer does for a peer behind in views
        byte[] newView = signed(cluster.node(2).id, PbftMessage.NEW_VIEW, 1, 1, Hash.ZERO, body.toByteArray()).encode();
        cluster.node(3).net.send(target.id.hex(), "pbft", newView);
        await(() -> target.stat("view") == 1, 10, "node 0 enters view 1");
        assertNoPenalties(List.of(target));
        // a peer that is no sealer passing it on is another matter
        Identity rogue = new Identity(cluster.suite, "rogue");
        cluster.endpoint(rogue).send(target.id.hex(), "pbft", newView);
        await(() -> target.stat("peersDisconnected") == 1, 10, "the rogue penalised");
        assertTrue(target.net.disconnectReasons(rogue.hex()).get(0).contains("not by the peer that sent it"));
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
        e = assertThrows(IllegalArgumentException.class, () -> new PbftConsensus(Cluster.config(10, 10, 1000, -1)));
        assertEquals("io.cairn.consensus.pbft: penaltyMs must not be negative (0 turns penalties off), got -1", e.getMessage());
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
