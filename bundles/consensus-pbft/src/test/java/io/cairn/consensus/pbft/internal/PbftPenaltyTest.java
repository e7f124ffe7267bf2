package io.cairn.consensus.pbft.internal;

import static io.cairn.api.testing.LegacyTransfers.legacy;
import io.cairn.api.testing.LegacyTransfers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.Transaction;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.testing.TestReputation;
import io.cairn.consensus.pbft.internal.Fakes.Key;
import io.cairn.consensus.pbft.internal.TestChain.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who is reported to the peer reputation, and who is not: forged, foreign and byzantine messages, against the races
 * of honest nodes. On the deterministic harness.
 */
class PbftPenaltyTest {

    private static TestChain chain(int blockTxs, long intervalMs, long viewTimeoutMs, int... scripted) {
        return new TestChain(4, TestChain.settings(blockTxs, intervalMs, viewTimeoutMs)).start(scripted);
    }

    @Test
    void aLeaderSendingTwoProposalsGetsAtMostOneCommitted() {
        TestChain chain = chain(10, 20, 400, 1); // node 1, leader of (1, 0), is byzantine and scripted here
        Node byz = chain.node(1);
        List<VerifiedTransaction> txs = chain.submitToAll(2);
        BlockHeader genesis = chain.node(0).header(0);
        ExecutedBlock a = chain.block(byz, genesis, 5000, txs);
        ExecutedBlock b = chain.block(byz, genesis, 6000, txs.subList(0, 1));
        Hash ha = chain.hash(a);
        Hash hb = chain.hash(b);
        assertNotEquals(ha, hb);
        PbftMessage ppa = chain.signed(byz.key, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a));
        PbftMessage ppb = chain.signed(byz.key, MessageKind.PRE_PREPARE, 1, 0, hb, TestChain.proposal(b));
        PbftMessage pa = chain.signed(byz.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]);
        PbftMessage pb = chain.signed(byz.key, MessageKind.PREPARE, 1, 0, hb, new byte[0]);
        Node n0 = chain.node(0);
        Node n2 = chain.node(2);
        Node n3 = chain.node(3);
        chain.send(byz.key, n0, ppa);
        chain.send(byz.key, n2, ppa);
        chain.send(byz.key, n3, ppb);
        chain.send(byz.key, n0, pa);
        chain.send(byz.key, n2, pa);
        chain.send(byz.key, n3, pb);
        chain.send(byz.key, n0, ppb); // the second proposal reaches node 0 too
        chain.send(byz.key, n0, pb);
        List<Node> honest = List.of(n0, n2, n3);
        chain.runUntil(() -> honest.stream().allMatch(n -> n.height() >= 1), 30_000, "block 1 on the honest nodes");
        Checks.sameChain(honest, 1);
        Hash committed = n0.hash(1);
        assertTrue(committed.equals(ha) || committed.equals(hb));
        for (Node n : honest) {
            Checks.isFinal(chain, n, 1);
        }
        assertTrue(n0.bft().equivocationsSeen() >= 1, "node 0 saw two proposals for (1, 0)");
        assertEquals(n0.bft().equivocationsSeen(), n0.metrics.count("consensus_equivocations"));
        List<String> reasons = n0.reputation.reasons(byz.key.hex);
        assertEquals(1, reasons.size(), "node 0 reported the equivocating leader once: " + reasons);
        assertTrue(reasons.get(0).contains("equivocation"), reasons.get(0));
        assertEquals(List.of(Admission.REPORTER), n0.reputation.reports.stream().map(TestReputation.Report::reporter).toList());
        Checks.noPenalties(List.of(n2, n3));
        assertEquals(0, chain.prepares(n0, hb), "node 0 never prepared the second proposal");
        // the chain goes on past the byzantine node
        chain.submitToAll(2);
        chain.runUntil(() -> honest.stream().allMatch(n -> n.height() >= 2), 30_000, "block 2");
        Checks.sameChain(honest, 2);
    }

    @Test
    void forgedUnsignedAndForeignMessagesAreIgnoredAndEachSenderIsPenalised() {
        TestChain chain = chain(10, 20, 60_000, 1);
        Node target = chain.node(0);
        Node leader = chain.node(1); // scripted: its key is a sealer's
        Key rogue = chain.key("rogue");
        Key rogue2 = chain.key("rogue-2");
        List<VerifiedTransaction> txs = chain.submitToAll(1);
        ExecutedBlock a = chain.block(leader, target.header(0), 5000, txs);
        Hash ha = chain.hash(a);
        PbftMessage real = chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a));
        // Each from a peer of its own: after its first bad message a peer is not listened to any more.
        record Bad(Key from, byte[] payload, String reason) {}
        List<Bad> bad = new ArrayList<>();
        int[] k = {0};
        java.util.function.Supplier<Key> fresh = () -> chain.key("peer-" + k[0]++);
        // claims the leader's key, signed by the rogue
        PbftMessage byRogue = chain.signed(rogue, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a));
        bad.add(new Bad(rogue2, new PbftMessage(real.kind(), real.chainId(), 1, 0, ha, leader.key.publicKey(), real.body(),
                byRogue.signature()).encode(), "not by the peer that sent it"));
        // unsigned (zero signature)
        bad.add(new Bad(fresh.get(), new PbftMessage(real.kind(), real.chainId(), 1, 0, ha, leader.key.publicKey(), real.body(),
                new byte[64]).encode(), "not by the peer that sent it"));
        // correctly signed by a key that is not a sealer, sent by its holder
        bad.add(new Bad(rogue, byRogue.encode(), "the sender is not a sealer"));
        Key voter = fresh.get();
        bad.add(new Bad(voter, chain.signed(voter, MessageKind.PREPARE, 1, 0, ha, new byte[0]).encode(), "the sender is not a sealer"));
        // another chain
        bad.add(new Bad(fresh.get(), PbftMessage.sign(leader.key, MessageKind.PRE_PREPARE, TestChain.CHAIN + 1, 1, 0, ha,
                TestChain.proposal(a)).encode(), "is for chain 10"));
        // garbage and a truncated message
        bad.add(new Bad(fresh.get(), new byte[] {1, 2, 3}, "pbft message"));
        byte[] enc = real.encode();
        bad.add(new Bad(fresh.get(), Arrays.copyOf(enc, enc.length - 10), "pbft message"));
        // a replay of the target's own vote
        bad.add(new Bad(fresh.get(), chain.signed(target.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]).encode(),
                "not by the peer that sent it"));
        for (Bad b : bad) {
            chain.sendRaw(b.from(), target, b.payload());
        }
        chain.deliverAll();
        assertEquals(bad.size(), target.bft().messagesRejected(), "every bad message rejected");
        assertEquals(0, chain.prepares(target, ha), "nothing forged made node 0 vote");
        assertEquals(0, target.height());
        assertEquals(bad.size(), target.bft().peersPenalised(), target.status().toString());
        assertEquals(bad.size(), target.metrics.count("consensus_peers_penalised"));
        assertEquals(bad.size(), target.metrics.count("consensus_messages_rejected"));
        for (Bad b : bad) {
            List<String> reasons = target.reputation.reasons(b.from().hex);
            assertEquals(1, reasons.size(), "reported once for " + b.reason() + ": " + reasons);
            assertTrue(reasons.get(0).contains(b.reason()), reasons.get(0));
            assertTrue(target.reputation.isBanned(b.from().hex));
        }
        assertTrue(target.reputation.reports.stream().allMatch(r -> r.reporter().equals("pbft")));
        // the genuine proposal is still accepted: its sender signed it
        chain.send(leader.key, target, real);
        chain.deliverAll();
        assertTrue(chain.prepares(target, ha) > 0, "node 0 prepares the real proposal: " + target.status());
        assertEquals(bad.size(), target.bft().messagesRejected());
        assertEquals(List.of(), target.reputation.reasons(leader.key.hex));
    }

    /** The leader proposes block 1 (one transaction) to the target and prepares it; the target prepares too. */
    private static Hash proposedAndPrepared(TestChain chain, Node leader, Node target) {
        List<VerifiedTransaction> txs = chain.submitToAll(1);
        ExecutedBlock a = chain.block(leader, target.header(0), 5000, txs);
        Hash ha = chain.hash(a);
        chain.send(leader.key, target, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a)));
        chain.send(leader.key, target, chain.signed(leader.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]));
        chain.deliverAll();
        assertTrue(chain.prepares(target, ha) > 0, "node 0 prepares");
        return ha;
    }

    @Test
    void aVoteSignedByOneSealerButSentByAnotherIsRejectedAndItsSenderPenalised() {
        TestChain chain = chain(10, 20, 60_000, 1, 2, 3); // only node 0 runs an engine
        Node target = chain.node(0);
        Node leader = chain.node(1);
        Node n2 = chain.node(2);
        Node n3 = chain.node(3);
        Hash ha = proposedAndPrepared(chain, leader, target);
        // node 3 passes on node 2's genuine PREPARE: a quorum (node 0, 1, 2) if it counted
        chain.send(n3.key, target, chain.signed(n2.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]));
        chain.deliverAll();
        assertEquals(1, target.bft().peersPenalised(), "node 3 penalised");
        assertEquals(0, chain.sentBy(target, MessageKind.COMMIT), "a vote passed on by another peer does not count");
        List<String> reasons = target.reputation.reasons(n3.key.hex);
        assertEquals(1, reasons.size());
        assertTrue(reasons.get(0).contains("PREPARE(h=1, v=0") && reasons.get(0).contains("is signed by " + n2.key.hex
                + ", not by the peer that sent it"), reasons.get(0));
        assertTrue(target.reputation.isBanned(n3.key.hex));
        assertTrue(target.engine.health().detail().contains("1 peer(s) penalised"), target.engine.health().detail());
        // node 3's own vote is ignored while it is banned
        long ignoredBefore = target.bft().messagesIgnored();
        chain.send(n3.key, target, chain.signed(n3.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]));
        chain.deliverAll();
        assertEquals(ignoredBefore + 1, target.bft().messagesIgnored(), "node 3's vote ignored");
        assertEquals(0, chain.sentBy(target, MessageKind.COMMIT));
        // node 2's own vote, from node 2, counts
        chain.send(n2.key, target, chain.signed(n2.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]));
        chain.deliverAll();
        assertTrue(chain.sentBy(target, MessageKind.COMMIT) > 0, "node 0 commits on node 2's own prepare");
        assertEquals(List.of(), target.reputation.reasons(n2.key.hex));
        assertEquals(List.of(), target.reputation.reasons(leader.key.hex));
        assertEquals(1, target.bft().peersPenalised());
    }

    @Test
    void aBadSignatureOrGarbageFromASealerPenalisesItForTheBanOnly() {
        TestChain chain = new TestChain(4, TestChain.settings(10, 20, 60_000));
        chain.banMs = 2_000;
        chain.start(1, 2, 3);
        Node target = chain.node(0);
        Node leader = chain.node(1);
        Node n2 = chain.node(2);
        Node n3 = chain.node(3);
        Hash ha = proposedAndPrepared(chain, leader, target);
        PbftMessage good2 = chain.signed(n2.key, MessageKind.PREPARE, 1, 0, ha, new byte[0]);
        byte[] flipped = good2.signature().clone();
        flipped[5] ^= 1;
        chain.send(n2.key, target, new PbftMessage(good2.kind(), good2.chainId(), 1, 0, ha, n2.key.publicKey(), new byte[0], flipped));
        chain.sendRaw(n3.key, target, new byte[] {1, 3, 0, 0});
        chain.deliverAll();
        assertEquals(2, target.bft().peersPenalised(), "nodes 2 and 3 penalised");
        assertTrue(target.reputation.reasons(n2.key.hex).get(0).contains("the signature does not verify"),
                target.reputation.reasons(n2.key.hex).toString());
        assertTrue(target.reputation.reasons(n3.key.hex).get(0).contains("pbft message"),
                target.reputation.reasons(n3.key.hex).toString());
        // while banned, node 2's genuine vote is ignored
        long ignoredBefore = target.bft().messagesIgnored();
        chain.send(n2.key, target, good2);
        chain.deliverAll();
        assertEquals(ignoredBefore + 1, target.bft().messagesIgnored(), "node 2's vote ignored");
        assertEquals(0, chain.sentBy(target, MessageKind.COMMIT));
        // once the ban ends it is heard again
        chain.runFor(2_000);
        assertTrue(target.reputation.bans().isEmpty(), "the bans end");
        chain.send(n2.key, target, good2);
        chain.deliverAll();
        assertTrue(chain.sentBy(target, MessageKind.COMMIT) > 0, "node 0 commits on node 2's prepare after its ban");
        assertEquals(1, target.reputation.reasons(n2.key.hex).size(), "one report per offence");
        assertEquals(2, target.bft().peersPenalised());
    }

    @Test
    void honestLateEarlyAndUncheckableMessagesPenaliseNobody() {
        TestChain chain = chain(10, 20, 500, 3); // node 3 is scripted: it sends what a lagging or hurried sealer might
        List<Node> live = List.of(chain.node(0), chain.node(1), chain.node(2));
        Node n3 = chain.node(3);
        chain.submitToAll(2);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 1), 1_000, "block 1");
        chain.submitToAll(2);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 2 && n.status().height() == 3), 1_000,
                "block 2, engines at height 3");
        Hash h1 = chain.node(0).hash(1);
        BlockHeader b1 = chain.node(0).header(1);
        // node 3 leads (3, 0) but builds on block 1 (it has not seen block 2): a proposal nobody can accept
        ExecutedBlock stale = chain.block(n3, b1, 9000, List.of());
        Hash hs = chain.hash(stale);
        Key observer = chain.key("observer");
        List<PbftMessage> honest = List.of(
                chain.signed(n3.key, MessageKind.PREPARE, 1, 0, h1, new byte[0]),                    // an old height
                chain.signed(n3.key, MessageKind.COMMIT, 1, 0, h1, n3.key.sign(h1.toByteArray())),   // an old commit
                chain.signed(n3.key, MessageKind.PREPARE, 50, 0, h1, new byte[0]),                   // far ahead
                chain.signed(n3.key, MessageKind.PREPARE, 3, 6, h1, new byte[0]),                    // a later view
                chain.signed(n3.key, MessageKind.VIEW_CHANGE, 3, 2, Hash.ZERO, PreparedCert.encode(null)),
                chain.signed(n3.key, MessageKind.FETCH, 2, 0, Hash.ZERO, new byte[0]),
                chain.signed(n3.key, MessageKind.PRE_PREPARE, 3, 0, hs, TestChain.proposal(stale)));
        for (Node n : live) {
            for (PbftMessage m : honest) {
                chain.send(n3.key, n, m);
            }
            chain.send(observer, n, chain.signed(observer, MessageKind.FETCH, 1, 0, Hash.ZERO, new byte[0]));
        }
        chain.deliverAll();
        for (Node n : live) {
            assertTrue(n.bft().messagesRejected() >= 2, "the stale proposal and the observer's fetch refused by " + n.key.hex);
        }
        // the chain goes on without node 3 (a view change, whose NEW-VIEW sealers pass on to laggards)
        chain.submitToAll(2);
        chain.runUntil(() -> live.stream().allMatch(n -> n.height() >= 3), 30_000, "block 3 after a view change");
        Checks.sameChain(live, 3);
        Checks.noPenalties(chain.nodes);
        assertEquals(0, chain.count(e -> e.to().equals(observer.hex) && e.is(MessageKind.DECIDED)), "a fetch by a non-sealer is not answered");
    }

    @Test
    void aNewViewPassedOnByASealerIsAcceptedButNotByAnyoneElse() {
        TestChain chain = chain(10, 20, 60_000, 1, 2, 3);
        Node target = chain.node(0);
        chain.deliverAll();
        Encoder body = new Encoder().u32(3);
        for (int i = 1; i <= 3; i++) {
            body.bytes(chain.signed(chain.node(i).key, MessageKind.VIEW_CHANGE, 1, 1, Hash.ZERO, PreparedCert.encode(null)).encode());
        }
        // the leader of (1, 1) is node 2; node 3 shows node 0 the NEW-VIEW, as a sealer does for a peer behind in views
        PbftMessage newView = chain.signed(chain.node(2).key, MessageKind.NEW_VIEW, 1, 1, Hash.ZERO, body.toByteArray());
        chain.send(chain.node(3).key, target, newView);
        chain.deliverAll();
        assertEquals(1, target.bft().view(), "node 0 enters view 1");
        Checks.noPenalties(List.of(target));
        // a peer that is no sealer passing it on is another matter
        Key rogue = chain.key("rogue");
        chain.send(rogue, target, newView);
        chain.deliverAll();
        assertEquals(1, target.bft().peersPenalised(), "the rogue penalised");
        assertTrue(target.reputation.reasons(rogue.hex).get(0).contains("not by the peer that sent it"));
    }

    @Test
    void aProposalOfTransactionsNotYetGossipedIsVerifiedAndOneBadSignatureRefusesIt() {
        TestChain chain = chain(500, 20, 60_000, 1);
        Node n0 = chain.node(0);
        Node leader = chain.node(1);
        List<VerifiedTransaction> good = chain.txs(200); // in no pool: the proposal outran gossip
        List<VerifiedTransaction> bad = new ArrayList<>(good);
        VerifiedTransaction t = good.get(150);
        Transaction tt = legacy(t);
        Transaction forged = new Transaction(tt.chainId(), tt.nonce(), tt.to(), tt.value(), tt.data(),
                tt.publicKey(), legacy(good.get(149)).signature());
        bad.set(150, LegacyTransfers.verified(forged, t.hash(), t.sender()));
        BlockHeader genesis = n0.header(0);
        ExecutedBlock b = chain.block(leader, genesis, 5000, bad);
        Hash hb = chain.hash(b);
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, hb, TestChain.proposal(b)));
        chain.deliverAll();
        assertEquals(1, n0.bft().messagesRejected(), "the proposal with a forged signature refused");
        assertTrue(n0.bft().lastRejection().contains("the signature does not verify"), n0.bft().lastRejection());
        assertEquals(0, chain.prepares(n0, hb));
        Checks.noPenalties(List.of(n0)); // a proposal that does not check is refused, its leader not reported
        ExecutedBlock a = chain.block(leader, genesis, 5000, good);
        Hash ha = chain.hash(a);
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a)));
        chain.deliverAll();
        assertTrue(chain.prepares(n0, ha) > 0, "node 0 prepares the proposal of 200 verified transactions");
        assertTrue(n0.threads.mostParts.get() > 1, "signatures checked in parts on the node's compute threads");
    }

    @Test
    void aPooledTransactionIsTakenAsVerifiedOnlyWhenTheProposalCarriesTheSameBytes() {
        TestChain chain = chain(10, 20, 60_000, 1);
        Node n0 = chain.node(0);
        Node leader = chain.node(1);
        List<VerifiedTransaction> txs = chain.submitToAll(2); // node 0's pool verified both
        VerifiedTransaction t = txs.get(1);
        // the same signed payload (the same hash) with another signature: not the transaction the pool verified
        Transaction tt = legacy(t);
        Transaction swapped = new Transaction(tt.chainId(), tt.nonce(), tt.to(), tt.value(), tt.data(),
                tt.publicKey(), legacy(txs.get(0)).signature());
        List<VerifiedTransaction> carried = List.of(txs.get(0), LegacyTransfers.verified(swapped, t.hash(), t.sender()));
        BlockHeader genesis = n0.header(0);
        ExecutedBlock b = chain.block(leader, genesis, 5000, carried);
        Hash hb = chain.hash(b);
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, hb, TestChain.proposal(b)));
        chain.deliverAll();
        assertEquals(0, chain.prepares(n0, hb), "a pooled copy under the same hash is not taken for other bytes");
        assertTrue(n0.bft().lastRejection().contains("transaction 1 of block 1") && n0.bft().lastRejection()
                .contains("the signature does not verify"), n0.bft().lastRejection());
        ExecutedBlock a = chain.block(leader, genesis, 5000, txs);
        Hash ha = chain.hash(a);
        chain.send(leader.key, n0, chain.signed(leader.key, MessageKind.PRE_PREPARE, 1, 0, ha, TestChain.proposal(a)));
        chain.deliverAll();
        assertTrue(chain.prepares(n0, ha) > 0, "the very bytes the pool holds are taken");
    }
}
