package io.cairn.consensus.pbft.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.VerifiedTransaction;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.consensus.pbft.internal.TestChain.Envelope;
import io.cairn.consensus.pbft.internal.TestChain.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Catching up (FETCH / DECIDED), early messages, and a head moved by someone else, on the deterministic harness. */
class PbftCatchUpTest {

    private static TestChain chain(int blockTxs, long intervalMs, long viewTimeoutMs, int... scripted) {
        return new TestChain(4, TestChain.settings(blockTxs, intervalMs, viewTimeoutMs)).start(scripted);
    }

    @Test
    void aBlockFetchedAgainIsAnsweredWithTheMessageSignedTheFirstTime() {
        TestChain chain = chain(3, 20, 60_000, 3); // node 3 is scripted: a sealer that lags and asks for block 1
        Node n0 = chain.node(0);
        Node lagging = chain.node(3);
        chain.submitToAll(3);
        chain.deliverAll();
        assertEquals(1, n0.height(), "block 1 committed on node 0");
        chain.runFor(200); // past the pacing of the answers to late votes
        java.util.function.LongSupplier answers = () -> chain.count(e -> e.from().equals(n0.key.hex)
                && e.to().equals(lagging.key.hex) && e.is(MessageKind.DECIDED));
        long before = answers.getAsLong();
        PbftMessage fetch = chain.signed(lagging.key, MessageKind.FETCH, 1, 0, Hash.ZERO, new byte[0]);
        chain.send(lagging.key, n0, fetch);
        chain.deliverAll();
        assertEquals(before + 1, answers.getAsLong(), "block 1 sent to the lagging node");
        int signed = n0.key.signatures.get();
        chain.send(lagging.key, n0, fetch);
        chain.deliverAll();
        assertEquals(before + 1, answers.getAsLong(), "answers to one peer are paced");
        chain.runFor(CatchUp.EVERY_NANOS / 1_000_000);
        chain.send(lagging.key, n0, fetch);
        chain.deliverAll();
        assertEquals(before + 2, answers.getAsLong(), "asked again later, answered again");
        assertEquals(signed, n0.key.signatures.get(), "the second answer was not signed (nor hashed) again");
        List<PbftMessage> sent = chain.sent.stream().filter(e -> e.from().equals(n0.key.hex) && e.is(MessageKind.DECIDED))
                .map(Envelope::message).toList();
        assertArrayEquals(sent.get(sent.size() - 2).encode(), sent.get(sent.size() - 1).encode());
        assertEquals(n0.hash(1), sent.get(0).blockHash());
        Block decided = Block.decode(sent.get(0).body());
        assertArrayEquals(n0.store.block(1).orElseThrow().encode(), decided.encode(), "the block as committed, seals included");
    }

    @Test
    void aNodeThatMissedABlockFetchesItAndThenVotesWithWhatCameEarly() {
        TestChain chain = chain(3, 20, 60_000);
        Node n3 = chain.node(3);
        // node 3 hears nothing of height 1
        chain.lose = e -> e.to().equals(n3.key.hex) && e.message() != null && e.message().height() == 1
                && e.message().kind() != MessageKind.DECIDED;
        chain.submitToAll(3);
        chain.deliverAll();
        List<Node> quorum = List.of(chain.node(0), chain.node(1), chain.node(2));
        assertTrue(quorum.stream().allMatch(n -> n.height() == 1), "three of four decide block 1");
        assertEquals(0, n3.height());
        chain.lose = e -> false;
        chain.submitToAll(3); // height 2: node 3 hears it, buffers it, asks for block 1, then takes part
        chain.deliverAll();
        assertTrue(chain.sentBy(n3, MessageKind.FETCH) > 0, "node 3 asked for block 1");
        assertTrue(chain.count(e -> e.to().equals(n3.key.hex) && e.is(MessageKind.DECIDED)) > 0, "and got it");
        assertEquals(2, n3.height(), "node 3 committed block 1 from the answer, then block 2");
        Checks.sameChain(chain.nodes, 2);
        Checks.isFinal(chain, n3, 1);
        Hash block2 = chain.node(0).hash(2);
        assertTrue(chain.prepares(n3, block2) > 0, "node 3 voted at height 2 with the proposal it had buffered");
        Checks.noPenalties(chain.nodes);
    }

    @Test
    void aBlockSyncCommittedFirstMovesTheEngineOnWithoutAFailure() {
        TestChain chain = chain(3, 20, 60_000);
        Node n3 = chain.node(3);
        chain.hold = e -> e.to().equals(n3.key.hex);
        List<VerifiedTransaction> txs = chain.submitToAll(3);
        chain.deliverAll();
        Node n0 = chain.node(0);
        assertEquals(1, n0.height());
        // sync brings node 3 block 1 just as its engine is about to commit it
        ExecutedBlock synced = chain.block(chain.node(1), n3.header(0), n0.header(1).timestamp(), txs);
        assertEquals(n0.hash(1), chain.hash(synced));
        n3.store.race = () -> n3.store.commit(synced, n0.store.block(1).orElseThrow().seals());
        chain.hold = e -> false;
        chain.release();
        chain.deliverAll();
        assertNull(n3.store.race, "the engine tried to commit, and sync was first");
        assertEquals(1, n3.height());
        Checks.sameChain(chain.nodes, 1);
        assertEquals(0, n3.status().failures(), "a head moved by another engine is no failure");
        assertEquals(0, n3.status().blocksCommitted());
        assertEquals(2, n3.status().height(), "the engine moved on to height 2");
        chain.submitToAll(3);
        chain.deliverAll();
        assertTrue(chain.nodes.stream().allMatch(n -> n.height() == 2), "and takes part in it");
        // sync commits block 3 while the engine is idle: told the head moved, it moves on at once
        chain.hold = e -> e.to().equals(n3.key.hex);
        List<VerifiedTransaction> more = chain.submitToAll(3);
        chain.deliverAll();
        ExecutedBlock three = chain.block(chain.node(3), n3.header(2), n0.header(3).timestamp(), more);
        n3.store.commit(three, n0.store.block(3).orElseThrow().seals());
        assertEquals(3, n3.status().height());
        n3.engine.onHeadMoved();
        assertEquals(4, n3.status().height(), "at height 4 without a tick");
        chain.hold = e -> false;
        chain.release();
        chain.deliverAll();
        Checks.sameChain(chain.nodes, 3);
        assertEquals(0, n3.status().failures());
    }

    @Test
    void aDecidedBlockThatIsNotFinalOrNotTheNamedOnePenalisesItsSender() {
        TestChain chain = chain(3, 20, 60_000, 3);
        chain.submitToAll(3);
        chain.deliverAll();
        Node n0 = chain.node(0);
        Block one = n0.store.block(1).orElseThrow();
        Node target = chain.observer("late");
        chain.deliverAll();
        assertEquals(0, target.height());
        // a sealer answers with block 1 carrying two seals of three
        Node n3 = chain.node(3);
        Block thin = new Block(one.header(), one.transactions(), one.seals().subList(0, 2));
        chain.send(n3.key, target, chain.signed(n3.key, MessageKind.DECIDED, 1, 0, n0.hash(1), thin.encode()));
        chain.deliverAll();
        assertTrue(target.reputation.reasons(n3.key.hex).get(0).contains("the block lacks a quorum of valid seals"),
                target.reputation.reasons(n3.key.hex).toString());
        // another sealer names block 1 but sends another block
        Node n2 = chain.node(2);
        Block other = new Block(n0.header(0), List.of(), one.seals());
        chain.send(n2.key, target, chain.signed(n2.key, MessageKind.DECIDED, 1, 0, n0.hash(1), other.encode()));
        chain.deliverAll();
        assertTrue(target.reputation.reasons(n2.key.hex).get(0).contains("the block is not " + n0.hash(1)));
        assertEquals(0, target.height());
        // the genuine answer is committed
        Node n1 = chain.node(1);
        chain.send(n1.key, target, chain.signed(n1.key, MessageKind.DECIDED, 1, 0, n0.hash(1), one.encode()));
        chain.deliverAll();
        assertEquals(1, target.height());
        assertEquals(n0.hash(1), target.hash(1));
        assertEquals(List.of(), target.reputation.reasons(n1.key.hex));
    }

    @Test
    void aSealerThatCannotWriteItsVoteDoesNotVoteUntilItCan() {
        TestChain chain = chain(10, 20, 60_000, 2, 3);
        Node n0 = chain.node(0);
        Node leader = chain.node(1);
        chain.deliverAll(); // both engines at height 1
        n0.records.available = false; // its storage engine is being swapped
        chain.submitToAll(2);
        chain.runUntil(() -> chain.count(e -> e.to().equals(n0.key.hex) && e.is(MessageKind.PRE_PREPARE)) > 0, 1_000, "the proposal");
        chain.runFor(100);
        assertEquals(0, chain.sentBy(n0, MessageKind.PREPARE), "no vote that could not be written first");
        assertEquals(0, n0.records.writes.get(), "nothing written");
        n0.records.available = true;
        chain.runFor(TestChain.STEP_MS);
        assertTrue(chain.sentBy(n0, MessageKind.PREPARE) > 0, "the vote goes out once it is written");
        assertNotNull(n0.records.get(VoteLog.OWNER, VoteLog.VOTES));
        assertEquals(0, n0.status().failures());
        assertEquals(0, leader.status().failures());
    }

    @Test
    void earlyMessagesAreKeptUpToABoundPerSender() {
        TestChain chain = chain(10, 20, 60_000, 1, 2, 3);
        Node n0 = chain.node(0);
        chain.deliverAll();
        Node n3 = chain.node(3);
        int sent = FutureMessages.PER_SENDER + 88;
        for (int i = 0; i < sent; i++) {
            chain.send(n3.key, n0, chain.signed(n3.key, MessageKind.PREPARE, 5, i, Hash.ZERO, new byte[0]));
        }
        chain.deliverAll();
        assertEquals(88, n0.bft().messagesDropped(), "the oldest beyond " + FutureMessages.PER_SENDER + " are dropped");
        assertEquals(1, chain.sentBy(n0, MessageKind.FETCH), "node 0 asked node 3 for the block it lacks, once");
        Checks.noPenalties(List.of(n0));
    }
}
