package io.cairn.consensus.pbft.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Bytes;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.ConsensusStatus;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.testing.TestGate;
import io.cairn.consensus.pbft.internal.TestChain.Envelope;
import io.cairn.consensus.pbft.internal.TestChain.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rounds, quorums, view changes and restarts, on the deterministic harness. */
class PbftProtocolTest {

    private static TestChain chain(int blockTxs, long intervalMs, long viewTimeoutMs, int... scripted) {
        return new TestChain(4, TestChain.settings(blockTxs, intervalMs, viewTimeoutMs)).start(scripted);
    }

    @Test
    void blocksCommitOnEveryNodeWithAQuorumOfSeals() {
        TestChain chain = chain(5, 20, 2000);
        Node observer = chain.observer("observer");
        chain.submitToAll(5);
        chain.deliverAll(); // five wait: the leader proposes at once
        assertTrue(chain.nodes.stream().allMatch(n -> n.height() == 1), "block 1 everywhere");
        chain.submitToAll(3);
        chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() == 2), 1000, "block 2 everywhere");
        Checks.sameChain(chain.nodes, 2);
        for (Node n : chain.nodes) {
            Checks.isFinal(chain, n, 1);
            Checks.isFinal(chain, n, 2);
        }
        Node n0 = chain.node(0);
        // leader of (h, v) = sealers[(h + v) mod n]
        assertEquals(chain.sealers.get(1).hex, Bytes.toHex(n0.header(1).sealer()));
        assertEquals(chain.sealers.get(2).hex, Bytes.toHex(n0.header(2).sealer()));
        assertEquals(5, n0.store.block(1).orElseThrow().transactions().size());
        assertTrue(chain.nodes.stream().allMatch(n -> n.status().height() == 3), "engines at height 3");
        ConsensusStatus s = n0.status();
        ConsensusStatus.Bft bft = s.bft();
        assertEquals("pbft", s.engine());
        assertEquals(ConsensusStatus.Role.SEALER, bft.role());
        assertEquals(1, bft.f());
        assertEquals(3, bft.quorum());
        assertEquals(0, bft.view());
        assertEquals(chain.sealers.get(3).hex, bft.leader());
        assertEquals(chain.genesis.sealers(), bft.sealers());
        assertEquals(n0.hash(2), s.lastBlockHash());
        assertEquals(3, s.lastBlockTxs());
        assertEquals(2, s.blocksCommitted());
        assertEquals(0, bft.viewChanges());
        assertEquals(0, bft.equivocationsSeen());
        assertEquals(0, s.failures());
        assertTrue(n0.engine.health().ready(), n0.engine.health().detail());
        // the same counts, in the node's metrics under stable names
        assertEquals(2, n0.metrics.count("consensus_blocks_committed"));
        assertEquals(3, n0.metrics.count("consensus_rounds"), "heights 1, 2 and 3 in view 0");
        assertEquals(0, n0.metrics.count("consensus_view_changes"));
        assertEquals(0.0, n0.metrics.gauge("consensus_view"));
        // the observer follows, and never votes
        assertEquals(ConsensusStatus.Role.OBSERVER, observer.bft().role());
        assertTrue(chain.sent.stream().noneMatch(e -> e.from().equals(observer.key.hex)), "the observer sent nothing");
        Checks.noPenalties(chain.nodes);
    }

    @Test
    void aDownLeaderIsReplacedByAViewChange() {
        TestChain chain = chain(3, 20, 300);
        chain.node(1).stop(); // leader of height 1, view 0
        chain.submitToAll(3);
        List<Node> live = List.of(chain.node(0), chain.node(2), chain.node(3));
        long took = chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 1), 5_000, "block 1 without the leader");
        assertTrue(took >= 300, "not before the view timeout: " + took + " ms");
        Checks.sameChain(live, 1);
        Checks.isFinal(chain, chain.node(0), 1);
        // view 1's leader made it
        assertEquals(chain.sealers.get(2).hex, Bytes.toHex(chain.node(0).header(1).sealer()));
        assertTrue(chain.node(0).bft().viewChanges() >= 1);
        assertEquals(chain.node(0).bft().viewChanges(), chain.node(0).metrics.count("consensus_view_changes"));
        chain.submitToAll(3);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 2), 5_000, "block 2");
        chain.submitToAll(3);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 3), 5_000, "block 3");
        chain.submitToAll(3);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 4), 10_000, "block 4, whose view-0 leader is down again");
        Checks.sameChain(live, 4);
        Checks.noPenalties(chain.nodes);
    }

    /**
     * Decides blocks 1 to {@code last - 1} while node 1 (leader of heights 5, 9, ...) never learns, from block 4 on,
     * that a block was decided (it stays at height 3, re-sending its commit vote for block 4); then block {@code last}.
     *
     * @return how long block {@code last} took on the three others
     */
    private static long blockLedByNodeOneLeftBehind(TestChain chain, int last) {
        Node lagging = chain.node(1);
        for (int h = 1; h < last; h++) {
            chain.submitToAll(2);
            int height = h;
            if (h == 4) {
                chain.lose = e -> e.to().equals(lagging.key.hex) && e.message() != null
                        && (e.is(MessageKind.COMMIT) || e.is(MessageKind.DECIDED));
            }
            chain.runUntil(() -> chain.node(0).height() >= height, 20_000, "block " + height);
        }
        List<Node> live = List.of(chain.node(0), chain.node(2), chain.node(3));
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= last - 1), 10_000, "block " + (last - 1));
        assertEquals(3, lagging.height(), "node 1 is behind");
        chain.submitToAll(2);
        long took = chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= last), 10_000, "block " + last);
        assertEquals(chain.sealers.get(2).hex, Bytes.toHex(chain.node(0).header(last).sealer()), "view 1's leader");
        Checks.sameChain(live, last);
        return took;
    }

    @Test
    void aLeaderSeenAtAnEarlierHeightIsReplacedAfterTheConfiguredTimeoutNotTheStretchedOne() {
        // blocks proposed after 600 ms of work teach the timers that block time: the view timeout of 1 s stretches
        // to 4 block times, 2.4 s
        long took = blockLedByNodeOneLeftBehind(chain(100, 600, 1000), 5);
        // the stretched timeout alone is 2.4 s; the configured 1 s after the leader's re-sent vote for block 4 was
        // seen, then view 1's leader proposing, is 2.2 s (without the cap: 3 s)
        assertTrue(took < 2400, "block 5 took " + took + " ms: its leader, seen at height 4, was waited for the "
                + "stretched timeout");
    }

    @Test
    void aLeaderSeveralHeightsBehindIsReplacedAfterAboutOneBlockTime() {
        // blocks after 600 ms of work under a configured 3 s view timeout; node 1 leads height 9 from height 4
        long took = blockLedByNodeOneLeftBehind(chain(100, 600, 3000), 9);
        // node 1 was last heard of at height 4: as the timer starts, one block time (~0.6 s), then view 1's leader's
        // 0.6 s of work: 1.2 s. Capped only when its re-sent vote for block 4 comes, 1.1 s later: 2.55 s; waited for
        // as if one height back: 3.6 s
        assertTrue(took < 2000, "block 9 took " + took + " ms: its leader, five heights back, was waited for");
    }

    @Test
    void aBlockPreparedBeforeAViewChangeIsTheOneTheNextLeaderProposes() {
        TestChain chain = chain(3, 20, 300);
        // Every sealer prepares the view-0 block, but no COMMIT of view 0 arrives: nobody commits in view 0.
        chain.lose = e -> e.is(MessageKind.COMMIT) && e.message().view() == 0;
        chain.submitToAll(3);
        chain.deliverAll();
        Hash prepared = chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE)).findFirst().orElseThrow().message().blockHash();
        assertTrue(chain.nodes.stream().allMatch(n -> n.height() == 0));
        chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() == 1), 5_000, "block 1 in a later view");
        assertEquals(prepared, chain.node(0).hash(1), "the new leader re-proposed the prepared block");
        assertEquals(chain.sealers.get(1).hex, Bytes.toHex(chain.node(0).header(1).sealer()), "made by the view-0 leader");
        assertTrue(chain.count(e -> e.is(MessageKind.VIEW_CHANGE) && e.message().blockHash().equals(prepared)) > 0,
                "view changes carried the prepared certificate");
        assertTrue(chain.count(e -> e.is(MessageKind.NEW_VIEW) && e.message().blockHash().equals(prepared)) > 0);
        assertTrue(chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE))
                .allMatch(e -> e.message().blockHash().equals(prepared)), "never another block at height 1");
        Checks.noPenalties(chain.nodes);
    }

    @Test
    void aLeaderWhoseProposalReachedNobodySendsItAgainOnceConnected() {
        TestChain chain = chain(3, 20, 20_000);
        Node leader = chain.node(1); // leader of height 1, view 0
        leader.net.isolated = true; // its network engine is being swapped: no peer connected
        chain.submitToAll(3);
        chain.deliverAll();
        assertTrue(leader.net.refused.stream().anyMatch(m -> m.kind() == MessageKind.PRE_PREPARE),
                "the leader's proposal, refused for want of peers");
        chain.runFor(500);
        assertTrue(chain.nodes.stream().allMatch(n -> n.height() == 0));
        leader.net.isolated = false;
        long took = chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() >= 1), 30_000, "block 1 on every node");
        // The view timeout is 20 s and the periodic re-send a quarter of it: only re-sending on reconnection is this quick.
        assertTrue(took < 4_000, "block 1 committed " + took + " ms after the leader reconnected");
        Checks.sameChain(chain.nodes, 1);
        for (Node n : chain.nodes) {
            Checks.isFinal(chain, n, 1);
            assertEquals(0, n.bft().viewChanges(), "no view change on " + n.key.hex);
            assertEquals(0, n.bft().equivocationsSeen());
        }
        assertTrue(leader.bft().messagesResent() >= 1);
        Checks.noPenalties(chain.nodes);
    }

    @Test
    void aProposalLostOnTheWayIsSentAgainBeforeTheViewTimeout() {
        TestChain chain = chain(3, 20, 4_000);
        Node leader = chain.node(1);
        Set<String> lostTo = new HashSet<>();
        // The network took the proposal (broadcast reports every peer) but lost it: only a timed re-send helps.
        chain.lose = e -> e.from().equals(leader.key.hex) && e.is(MessageKind.PRE_PREPARE) && lostTo.add(e.to());
        chain.submitToAll(3);
        long took = chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() >= 1), 30_000, "block 1 on every node");
        assertTrue(took < 3_500, "block 1 committed after " + took + " ms, view timeout 4 s");
        assertEquals(3, lostTo.size(), "the first proposal was lost to every peer");
        for (Node n : chain.nodes) {
            Checks.isFinal(chain, n, 1);
            assertEquals(0, n.bft().viewChanges());
            assertEquals(0, n.bft().equivocationsSeen(), "a re-sent vote is the same vote");
        }
    }

    @Test
    void aRepeatedVoteCountsOnce() {
        TestChain chain = chain(10, 20, 60_000, 0, 2, 3); // only node 1, the leader of (1, 0), runs an engine
        Node leader = chain.node(1);
        chain.submitToAll(2);
        chain.runUntil(() -> chain.sentBy(leader, MessageKind.PRE_PREPARE) > 0, 1_000, "the proposal");
        Hash proposed = chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE)).findFirst().orElseThrow().message().blockHash();
        Node n2 = chain.node(2);
        PbftMessage prepare2 = chain.signed(n2.key, MessageKind.PREPARE, 1, 0, proposed, new byte[0]);
        for (int i = 0; i < 3; i++) {
            chain.send(n2.key, leader, prepare2);
        }
        chain.deliverAll();
        assertEquals(0, chain.sentBy(leader, MessageKind.COMMIT), "two distinct prepares are no quorum, however often one repeats");
        Node n3 = chain.node(3);
        chain.send(n3.key, leader, chain.signed(n3.key, MessageKind.PREPARE, 1, 0, proposed, new byte[0]));
        chain.deliverAll();
        assertTrue(chain.sentBy(leader, MessageKind.COMMIT) > 0, "the leader commits on the third distinct prepare");
        PbftMessage commit2 = chain.signed(n2.key, MessageKind.COMMIT, 1, 0, proposed, n2.key.sign(proposed.toByteArray()));
        for (int i = 0; i < 3; i++) {
            chain.send(n2.key, leader, commit2);
        }
        chain.deliverAll();
        assertEquals(0, leader.height(), "two distinct commits are no quorum, however often one repeats");
        chain.send(n3.key, leader, chain.signed(n3.key, MessageKind.COMMIT, 1, 0, proposed, n3.key.sign(proposed.toByteArray())));
        chain.deliverAll();
        assertEquals(1, leader.height(), "block 1 on the third distinct commit");
        Checks.isFinal(chain, leader, 1);
        assertEquals(0, leader.bft().equivocationsSeen());
    }

    /** 7 sealers: f = 2, and a round needs 2f + 1 = 5 votes, not 4. */
    @Test
    void aRoundOfSevenSealersNeedsFiveVotes() {
        TestChain chain = new TestChain(7, TestChain.settings(10, 20, 60_000)).start(0, 2, 3, 4, 5, 6);
        Node leader = chain.node(1); // the leader of (1, 0), the only engine
        chain.submitToAll(1);
        chain.runUntil(() -> chain.sentBy(leader, MessageKind.PRE_PREPARE) > 0, 1_000, "the proposal");
        Hash proposed = chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE)).findFirst().orElseThrow().message().blockHash();
        for (int i : new int[] {2, 3, 4}) {
            Fakes.Key k = chain.node(i).key;
            chain.send(k, leader, chain.signed(k, MessageKind.PREPARE, 1, 0, proposed, new byte[0]));
        }
        chain.deliverAll();
        assertEquals(0, chain.sentBy(leader, MessageKind.COMMIT), "4 of 7 prepared: no commit vote yet");
        Fakes.Key k5 = chain.node(5).key;
        chain.send(k5, leader, chain.signed(k5, MessageKind.PREPARE, 1, 0, proposed, new byte[0]));
        chain.deliverAll();
        assertTrue(chain.sentBy(leader, MessageKind.COMMIT) > 0, "5 of 7 prepared: the leader votes COMMIT");
        for (int i : new int[] {2, 3, 4}) {
            Fakes.Key k = chain.node(i).key;
            chain.send(k, leader, chain.signed(k, MessageKind.COMMIT, 1, 0, proposed, k.sign(proposed.toByteArray())));
        }
        chain.deliverAll();
        assertEquals(0, leader.height(), "4 of 7 commits (the leader's among them) do not decide");
        chain.send(k5, leader, chain.signed(k5, MessageKind.COMMIT, 1, 0, proposed, k5.sign(proposed.toByteArray())));
        chain.deliverAll();
        assertEquals(1, leader.height(), "5 of 7 commits decide");
        assertEquals(5, leader.store.block(1).orElseThrow().seals().size());
    }

    @Test
    void twoOfFourDownStopsTheChainWithoutForkAndOneReturningRestartsIt() {
        TestChain chain = chain(3, 20, 200);
        chain.node(2).stop();
        chain.node(3).stop();
        chain.submitToAll(3);
        Node n0 = chain.node(0);
        Node n1 = chain.node(1);
        chain.runFor(3_000);
        assertTrue(chain.count(e -> e.is(MessageKind.VIEW_CHANGE)) >= 4, "view change attempts");
        assertEquals(0, n0.height(), "no commit with 2 of 4");
        assertEquals(0, n1.height(), "no commit with 2 of 4");
        assertEquals(0, chain.count(e -> e.is(MessageKind.COMMIT)), "no commit votes without a quorum of prepares");
        Node n2 = chain.node(2).start();
        n2.pool.add(n0.pool.pending(100));
        List<Node> live = List.of(n0, n1, n2);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 1), 60_000, "block 1 once a third node returns");
        Checks.sameChain(live, 1);
        Checks.isFinal(chain, n2, 1);
        chain.submitToAll(2);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 2), 60_000, "block 2");
        Checks.sameChain(live, 2);
        Checks.noPenalties(chain.nodes);
    }

    @Test
    void aRestartedNodeDoesNotVoteForAnotherBlockAtTheSameHeightAndView() {
        TestChain chain = chain(10, 20, 60_000, 1);
        Node n0 = chain.node(0);
        Node leader = chain.node(1);
        List<VerifiedTransaction> txs = chain.submitToAll(2);
        BlockHeader genesis = n0.header(0);
        ExecutedBlock a = chain.block(leader, genesis, 5000, txs);
        ExecutedBlock b = chain.block(leader, genesis, 6000, txs);
        Hash ha = chain.hash(a);
        Hash hb = chain.hash(b);
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a)));
        chain.deliverAll();
        assertEquals(3, chain.prepares(n0, ha), "node 0 prepares A (to each peer)");
        assertNotNull(n0.records.get(VoteLog.OWNER, VoteLog.VOTES), "the vote was written before it was sent");

        n0.stop();
        n0.start(); // the same records: a restart or a swapped-in engine
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, hb, TestChain.proposal(b)));
        chain.runFor(100);
        assertEquals(0, chain.prepares(n0, hb), "after the restart node 0 refuses B at (1, 0)");

        // Without the persisted vote the same engine would have prepared B: the log is what prevents it.
        n0.stop();
        n0.records = new io.cairn.api.testing.MemoryRecords();
        n0.start();
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, hb, TestChain.proposal(b)));
        chain.deliverAll();
        assertTrue(chain.prepares(n0, hb) > 0, "a node with no vote log prepares B");
    }

    @Test
    void aRestartedLeaderReProposesTheSameBlock() {
        TestChain chain = chain(10, 20, 60_000);
        Node leader = chain.node(1);
        chain.lose = e -> true; // nobody hears the first proposal
        chain.submitToAll(2);
        chain.runUntil(() -> chain.sentBy(leader, MessageKind.PRE_PREPARE) > 0, 1_000, "a proposal");
        Hash first = chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE)).findFirst().orElseThrow().message().blockHash();
        leader.stop();
        chain.lose = e -> false;
        chain.runFor(100); // the clock moves on: a new proposal would carry another timestamp
        leader.start();
        chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() >= 1), 2_000, "block 1");
        assertEquals(first, chain.node(0).hash(1), "the restarted leader proposed the same block");
        assertTrue(chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE))
                .allMatch(e -> e.message().blockHash().equals(first)), "never another proposal at (1, 0)");
    }

    @Test
    void aClosedGatePausesBlocksAndEveryCommitHappensInsideIt() {
        TestChain chain = chain(10, 20, 60_000);
        List<TestGate> gates = new ArrayList<>();
        for (Node n : chain.nodes) {
            TestGate g = new TestGate();
            g.closed = true;
            gates.add(g);
            n.useGate(g);
        }
        chain.submitToAll(2);
        chain.runFor(500);
        assertTrue(chain.nodes.stream().allMatch(n -> n.height() == 0), "no block while the gates are closed");
        assertEquals(2, chain.node(0).pool.size(), "the pool keeps what waits");
        assertEquals(0, chain.count(e -> e.is(MessageKind.PRE_PREPARE)), "no proposal is made while the gate is closed");
        gates.forEach(g -> g.closed = false);
        chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() >= 1), 1_000, "block 1 once the gates reopen");
        assertTrue(gates.stream().allMatch(g -> g.inside.get() == 0), "every engine out of its gate after the commit");
        assertTrue(chain.nodes.stream().allMatch(n -> n.store.outsideGate.get() == 0), "every commit inside the gate");
    }

    @Test
    void aProposalThatArrivesWhileTheGateIsClosedIsCheckedOnceItOpens() {
        TestChain chain = chain(10, 20, 60_000);
        TestGate g = new TestGate();
        Node n0 = chain.node(0);
        n0.useGate(g);
        g.closed = true;
        chain.submitToAll(2);
        chain.runUntil(() -> chain.count(e -> e.is(MessageKind.PRE_PREPARE) && e.to().equals(n0.key.hex)) > 0, 1_000, "the proposal");
        chain.runFor(50);
        assertEquals(0, chain.sentBy(n0, MessageKind.PREPARE), "node 0 holds the proposal while its gate is closed");
        assertEquals(1, chain.node(1).height(), "the others decide without it");
        assertEquals(0, n0.height());
        g.closed = false;
        chain.runUntil(() -> n0.height() == 1, 1_000, "node 0 commits once its gate opens");
        Checks.sameChain(chain.nodes, 1);
        assertEquals(0, g.inside.get());
        assertEquals(0, n0.store.outsideGate.get());
    }

    @Test
    void aProposalTooBigForOneNetworkMessageIsHalved() {
        TestChain chain = chain(64, 20, 60_000);
        Node leader = chain.node(1);
        int txBytes = chain.txs(1).get(0).encoded().length + 4;
        chain.submitToAll(64);
        // room for about 40 transactions in one message: the leader proposes 32, then the rest
        leader.net.maxPayload = 4096 + 256 + 1024 + 40 * txBytes;
        chain.deliverAll();
        assertEquals(1, chain.node(0).height());
        assertEquals(32, chain.node(0).store.block(1).orElseThrow().transactions().size(), "64 halved to 32");
        assertTrue(chain.sent.stream().filter(e -> e.is(MessageKind.PRE_PREPARE))
                .allMatch(e -> e.payload().length <= leader.net.maxPayload), "every proposal fits");
        chain.runUntil(() -> chain.nodes.stream().allMatch(n -> n.height() == 2), 1_000, "block 2 with the rest");
        assertEquals(32, chain.node(0).store.block(2).orElseThrow().transactions().size());
        assertEquals(0, chain.node(0).pool.size());
    }

    @Test
    void theSameScenarioSendsTheSameMessagesEveryRun() {
        List<String> first = scenarioLog();
        List<String> second = scenarioLog();
        assertEquals(first.size(), second.size());
        assertEquals(first, second, "the harness is deterministic");
    }

    /** A view change, a lost proposal and two blocks; every message sent, as hex. */
    private static List<String> scenarioLog() {
        TestChain chain = chain(3, 20, 300);
        chain.node(1).stop();
        Set<String> lostOnce = new HashSet<>();
        chain.lose = e -> e.is(MessageKind.PRE_PREPARE) && e.to().equals(chain.node(3).key.hex) && lostOnce.add(e.to());
        chain.submitToAll(3);
        chain.runUntil(() -> chain.node(0).height() >= 1 && chain.node(3).height() >= 1, 10_000, "block 1");
        chain.submitToAll(3);
        chain.runUntil(() -> chain.node(0).height() >= 2 && chain.node(3).height() >= 2, 10_000, "block 2");
        List<String> log = new ArrayList<>();
        for (Envelope e : chain.sent) {
            log.add(e.from().substring(0, 8) + ">" + e.to().substring(0, 8) + ":" + Bytes.toHex(e.payload()));
        }
        return log;
    }
}
