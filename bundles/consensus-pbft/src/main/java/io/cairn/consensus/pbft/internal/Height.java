package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.Block;
import io.cairn.api.chain.Hash;
import io.cairn.api.node.ExecutedBlock;
import io.cairn.api.node.HeadMovedException;
import io.cairn.api.node.NotReadyException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * One height of the chain, from the head moving to it until its block commits (Besu's QbftBlockHeightManager):
 * the leader of (height, view), {@code sealers[(height + view) mod n]}, proposes a block (PRE-PREPARE); every
 * sealer re-executes it and votes PREPARE; on a quorum (2f + 1) of prepares it votes COMMIT, whose body is its
 * seal; on a quorum of commits the block is committed with those seals. When no block commits within the view
 * timeout, sealers move to the next view ({@link ViewChange}). Every vote is written to the {@link VoteLog} before
 * it leaves; a sealer that cannot write it does not vote (and tries again on the next tick). Observers follow
 * proposals and commits but never vote.
 */
final class Height {
    private static final System.Logger LOG = System.getLogger(Height.class.getName());

    final long number;
    private final PbftEngine engine;
    private final TreeMap<Long, Round> rounds = new TreeMap<>();
    private final ViewChange views;
    /** The head moved on: a caller further up the stack must not vote or commit here any more. */
    private boolean finished;

    Height(PbftEngine engine, long number) {
        this.engine = engine;
        this.number = number;
        this.views = new ViewChange(engine, this);
    }

    long view() {
        return views.view();
    }

    /**
     * {@code sender} showed it is {@code heights} heights back (a vote or a request for a block there): when it leads
     * this height's view it cannot propose before it catches up, so this node does not wait for it longer than the
     * configured view timeout, or about a block time when it is several heights back, unless it proposes meanwhile (a
     * node that fell behind under load would otherwise hold every block it leads for the timeout stretched to several
     * block times).
     */
    void senderBehind(Step s, String sender, long heights) {
        if (sender.equals(s.leader(number, views.view())) && !sender.equals(s.me())) {
            engine.timer.leaderBehind(now(), heights);
        }
    }

    /**
     * As the view's timer starts: a leader whose last message named a height two or more back is behind already (a
     * node that fell behind and catches up by sync sends no vote of this height for the others to see).
     */
    private void leaderLastSeen(Step s) {
        String leader = s.leader(number, views.view());
        long seen = engine.heightSeen(leader);
        if (seen >= 0 && number - seen >= 2) {
            senderBehind(s, leader, number - seen);
        }
    }

    boolean viewChanging() {
        return views.changing();
    }

    void finish() {
        finished = true;
    }

    boolean finished() {
        return finished;
    }

    /** Resumes where this node's vote log left the height (restarted or swapped in mid-height). */
    void resume(Step s) {
        views.resume(s, engine.votes);
    }

    private boolean ahead(long v) {
        return views.ahead(v);
    }

    private boolean mayVote(Step s, long v) {
        return s.sealer() && views.settledIn(v) && !finished;
    }

    private Round round(long v) {
        return rounds.computeIfAbsent(v, Round::new);
    }

    private long now() {
        return engine.clock.nanoTime();
    }

    /** A verified message of this height from a sealer (or this node's own). */
    void on(Step s, String peerId, PbftMessage m) {
        switch (m.kind()) {
            case PRE_PREPARE -> onPrePrepare(s, peerId, m);
            case PREPARE -> onPrepare(s, peerId, m);
            case COMMIT -> onCommit(s, peerId, m);
            case VIEW_CHANGE -> views.onViewChange(s, peerId, m);
            case NEW_VIEW -> views.onNewView(s, peerId, m);
            default -> engine.admission.reject(peerId, "unexpected " + m);
        }
    }

    // ---- PRE-PREPARE, PREPARE, COMMIT

    private void onPrePrepare(Step s, String peerId, PbftMessage m) {
        long view = views.view();
        PreparedCert required = views.required();
        if (ahead(m.view())) {
            engine.buffer(peerId, m);
            return;
        }
        if (m.view() < view) {
            return;
        }
        if (!m.senderHex().equals(s.leader(number, view))) {
            engine.admission.penalise(s, peerId, m + ": the sender is not the leader of this view");
            return;
        }
        Round r = round(view);
        if (r.proposalHash != null) {
            if (!r.proposalHash.equals(m.blockHash())) {
                equivocation(s, peerId, m, "two proposals " + r.proposalHash + " and " + m.blockHash());
            }
            return;
        }
        if (!engine.gate.enter()) {
            engine.gate.await(peerId, m);
            return;
        }
        ExecutedBlock executed;
        try {
            if (required != null && !required.hash().equals(m.blockHash())) {
                throw new IllegalArgumentException("this view must re-propose the prepared block " + required.hash());
            }
            executed = engine.check.proposal(s, number, m.blockHash(), m.body(), required == null ? m.senderHex() : null);
        } catch (IllegalArgumentException | IllegalStateException e) {
            engine.admission.reject(peerId, m + ": " + e.getMessage()); // it may not run here; not the leader's fault
            engine.gate.exitUnlessHolding(rounds.get(view));
            return;
        }
        r.propose(m.blockHash(), m.body(), executed);
        engine.timer.leaderProposed();
        engine.timer.arm(now());
        vote(s, r);
        checkCommitted(s, r);
    }

    private void onPrepare(Step s, String peerId, PbftMessage m) {
        if (ahead(m.view())) {
            engine.buffer(peerId, m);
            return;
        }
        Round r = round(m.view());
        if (counted(s, peerId, m, r.prepare(m.senderHex(), new Round.Vote(m.blockHash(), m.sender(), m.signature())))) {
            engine.timer.arm(now());
            vote(s, r);
        }
    }

    private void onCommit(Step s, String peerId, PbftMessage m) {
        if (ahead(m.view())) {
            engine.buffer(peerId, m);
            return;
        }
        Round r = round(m.view());
        Round.Vote had = r.commitOf(m.senderHex());
        if (had != null && had.hash().equals(m.blockHash()) && Arrays.equals(had.signature(), m.body())) {
            return; // a re-sent vote: counted once, its seal already checked
        }
        if (m.body().length != 64 || !s.suite().verify(m.blockHash().toByteArray(), m.body(), m.sender())) {
            engine.admission.penalise(s, peerId, m + ": the seal does not verify");
            return;
        }
        if (counted(s, peerId, m, r.commit(m.senderHex(), new Round.Vote(m.blockHash(), m.sender(), m.body())))) {
            engine.timer.arm(now());
            checkCommitted(s, r);
        }
    }

    /** Whether a vote was counted: not when the sender had voted already (an equivocation if otherwise). */
    private boolean counted(Step s, String peerId, PbftMessage m, Round.Vote had) {
        if (had == null) {
            return true;
        }
        if (!had.hash().equals(m.blockHash())) {
            equivocation(s, peerId, m, "votes for " + had.hash() + " and " + m.blockHash());
        }
        return false;
    }

    void equivocation(Step s, String peerId, PbftMessage m, String what) {
        engine.counts.equivocations.inc();
        LOG.log(Level.WARNING, "pbft: equivocation by " + m.senderHex() + " at height " + m.height() + " view "
                + m.view() + " (" + m.kind() + "): " + what + "; only the first counts");
        if (m.senderHex().equals(peerId)) {
            // Its own two signed votes: the vote log keeps an honest node, even restarted or swapped, from this.
            engine.admission.penalise(s, peerId, "equivocation: " + m + ": " + what);
        }
    }

    /** Casts what this node owes in the round: PREPARE for its proposal, COMMIT once a quorum prepared it. */
    private void vote(Step s, Round r) {
        if (r.proposalHash == null || finished) {
            return;
        }
        if (mayVote(s, r.view) && !r.prepareSent && !r.prepareRefused) {
            votePrepare(s, r);
        }
        if (!r.prepared && r.preparedProof(s.quorum()) != null) {
            r.prepared = true;
        }
        if (r.prepared && mayVote(s, r.view) && !r.commitSent && !r.commitRefused) {
            voteCommit(s, r);
        }
    }

    private void votePrepare(Step s, Round r) {
        VoteLog.Ballot b = engine.votes.prepare(engine.records, number, r.view, r.proposalHash, r.proposalBlock);
        if (b == VoteLog.Ballot.REFUSED) {
            r.prepareRefused = true;
            LOG.log(Level.WARNING, "pbft: not preparing " + r.proposalHash + " at height " + number + " view " + r.view
                    + ": this node already voted for another block there");
        }
        if (written(b)) {
            r.prepareSent = true;
            engine.send(s, s.sign(MessageKind.PREPARE, number, r.view, r.proposalHash, new byte[0]));
        }
    }

    private void voteCommit(Step s, Round r) {
        PreparedCert proof = new PreparedCert(r.view, r.proposalHash, r.proposalBlock, r.preparedProof(s.quorum()));
        VoteLog.Ballot b = engine.votes.commit(engine.records, number, r.view, proof);
        r.commitRefused = b == VoteLog.Ballot.REFUSED;
        if (written(b)) {
            r.commitSent = true;
            byte[] seal = s.id().sign(r.proposalHash.toByteArray());
            engine.send(s, s.sign(MessageKind.COMMIT, number, r.view, r.proposalHash, seal));
        }
    }

    /** Whether the vote log holds the vote; without storage, the next tick tries again. */
    boolean written(VoteLog.Ballot b) {
        if (b == VoteLog.Ballot.NO_STORAGE) {
            engine.notReady();
        }
        return b == VoteLog.Ballot.WRITTEN;
    }

    private void checkCommitted(Step s, Round r) {
        if (r.executed == null || finished) {
            return; // the block is missing here; FETCH brings it once the others have moved on
        }
        List<byte[]> seals = r.seals(s.quorum());
        if (seals != null) {
            commit(s, r.executed, seals);
        }
    }

    private void commit(Step s, ExecutedBlock executed, List<byte[]> seals) {
        if (!engine.gate.enter()) {
            return; // the tick tries again once the gate reopens
        }
        try {
            s.store().commit(executed, seals);
        } catch (HeadMovedException e) {
            engine.gate.exit(); // another engine (sync) committed this height first
            engine.headMoved(s);
            return;
        } catch (NotReadyException e) {
            engine.gate.exit(); // the tick tries again
            return;
        }
        engine.committed(s, executed, views.view());
    }

    // ---- catching up: a DECIDED block for this height

    void onDecided(Step s, String peerId, PbftMessage m) {
        Block.Raw block = engine.catchUp.check(s, peerId, m);
        if (block == null || !engine.gate.enter()) {
            return;
        }
        ExecutedBlock executed = null;
        for (Round r : rounds.values()) {
            if (m.blockHash().equals(r.proposalHash) && r.executed != null) {
                executed = r.executed;
            }
        }
        try {
            if (executed == null) {
                executed = engine.check.execute(s, number, block.header(), block.transactions(), null);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            engine.admission.reject(peerId, m + ": " + e.getMessage()); // final, yet it does not run here
            engine.gate.exitUnlessHolding(current());
            return;
        }
        commit(s, executed, block.seals());
    }

    /** This node entered {@code view} by view change: what earlier views left is forgotten, what waited is heard. */
    void entered(Step s, long view) {
        rounds.headMap(view, false).values().removeIf(Round::idle);
        engine.own.forgetBefore(view);
        engine.replay(s);
    }

    // ---- the leader

    private void propose(Step s) {
        long view = views.view();
        PreparedCert required = views.required();
        Round r = round(view);
        if (r.proposalHash != null) {
            return;
        }
        VoteLog votes = engine.votes;
        // A prepared block, or the one this node proposed before a restart: the same block again, never another.
        byte[] repeat = required != null ? required.block()
                : votes.height == number && votes.prepareView == view ? votes.prepareBlock : null;
        Proposer.Built built = engine.proposer.build(s, number, repeat);
        if (built == null) {
            return;
        }
        Hash hash = built.hash();
        byte[] block = built.block();
        VoteLog.Ballot b = votes.prepare(engine.records, number, view, hash, block);
        if (b == VoteLog.Ballot.REFUSED) {
            LOG.log(Level.WARNING, "pbft: not proposing " + hash + " at height " + number + " view " + view
                    + ": this node already proposed another block there");
        }
        if (!written(b)) {
            engine.gate.exitUnlessHolding(r);
            return;
        }
        r.propose(hash, block, built.executed());
        r.prepareSent = true;
        engine.proposer.proposed();
        engine.timer.arm(now());
        engine.send(s, s.sign(MessageKind.PRE_PREPARE, number, view, hash, block));
        engine.send(s, s.sign(MessageKind.PREPARE, number, view, hash, new byte[0]));
    }

    // ---- time

    /** The round of the view in progress, or null. */
    Round current() {
        return rounds.get(views.view());
    }

    void tick(Step s) {
        for (Round r : new ArrayList<>(rounds.values())) {
            if (!finished && number == s.store().height() + 1) {
                checkCommitted(s, r); // a commit the gate (or a missing storage) held back
            }
        }
        if (finished) {
            return;
        }
        Round current = current();
        if (current != null) {
            vote(s, current); // votes a missing storage held back
        }
        long view = views.view();
        if (mayVote(s, view) && s.me().equals(s.leader(number, view))) {
            propose(s);
            if (finished) {
                return; // decided at once (a single sealer): the next height has its own timer
            }
        }
        long now = now();
        Round held = current();
        engine.own.resend(s.net(), s.spec().n() - 1, now, engine.timer.timeoutNanos() / 4,
                m -> m.kind() == MessageKind.PRE_PREPARE && m.view() == view && held != null && held.prepared);
        if (!engine.timer.armed() && s.sealer() && (engine.proposer.emptyBlocks() || viewChanging()
                || engine.proposer.hasRunnable(s.pool()))) {
            engine.timer.arm(now);
            leaderLastSeen(s);
        }
        if (engine.timer.expired(now)) {
            if (s.sealer()) {
                views.timedOut(s);
            } else {
                engine.timer.disarm();
            }
        }
    }
}
