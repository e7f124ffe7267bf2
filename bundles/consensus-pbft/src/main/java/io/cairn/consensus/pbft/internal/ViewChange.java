package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.BlockHeader;
import io.cairn.api.chain.Decoder;
import io.cairn.api.chain.Encoder;
import io.cairn.api.chain.Hash;
import io.cairn.api.chain.MalformedDataException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The views of one height (Besu's RoundChangeManager): which view this node is in, the VIEW-CHANGEs counted, and
 * the rules. When a view times out, a sealer asks for the next one (VIEW-CHANGE, carrying its highest prepared
 * certificate); f + 1 requests for later views make it join them; on a quorum for a view, its leader gathers them
 * into NEW-VIEW and must re-propose the highest prepared block among them, if any, so a block that may have
 * committed somewhere is never replaced. Every check of a VIEW-CHANGE or NEW-VIEW depends on the message alone: a
 * message that fails one proves its sender misbehaves. Requests are written to the vote log before they leave.
 */
final class ViewChange {
    private static final System.Logger LOG = System.getLogger(ViewChange.class.getName());
    /** The most views one sender's requests are kept for; a flood of requests cannot grow the table. */
    private static final int TARGETS_PER_SENDER = 4;

    private final PbftEngine engine;
    private final Height height;
    private final long number;
    /** Target view -> sender -> VIEW-CHANGE. */
    private final TreeMap<Long, Map<String, PbftMessage>> votes = new TreeMap<>();
    /** The NEW-VIEW by which this node entered its view, to show peers still asking for it. */
    private PbftMessage lastNewView;
    private long view;
    /** The view this node asked for and is waiting to enter, or -1. */
    private long changingTo = -1;
    /** Entered {@link #view} on a quorum of VIEW-CHANGEs; waiting for its leader's NEW-VIEW. */
    private boolean awaitingNewView;
    /** The prepared certificate this view's proposal must repeat (from NEW-VIEW), or null. */
    private PreparedCert required;

    ViewChange(PbftEngine engine, Height height) {
        this.engine = engine;
        this.height = height;
        this.number = height.number;
    }

    long view() {
        return view;
    }

    /** Whether this node asked for a view it has not entered yet, or waits for the NEW-VIEW of the one it is in. */
    boolean changing() {
        return changingTo >= 0 || awaitingNewView;
    }

    /** Whether this node is in view {@code v} and settled there: it may vote in it. */
    boolean settledIn(long v) {
        return v == view && !awaitingNewView && changingTo < 0;
    }

    /** Whether {@code v} is a view this node has not (fully) entered yet: its messages wait. */
    boolean ahead(long v) {
        return v > view || (v == view && awaitingNewView);
    }

    /** The block this view's proposal must repeat, or null. */
    PreparedCert required() {
        return required;
    }

    /** Resumes where the vote log left the height (restarted or swapped in mid-height): the view, and a request made. */
    void resume(Step s, VoteLog log) {
        if (log.height != number) {
            return;
        }
        view = Math.max(0, Math.max(log.prepareView, log.commitView));
        if (log.votedView > view) {
            engine.timer.resume((int) (log.votedView - view - 1));
            ask(s, log.votedView);
        }
    }

    /** The view timed out: asks for the next. */
    void timedOut(Step s) {
        ask(s, Math.max(view, changingTo) + 1);
    }

    private void ask(Step s, long target) {
        if (!s.sealer() || height.finished()) {
            return;
        }
        if (!height.written(engine.votes.viewChange(engine.records, number, target))) {
            return;
        }
        engine.gate.exit(); // the block in progress is abandoned; what the pool holds stays there
        changingTo = target;
        engine.timer.viewChangeAsked(engine.clock.nanoTime());
        PreparedCert cert = engine.votes.certAt(number);
        LOG.log(Level.INFO, "pbft: asking for view " + target + " at height " + number
                + (cert == null ? "" : " with block " + cert.hash() + " prepared in view " + cert.view()));
        engine.send(s, s.sign(MessageKind.VIEW_CHANGE, number, target, cert == null ? Hash.ZERO : cert.hash(),
                PreparedCert.encode(cert)));
    }

    void onViewChange(Step s, String peerId, PbftMessage m) {
        if (m.view() < view || (m.view() == view && !awaitingNewView)) {
            // The sender is behind in views: show it how this view was entered.
            PbftMessage nv = lastNewView;
            if (s.sealer() && nv != null && nv.view() == view && !m.senderHex().equals(s.me()) && s.net() != null
                    && engine.catchUp.answerDue(peerId)) {
                s.net().send(peerId, PbftEngine.TOPIC, nv.encode());
            }
            return;
        }
        if (repeated(m)) {
            return; // a re-sent request: counted once, its certificate already checked
        }
        try {
            check(s, m);
        } catch (IllegalArgumentException e) {
            engine.admission.penalise(s, peerId, m + ": " + e.getMessage());
            return;
        }
        PbftMessage had = add(m);
        if (had != null) {
            if (!had.blockHash().equals(m.blockHash())) {
                height.equivocation(s, peerId, m, "view changes carrying " + had.blockHash() + " and " + m.blockHash());
            }
            return;
        }
        engine.timer.arm(engine.clock.nanoTime());
        if (s.sealer()) {
            long current = Math.max(view, changingTo);
            long join = joinTarget(s.me(), current, s.spec().f());
            if (join > current) {
                ask(s, join);
            }
        }
        checkQuorum(s, m.view());
    }

    private void checkQuorum(Step s, long target) {
        boolean leader = s.me().equals(s.leader(number, target));
        if (count(target) < s.quorum() || !ahead(target) || (target == view && awaitingNewView && !leader)) {
            return;
        }
        if (s.sealer() && leader) {
            VoteLog log = engine.votes;
            if (log.height == number && log.votedView > target) {
                return; // this node has moved past that view: leading it now would stall the others
            }
            engine.send(s, newView(s, number, target));
        } else if (target > view) {
            view = target;
            awaitingNewView = true;
            changingTo = -1;
            engine.timer.restart(engine.clock.nanoTime());
        }
    }

    void onNewView(Step s, String peerId, PbftMessage m) {
        if (!ahead(m.view())) {
            return;
        }
        if (!m.senderHex().equals(s.leader(number, m.view()))) {
            engine.admission.penalise(s, peerId, m + ": the sender is not the leader of view " + m.view());
            return;
        }
        PreparedCert cert;
        try {
            cert = checkNewView(s, number, m);
        } catch (IllegalArgumentException e) {
            engine.admission.penalise(s, peerId, m + ": " + e.getMessage());
            return;
        }
        VoteLog log = engine.votes;
        if (s.sealer() && log.height == number && log.votedView > m.view()) {
            return; // this node has moved past that view
        }
        engine.gate.exit(); // a block of an earlier view may still commit: commit() enters again
        view = m.view();
        awaitingNewView = false;
        changingTo = -1;
        required = cert;
        lastNewView = m;
        votes.headMap(view, true).clear();
        engine.counts.viewChanges.inc();
        engine.counts.rounds.inc();
        engine.timer.restart(engine.clock.nanoTime());
        LOG.log(Level.INFO, "pbft: entered view " + view + " at height " + number + ", leader " + s.leader(number, view)
                + (cert == null ? "" : ", re-proposing " + cert.hash()));
        height.entered(s, view);
    }

    /** Whether the sender's request for that view was counted already (a re-sent request). */
    private boolean repeated(PbftMessage m) {
        Map<String, PbftMessage> known = votes.get(m.view());
        PbftMessage seen = known == null ? null : known.get(m.senderHex());
        return seen != null && seen.blockHash().equals(m.blockHash());
    }

    /** Counts a checked VIEW-CHANGE; returns the sender's earlier one for that view if any (nothing is counted). */
    private PbftMessage add(PbftMessage m) {
        Map<String, PbftMessage> forView = votes.computeIfAbsent(m.view(), v -> new HashMap<>());
        PbftMessage had = forView.putIfAbsent(m.senderHex(), m);
        if (had == null) {
            trim(m.senderHex());
        }
        return had;
    }

    private void trim(String sender) {
        int seen = 0;
        for (Iterator<Map.Entry<Long, Map<String, PbftMessage>>> it = votes.descendingMap().entrySet().iterator(); it.hasNext();) {
            Map<String, PbftMessage> m = it.next().getValue();
            if (m.containsKey(sender) && ++seen > TARGETS_PER_SENDER) {
                m.remove(sender);
                if (m.isEmpty()) {
                    it.remove();
                }
            }
        }
    }

    private int count(long target) {
        Map<String, PbftMessage> vcs = votes.get(target);
        return vcs == null ? 0 : vcs.size();
    }

    /**
     * The view to join when f + 1 other sealers ask for views after {@code current}: at least one of them is
     * correct, so the lowest view among the f + 1 highest requests; -1 when there is none.
     */
    private long joinTarget(String me, long current, int f) {
        if (f <= 0) {
            return -1;
        }
        Map<String, Long> highest = new HashMap<>();
        for (Map.Entry<Long, Map<String, PbftMessage>> e : votes.tailMap(current, false).entrySet()) {
            for (String s : e.getValue().keySet()) {
                if (!s.equals(me)) {
                    highest.merge(s, e.getKey(), Math::max);
                }
            }
        }
        if (highest.size() < f + 1) {
            return -1;
        }
        return highest.values().stream().sorted(Comparator.reverseOrder()).skip(f).findFirst().orElseThrow();
    }

    /** The NEW-VIEW for {@code target} this node, its leader, sends: a quorum of requests and the block to repeat. */
    private PbftMessage newView(Step s, long height, long target) {
        List<PbftMessage> chosen = new ArrayList<>(votes.get(target).values());
        chosen.sort(Comparator.comparing(PbftMessage::senderHex));
        chosen = chosen.subList(0, s.quorum());
        PreparedCert cert = highest(s, chosen);
        Encoder e = new Encoder().u32(chosen.size());
        for (PbftMessage vc : chosen) {
            e.bytes(vc.encode());
        }
        return s.sign(MessageKind.NEW_VIEW, height, target, cert == null ? Hash.ZERO : cert.hash(), e.toByteArray());
    }

    /**
     * Checks a VIEW-CHANGE's certificate: returns it, or null when it carries none.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static PreparedCert check(Step s, PbftMessage m) {
        PreparedCert cert = PreparedCert.decode(m.body(), m.blockHash(), s.spec().n());
        if (cert == null) {
            if (!m.blockHash().equals(Hash.ZERO)) {
                throw new IllegalArgumentException("names block " + m.blockHash() + " without a certificate");
            }
            return null;
        }
        if (cert.view() >= m.view()) {
            throw new IllegalArgumentException("certificate of view " + cert.view() + " is not before view " + m.view());
        }
        Decoder d = new Decoder(cert.block(), "certified block");
        BlockHeader header = BlockHeader.decode(d.bytes(1 << 20, "header"));
        if (header.number() != m.height() || !s.hash(header).equals(m.blockHash())) {
            throw new IllegalArgumentException("the certified block is not block " + m.blockHash() + " at height " + m.height());
        }
        if (!cert.valid(s.suite(), s.spec(), m.height())) {
            throw new IllegalArgumentException("the prepared certificate lacks a quorum of valid prepares");
        }
        return cert;
    }

    /** The highest certificate among the requests: of the latest view, the lowest hash on a tie. */
    static PreparedCert highest(Step s, List<PbftMessage> vcs) {
        PreparedCert best = null;
        for (PbftMessage vc : vcs) {
            PreparedCert cert = check(s, vc);
            if (cert != null && (best == null || cert.view() > best.view()
                    || (cert.view() == best.view() && cert.hash().compareTo(best.hash()) < 0))) {
                best = cert;
            }
        }
        return best;
    }

    /**
     * Checks a NEW-VIEW at {@code height}: a quorum of valid, distinct requests for its view, naming the highest
     * prepared block among them. Returns that block's certificate, or null when it names none.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static PreparedCert checkNewView(Step s, long height, PbftMessage m) {
        Decoder d = new Decoder(m.body(), "new view");
        int k = d.u32("view change count");
        if (k < s.quorum() || k > s.spec().n()) {
            throw new MalformedDataException("new view: " + k + " view changes, need " + s.quorum());
        }
        List<PbftMessage> vcs = new ArrayList<>(k);
        Set<String> senders = new HashSet<>();
        for (int i = 0; i < k; i++) {
            PbftMessage vc = PbftMessage.decode(d.bytes(PbftMessage.MAX_BODY, "view change " + i));
            if (vc.kind() != MessageKind.VIEW_CHANGE || vc.chainId() != s.spec().chainId() || vc.height() != height
                    || vc.view() != m.view() || !s.spec().isSealer(vc.senderHex()) || !senders.add(vc.senderHex())
                    || !vc.verify(s.suite())) {
                throw new IllegalArgumentException("view change " + i + " is not a valid, distinct vote for view " + m.view());
            }
            vcs.add(vc);
        }
        d.end();
        PreparedCert cert = highest(s, vcs);
        if (!(cert == null ? Hash.ZERO : cert.hash()).equals(m.blockHash())) {
            throw new IllegalArgumentException("names " + m.blockHash() + " but the highest prepared block is "
                    + (cert == null ? "none" : cert.hash()));
        }
        return cert;
    }
}
