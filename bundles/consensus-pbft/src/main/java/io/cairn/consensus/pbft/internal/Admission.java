package io.cairn.consensus.pbft.internal;

import io.cairn.api.chain.MalformedDataException;
import io.cairn.api.network.PeerReputation;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Which messages are heard, and what a peer that proves it misbehaves gets. A message must come from the node
 * that signed it (the TLS peer id is its node key), except a NEW-VIEW, which a sealer passes on to a peer behind in
 * views. A peer that sends what no honest node sends (an undecodable or wrongly signed message, another chain's,
 * one signed by another node, votes while it is no sealer, two votes at one height and view...) is reported to
 * the node's {@link PeerReputation}, which bans it and has the network disconnect it; a banned peer's messages are
 * ignored unread. Races of honest nodes (old or future heights and views, a proposal this node cannot check yet)
 * are rejected, never reported.
 */
final class Admission {
    static final String REPORTER = "pbft";
    private static final System.Logger LOG = System.getLogger(Admission.class.getName());
    private static final int REPORTED_KEPT = 1024;

    private final PeerReputation reputation;
    private final Counters counts;
    private final Consumer<String> forget;
    /** Peers this engine reported, for its health; any thread reads it. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private volatile String lastRejection;

    /** @param forget drops what a reported peer had sent and is still held here (buffered, waiting for the gate) */
    Admission(PeerReputation reputation, Counters counts, Consumer<String> forget) {
        this.reputation = reputation;
        this.counts = counts;
        this.forget = forget;
    }

    /** Whether the peer is banned, so its message is ignored unread (and counted). Any thread. */
    boolean ignoring(String peerId) {
        if (peerId == null || !reputation.isBanned(peerId)) {
            return false;
        }
        counts.ignored.inc();
        return true;
    }

    /** Decodes and authenticates a message from a peer: the message, or null when it was refused. */
    PbftMessage admit(Step s, String peerId, byte[] payload) {
        PbftMessage m;
        try {
            m = PbftMessage.decode(payload);
        } catch (MalformedDataException e) {
            penalise(s, peerId, e.getMessage());
            return null;
        }
        if (m.chainId() != s.spec().chainId()) {
            penalise(s, peerId, m + " is for chain " + Long.toUnsignedString(m.chainId()));
            return null;
        }
        String sender = m.senderHex();
        if (!sender.equals(peerId) && (m.kind() != MessageKind.NEW_VIEW || !s.spec().isSealer(peerId))) {
            penalise(s, peerId, m + " is signed by " + sender + ", not by the peer that sent it");
            return null;
        }
        if (!s.spec().isSealer(sender)) {
            if (m.kind() == MessageKind.FETCH) {
                reject(peerId, m + ": the sender is not a sealer"); // asking proves nothing; only sealers are answered
            } else {
                penalise(s, peerId, m + ": the sender is not a sealer");
            }
            return null;
        }
        if (sender.equals(s.me())) {
            reject(peerId, m + " claims to be from this node"); // a NEW-VIEW this node led, passed back: harmless
            return null;
        }
        if (!m.verify(s.suite())) {
            penalise(s, peerId, m + ": the signature does not verify");
            return null;
        }
        return m;
    }

    /** Rejects a message that proves its sender misbehaves, and reports the peer (once while it is banned). */
    void penalise(Step s, String peerId, String why) {
        reject(peerId, why);
        if (peerId == null || peerId.equals(s.me()) || reputation.isBanned(peerId)) {
            return;
        }
        try {
            reputation.penalise(peerId, REPORTER, why);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pbft: the peer reputation could not record " + peerId + ": " + e);
        }
        counts.penalised.inc();
        if (reported.size() >= REPORTED_KEPT) {
            reported.removeIf(p -> !reputation.isBanned(p));
        }
        reported.add(peerId);
        forget.accept(peerId);
        LOG.log(Level.WARNING, "pbft: reported peer " + peerId + ": " + why);
    }

    void reject(String peerId, String why) {
        counts.rejected.inc();
        lastRejection = why;
        LOG.log(Level.DEBUG, () -> "pbft: ignoring a message from " + peerId + ": " + why);
    }

    String lastRejection() {
        return lastRejection;
    }

    /** How many of the peers this engine reported are banned now. Any thread. */
    int bannedNow() {
        int n = 0;
        for (String p : reported) {
            if (reputation.isBanned(p)) {
                n++;
            }
        }
        return n;
    }
}
